"""Storage URLs: the checks the server makes and the names it derives.

As fts-rest-flask's ``lib/JobBuilder_utils.py`` (``validate_url``, ``get_storage_element``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse, urlunparse

from mockfts import errors


def storage_of(url: str) -> str:
    """``scheme://hostname`` (lower-case host, port dropped), as FTS names storages."""
    parsed = urlparse(url)
    return f"{parsed.scheme}://{(parsed.hostname or '').lower()}"


def validate_url(url: Any) -> str:
    url = url.strip()
    parsed = urlparse(url)
    shown = urlunparse(parsed)
    if not parsed.scheme:
        raise errors.InvalidValue(detail=f"Missing scheme ({shown})")
    if parsed.scheme == "file":
        raise errors.InvalidValue(detail=f"Can not transfer local files ({shown})")
    if not parsed.path or (parsed.path == "/" and not parsed.query):
        raise errors.InvalidValue(detail=f"Missing path ({shown})")
    if not parsed.hostname:
        raise errors.InvalidValue(detail=f"Missing host ({shown})")
    return url


def with_activity(url: str, activity: str) -> str:
    return url + ("&" if "?" in url else "?") + f"activity={activity}"
