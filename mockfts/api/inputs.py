"""Reading request bodies the way fts-rest-flask's ``lib/helpers/misc.get_input_as_dict`` does.

Every JSON body of the double is decoded by :func:`parse_json` (and ``request.get_json``
by the same decoder, :class:`mockcore.jsonbody.StrictJSONProvider`). Deliberate
deviation: nesting deeper than 64 levels, ``NaN``/``Infinity``, numbers beyond a double
(``1e400``) and integers beyond 64 bits are badly formatted JSON (400) here, where the
real server crashes with a 500 on them (``RecursionError``, ``OverflowError``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from flask import Request

from mockcore import jsonbody
from mockfts import errors


def parse_json(raw: bytes | str, error: type[errors.FtsError] = errors.BadJson) -> Any:
    """``raw`` decoded, or ``error`` (400 ``Badly formatted JSON request`` by default;
    banning and force-start say ``Malformed input``)."""
    try:
        return jsonbody.loads(raw)
    except ValueError:  # also bad UTF-8, excessive nesting, non-finite numbers
        raise error() from None


def input_as_dict(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("Content-Type", "")
    raw = request.get_data(cache=True)
    if request.method == "PUT" or content_type.startswith("application/json"):
        if content_type == "application/json, application/x-www-form-urlencoded":
            raw = unquote_plus(raw.decode("utf-8", "replace")).encode()
        value = parse_json(raw or b"null")
    elif content_type.startswith("application/x-www-form-urlencoded"):
        value = request.form.to_dict()
    else:
        raise errors.BadContentType()
    if not isinstance(value, dict):
        raise errors.NotADictionary()
    return value
