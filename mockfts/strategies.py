"""Hypothesis strategies for FTS3 submissions: valid ones, and near-misses.

``valid_submissions()`` draws realistic submissions (real URL shapes, parameters of
the right types) that the served JSON Schema accepts and the server accepts.
``near_misses()`` draws a valid submission with one defect that both the schema and
the server reject, paired with the message the real server answers.

Where the real server and its own schema disagree (it accepts
``"verify_checksum": "both"``, string metadata, negative file sizes; it refuses
schema-valid ``"params": null`` and URLs without a host), see
``tests/fts/test_schema.py``.
"""

from __future__ import annotations

from hypothesis import strategies as st

SCHEMES = ("mock", "root", "davs", "https", "gsiftp", "srm", "s3")
HOSTS = ("eos.example.org", "dcache.example.org", "storm.example.net", "se01.example.ch")

_segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-.", min_size=1, max_size=12)


@st.composite
def urls(draw, scheme: str | None = None) -> str:
    scheme = scheme or draw(st.sampled_from(SCHEMES))
    host = draw(st.sampled_from(HOSTS))
    port = draw(st.sampled_from(["", ":1094", ":8443"]))
    path = "/".join(draw(st.lists(_segment, min_size=1, max_size=4)))
    url = f"{scheme}://{host}{port}/{path}"
    if scheme == "mock":
        size = draw(st.integers(0, 10**9))
        url += f"?size={size}&size_post={size}&time={draw(st.integers(0, 120))}"
    return url


_nullable_bool = st.none() | st.booleans()
_nullable_int = st.none() | st.integers(-1, 10**6)
_metadata = st.none() | st.dictionaries(_segment, _segment | st.integers(), max_size=3)


@st.composite
def transfers(draw, *, replicas: bool = False) -> dict:
    entry: dict = {
        "sources": draw(
            st.lists(urls(), min_size=2 if replicas else 1, max_size=3 if replicas else 1)
        ),
        "destinations": [draw(urls())],
    }
    optional = {
        "metadata": _metadata,
        "filesize": st.none() | st.integers(0, 10**12),
        "checksum": st.none() | st.sampled_from(["ADLER32", "ADLER32:1a2b3c4d", "MD5:" + "0" * 32]),
        "activity": st.none()
        | st.sampled_from(["default", "User Subscriptions", "Data Consolidation"]),
        "priority": st.none() | st.integers(1, 5),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            entry[key] = draw(strategy)
    return entry


@st.composite
def job_params(draw) -> dict:
    candidates = {
        "verify_checksum": _nullable_bool,
        "reuse": st.none() | st.just(False),
        "destination_spacetoken": st.none() | st.sampled_from(["", "ATLASDATADISK"]),
        "source_spacetoken": st.none() | st.sampled_from(["", "ATLASTAPE"]),
        "copy_pin_lifetime": st.none() | st.integers(-1, 86400),
        "job_metadata": _metadata,
        "overwrite": _nullable_bool,
        "dst_file_report": _nullable_bool,
        "gridftp": st.none() | st.just(""),
        "retry": _nullable_int,
        "timeout": st.none() | st.integers(1, 86400),
        "nostreams": st.none() | st.integers(1, 16),
        "buffer_size": st.none() | st.integers(0, 10**8),
        "strict_copy": _nullable_bool,
        "disable_cleanup": _nullable_bool,
        "priority": st.none() | st.integers(-10, 10),
        "ipv4": _nullable_bool,
        "ipv6": _nullable_bool,
    }
    keys = draw(st.sets(st.sampled_from(sorted(candidates))))
    return {key: draw(candidates[key]) for key in sorted(keys)}


@st.composite
def valid_submissions(draw) -> dict:
    if draw(st.integers(0, 5)) == 0:
        files = [draw(transfers(replicas=True))]
    else:
        files = draw(st.lists(transfers(), min_size=1, max_size=4))
    body: dict = {"files": files}
    if draw(st.booleans()):
        body["params"] = draw(job_params())
    return body


# Each defect: (what to do to a valid body, the real server's 400 message).
def _files_not_a_list(body: dict, value) -> dict:
    return {**body, "files": value}


@st.composite
def near_misses(draw) -> tuple[dict, str]:
    """A submission the schema and the server both refuse, with the server's message."""
    body = draw(valid_submissions())
    entry = dict(body["files"][0])
    defect = draw(
        st.sampled_from(
            [
                "files_int",
                "no_sources",
                "no_destinations",
                "sources_empty",
                "metadata_number",
                "timeout_text",
            ]
        )
    )
    if defect == "files_int":
        number = draw(st.integers(0, 1000))
        return {**body, "files": number}, "Malformed request: 'int' object is not iterable"
    if defect == "no_sources":
        entry.pop("sources")
        return {**body, "files": [entry]}, "Missing parameter: 'sources'"
    if defect == "no_destinations":
        entry.pop("destinations")
        return {**body, "files": [entry]}, "Missing parameter: 'destinations'"
    if defect == "sources_empty":
        return {**body, "files": [{**entry, "sources": []}]}, "No valid pairs available"
    if defect == "metadata_number":
        # finite: the double refuses Infinity as badly formatted JSON (mockcore.jsonbody)
        value = draw(
            st.integers()
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.lists(st.integers(), max_size=2)
        )
        return (
            {**body, "files": [{**entry, "metadata": value}]},
            "Invalid value within the request: Metadata neither JSON nor String",
        )
    text = draw(st.sampled_from(["soon", "1h", "ten"]))
    params = {**body.get("params", {}), "timeout": text}
    return (
        {**body, "params": params},
        f"Invalid value within the request: invalid literal for int() with base 10: '{text}'",
    )
