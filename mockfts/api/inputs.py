"""Reading request bodies the way fts-rest-flask's ``get_input_as_dict`` does (reference 1.3)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from flask import Request

from mockfts import errors


def input_as_dict(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("Content-Type", "")
    raw = request.get_data(cache=True)
    if request.method == "PUT" or content_type.startswith("application/json"):
        if content_type == "application/json, application/x-www-form-urlencoded":
            raw = unquote_plus(raw.decode("utf-8", "replace")).encode()
        try:
            value = json.loads(raw or b"null")
        except ValueError:
            raise errors.BadJson() from None
    elif content_type.startswith("application/x-www-form-urlencoded"):
        value = request.form.to_dict()
    else:
        raise errors.BadContentType()
    if not isinstance(value, dict):
        raise errors.NotADictionary()
    return value
