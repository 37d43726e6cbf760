"""Every request a double answered, with its response, for assertions in tests."""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class JournalEntry:
    method: str
    path: str
    query: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: bytes
    at: float  # virtual time the request arrived
    fault: str | None = None  # which injected fault answered, if any

    def json(self) -> Any:
        return json.loads(self.response_body)

    def request_json(self) -> Any:
        return json.loads(self.request_body)

    def __repr__(self) -> str:
        return (
            f"<{self.method} {self.path}{'?' + self.query if self.query else ''} -> {self.status}>"
        )


class Journal:
    """Thread-safe record of :class:`JournalEntry`, oldest first.

    Unbounded by default (a test wants every request it made); a served double that
    runs for days keeps the last ``limit`` entries only (a ring), or none at all with
    ``limit=0``, so its memory does not grow with the requests it answered.
    """

    def __init__(self, limit: int | None = None) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=limit)
        self._lock = threading.Lock()

    @property
    def limit(self) -> int | None:
        return self._entries.maxlen

    @limit.setter
    def limit(self, limit: int | None) -> None:
        if limit is not None and limit < 0:
            raise ValueError("a journal limit is a count >= 0, or None for no limit")
        with self._lock:
            self._entries = deque(self._entries, maxlen=limit)

    @property
    def recording(self) -> bool:
        return self._entries.maxlen != 0

    def record(self, entry: JournalEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @property
    def entries(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def find(self, method: str | None = None, path: str | None = None) -> list[JournalEntry]:
        """Entries by method and path; ``path`` is a regular expression matched in full."""
        pattern = re.compile(path) if path is not None else None
        return [
            e
            for e in self.entries
            if (method is None or e.method == method.upper())
            and (pattern is None or pattern.fullmatch(e.path))
        ]

    @property
    def last(self) -> JournalEntry:
        with self._lock:
            if not self._entries:
                raise LookupError("no request has been journaled")
            return self._entries[-1]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries)
