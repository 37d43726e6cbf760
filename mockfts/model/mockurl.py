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
import functools
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


class _Query:
    """A query string's answers, worked out once: many files share one query (a test's
    ``?size=10&time=5``), and an attempt reads about ten keys of its two URLs."""

    __slots__ = ("items", "_pairs", "_raw", "_int", "_all")

    def __init__(self, query: str) -> None:
        self.items = query.split("&") if query else []
        # (item, its value) for the items holding a "=": the only ones raw() can match
        self._pairs = [(item, item.partition("=")[2]) for item in self.items if "=" in item]
        self._raw: dict[str, str | None] = {}
        self._int: dict[str, int | None] = {}
        self._all: dict[str, list[str]] = {}

    def raw(self, key: str) -> str | None:
        try:
            return self._raw[key]
        except KeyError:
            found = next((value for item, value in self._pairs if item.startswith(key)), None)
            self._raw[key] = found
            return found

    def int(self, key: str) -> int | None:
        try:
            return self._int[key]
        except KeyError:
            value = self.raw(key)
            number = self._int[key] = None if value is None else atoll(value)
            return number

    def all(self, key: str) -> list[str]:
        try:
            return self._all[key]
        except KeyError:
            marker = key + "="
            found = self._all[key] = [
                item[item.index(marker) + len(marker) :] for item in self.items if marker in item
            ]
            return found


@functools.lru_cache(maxsize=4096)
def _query(query: str) -> _Query:
    return _Query(query)


class MockUrl:
    __slots__ = ("url", "is_mock", "_query", "without_query")

    def __init__(self, url: str) -> None:
        self.url = url
        # the split urllib.parse.urlsplit makes for scheme and query, without its cost
        # (a transfer reads its two URLs at every attempt)
        scheme, colon, _ = url.partition(":")
        self.is_mock = bool(colon) and scheme.lower() == "mock"
        self._query = _query(url.partition("#")[0].partition("?")[2])
        self.without_query = url.partition("?")[0]

    def raw(self, key: str) -> str | None:
        """Value of the first item starting with ``key`` and holding a ``=`` (the plugin's
        matching rule: an item without ``=`` is passed over)."""
        return self._query.raw(key)

    def has(self, key: str) -> bool:
        return self._query.raw(key) is not None

    def int(self, key: str, default: int = 0) -> int:
        value = self._query.int(key)
        return default if value is None else value

    def all(self, key: str) -> list[str]:
        """Every value of a repeatable key (``rd_path``). The plugin finds these with
        ``strstr(query, "rd_path=")``, so the key may stand anywhere in an item. The list
        is shared by every URL with this query: do not change it."""
        return self._query.all(key)
