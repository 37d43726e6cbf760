"""Fault injection: make a double answer a route badly, slowly, or not at all.

A :class:`Fault` matches requests by method and path (a regular expression matched
in full against the request path), skips the first ``after`` matches, then fires
``times`` times (forever when ``None``). Firing means: wait ``latency`` seconds, then
drop the connection, answer with ``status``/``body``/``headers``, or (status None,
not dropped) let the real handler answer after the delay.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Fault:
    method: str | None
    path: str
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    after: int = 0
    times: int | None = 1
    latency: float = 0.0
    drop: bool = False
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        self._pattern = re.compile(self.path)
        if self.method:
            self.method = self.method.upper()

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(
            self._pattern.fullmatch(path)
        )

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def body_bytes(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()

    def describe(self) -> str:
        what = "drop" if self.drop else (str(self.status) if self.status else "delay")
        return f"{what} {self.method or '*'} {self.path}"


class FaultInjector:
    """The faults armed on one double; thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def fail(
        self,
        path: str,
        status: int = 503,
        *,
        method: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        retry_after: int | None = None,
        after: int = 0,
        times: int | None = 1,
    ) -> Fault:
        """Answer matching requests with ``status`` (e.g. 503 with Retry-After)."""
        headers = dict(headers or {})
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        if body is not None and not isinstance(body, (bytes, str)):
            headers.setdefault("Content-Type", "application/json")
        return self.add(
            Fault(method, path, status=status, body=body, headers=headers, after=after, times=times)
        )

    def delay(
        self,
        path: str,
        seconds: float,
        *,
        method: str | None = None,
        after: int = 0,
        times: int | None = None,
    ) -> Fault:
        """Answer normally, but only after ``seconds`` of real time."""
        return self.add(Fault(method, path, latency=seconds, after=after, times=times))

    def drop(
        self, path: str, *, method: str | None = None, after: int = 0, times: int | None = 1
    ) -> Fault:
        """Close the connection without answering."""
        return self.add(Fault(method, path, drop=True, after=after, times=times))

    def take(self, method: str, path: str) -> Fault | None:
        """The fault that fires for this request, counting it; None if none does."""
        if not self._faults:  # fast path: nothing armed
            return None
        chosen = None
        with self._lock:
            for fault in self._faults:
                if fault.exhausted or not fault.matches(method, path):
                    continue
                fault.seen += 1  # every matching call counts towards ``after``
                if chosen is None and fault.seen > fault.after:
                    fault.fired += 1
                    chosen = fault
        return chosen

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def armed(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if not f.exhausted]
