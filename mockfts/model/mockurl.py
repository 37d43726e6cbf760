"""The gfal2 ``mock://`` plugin's URL language, parsed exactly as the plugin parses it.

A ``mock://host/path?k=v&...`` URL describes a fake file through its query string.
The plugin scans the ``&``-separated items in order and takes the first one that
**starts with** the key, then the text after its ``=``, converted with ``atoll``
(leading digits; anything else is 0). So ``size`` also matches an earlier
``size_post=`` item, and ``access`` matches ``access_errno=``: we keep those quirks,
since tests written against real FTS rely on the same URLs.
"""

from __future__ import annotations

import errno as _errno
import os
import re

_LEADING_INT = re.compile(r"\s*([+-]?\d+)")


def atoll(text: str | None) -> int:
    if not text:
        return 0
    match = _LEADING_INT.match(text)
    return int(match.group(1)) if match else 0


def strerror(code: int) -> str:
    """The C library's message for an errno, as gfal2 reports it."""
    if code == _errno.ECANCELED:
        return "Operation canceled"
    return os.strerror(code)


class MockUrl:
    __slots__ = ("url", "is_mock", "_items", "_pairs", "without_query")

    def __init__(self, url: str) -> None:
        self.url = url
        # the split urllib.parse.urlsplit makes for scheme and query, without its cost
        # (a transfer reads its two URLs at every attempt)
        scheme, colon, _ = url.partition(":")
        self.is_mock = bool(colon) and scheme.lower() == "mock"
        query = url.partition("#")[0].partition("?")[2]
        self._items = query.split("&") if query else []
        # (item, its value) for the items holding a "=": the only ones raw() can match
        self._pairs = [(item, item.partition("=")[2]) for item in self._items if "=" in item]
        self.without_query = url.split("?", 1)[0]

    def raw(self, key: str) -> str | None:
        """Value of the first item starting with ``key`` and holding a ``=`` (the plugin's
        matching rule: an item without ``=`` is passed over)."""
        for item, value in self._pairs:
            if item.startswith(key):
                return value
        return None

    def has(self, key: str) -> bool:
        return self.raw(key) is not None

    def int(self, key: str, default: int = 0) -> int:
        value = self.raw(key)
        return default if value is None else atoll(value)

    def all(self, key: str) -> list[str]:
        """Every value of a repeatable key (``rd_path``). The plugin finds these with
        ``strstr(query, "rd_path=")``, so the key may stand anywhere in an item."""
        marker = key + "="
        return [item[item.index(marker) + len(marker) :] for item in self._items if marker in item]
