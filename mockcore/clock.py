"""Injectable clocks: the only place the doubles read the wall clock.

Models never call ``time.time()`` or ``datetime.now()``; they ask a :class:`Clock`.
A :class:`ManualClock` stands still until a test calls :meth:`advance`; a
:class:`ScaledClock` follows real time, sped up by a factor, for standalone servers
where nobody drives the clock by hand. Both can be pushed forward with ``advance``.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    def time(self) -> float:
        """Seconds since the Unix epoch (virtual)."""

    def now(self) -> datetime:
        """The virtual time as an aware UTC datetime."""

    def advance(self, seconds: float) -> None:
        """Move virtual time forward."""


def _as_epoch(start: datetime | float | None) -> float:
    if start is None:
        # Whole seconds: the services render timestamps without fractions.
        return float(int(time.time()))
    if isinstance(start, datetime):
        if start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        return start.timestamp()
    return float(start)


class ManualClock:
    """Frozen time that moves only when told to.

    Starts at the wall-clock second it was created (or ``start``), so tokens and
    certificates it stamps are still valid for clients that check them against the
    real time.
    """

    def __init__(self, start: datetime | float | None = None) -> None:
        self._now = _as_epoch(start)
        self._lock = threading.Lock()

    def time(self) -> float:
        return self._now

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._now, tz=timezone.utc)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._now += seconds

    def advance_to(self, epoch: float) -> None:
        with self._lock:
            self._now = max(self._now, epoch)

    def __repr__(self) -> str:
        return f"ManualClock({self.now().isoformat()})"


class ScaledClock:
    """Real time multiplied by ``speed`` (plus whatever was added with ``advance``).

    A standalone server uses it so that a job that takes 60 virtual seconds finishes
    in 60/speed real seconds.
    """

    def __init__(self, speed: float = 10.0, start: datetime | float | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._origin = _as_epoch(start)
        self._real_origin = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    def time(self) -> float:
        return self._origin + (time.monotonic() - self._real_origin) * self.speed + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=timezone.utc)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._offset += seconds

    def advance_to(self, epoch: float) -> None:
        gap = epoch - self.time()
        if gap > 0:
            self.advance(gap)

    def __repr__(self) -> str:
        return f"ScaledClock(speed={self.speed}, now={self.now().isoformat()})"
