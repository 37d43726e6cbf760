"""Storage URLs: the checks the server makes and the names it derives.

As fts-rest-flask's ``lib/JobBuilder_utils.py`` (``validate_url``, ``get_storage_element``).
"""

from __future__ import annotations

import functools
import re
import sys
from typing import Any
from urllib.parse import urlparse, urlunparse

from mockfts import errors

# scheme://authority (ended as urllib ends it), then the rest; no ";" (params) and none
# of the characters urllib drops (tabs, newlines) anywhere
_SPLIT = re.compile(r"([^:/?#;\t\n\r]*://[^/?#;\t\n\r]*)([^;\t\n\r]*)")


def _split(url: str) -> tuple[str, str] | None:
    """``(scheme://authority, rest)`` where the authority ends as urllib.parse ends it;
    None where a cheap split could differ from ``urlparse`` (no ``://`` after the scheme,
    ``;`` params, the tabs and newlines it drops)."""
    found = _SPLIT.fullmatch(url)
    return None if found is None else (found[1], found[2])


@functools.lru_cache(maxsize=4096)
def _authority(prefix: str) -> tuple[str, str | None, str]:
    """(scheme, hostname, storage) of a ``scheme://authority`` (a site has few storages:
    the part before the path is parsed once, not once per file)."""
    parsed = urlparse(prefix)
    return parsed.scheme, parsed.hostname, _storage(parsed.scheme, parsed.hostname)


def _storage(scheme: str, host: str | None) -> str:
    return sys.intern(f"{scheme}://{(host or '').lower()}")


def storage_of(url: str) -> str:
    """``scheme://hostname`` (lower-case host, port dropped), as FTS names storages."""
    split = _split(url)
    if split is None:
        parsed = urlparse(url)
        return _storage(parsed.scheme, parsed.hostname)
    return _authority(split[0])[2]


def validate_url(url: Any) -> str:
    """``validate_url`` of ``lib/JobBuilder_utils.py``: scheme, not ``file``, a path, a
    host; the message shows the URL as ``urlunparse`` rebuilds it."""
    return checked_url(url)[0]


def checked_url(url: Any) -> tuple[str, str]:
    """:func:`validate_url`, and the URL's storage (:func:`storage_of`) from the same
    parse: a submission reads both for every file."""
    url = url.strip()
    split = _split(url)
    if split is None:
        parsed = urlparse(url)
        scheme, host, path, query = parsed.scheme, parsed.hostname, parsed.path, parsed.query
        storage = _storage(scheme, host)
    else:
        (scheme, host, storage), rest = _authority(split[0]), split[1]
        before_fragment = rest.partition("#")[0]
        path, _, query = before_fragment.partition("?")
    if not scheme:
        raise errors.InvalidValue(detail=f"Missing scheme ({urlunparse(urlparse(url))})")
    if scheme == "file":
        detail = f"Can not transfer local files ({urlunparse(urlparse(url))})"
        raise errors.InvalidValue(detail=detail)
    if not path or (path == "/" and not query):
        raise errors.InvalidValue(detail=f"Missing path ({urlunparse(urlparse(url))})")
    if not host:
        raise errors.InvalidValue(detail=f"Missing host ({urlunparse(urlparse(url))})")
    return url, storage


def with_activity(url: str, activity: str) -> str:
    return url + ("&" if "?" in url else "?") + f"activity={activity}"
