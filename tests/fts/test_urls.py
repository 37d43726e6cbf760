"""Storage URLs are checked and named with a cheap split where it agrees with
``urllib.parse`` (what fts-rest-flask's ``validate_url`` and ``get_storage_element``
use), and with ``urlparse`` itself elsewhere: both must give the same answers."""

from __future__ import annotations

from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from mockfts import errors
from mockfts.model.submission import urls

URLISH = st.text(alphabet="abAB:/?#;@.\t\n 19-_%", max_size=28) | st.builds(
    "{}://{}{}".format,
    st.sampled_from(["mock", "MOCK", "https", "root", "file", ""]),
    st.text(alphabet="abAB.:@19-", max_size=12),
    st.text(alphabet="ab/?#;=&\t", max_size=12),
)


def _answer(url: str) -> object:
    try:
        return urls.checked_url(url)
    except errors.FtsError as exc:
        return str(exc)


@settings(max_examples=500)
@given(url=URLISH)
def test_the_cheap_split_answers_as_urlparse_does(url):
    cheap = _answer(url), urls.storage_of(url.strip())
    with mock.patch.object(urls, "_split", lambda _: None):  # urlparse for everything
        assert (_answer(url), urls.storage_of(url.strip())) == cheap
