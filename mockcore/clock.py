"""Injectable clocks: the only place the doubles read the wall clock.

Models never call ``time.time()`` or ``datetime.now()``; they ask a :class:`Clock`.
A :class:`ManualClock` stands still until a test calls :meth:`advance`; a
:class:`ScaledClock` follows real time, sped up by a factor, for standalone servers
where nobody drives the clock by hand. Both can be pushed forward with ``advance``.

Both can also be *pinned* per thread (``with clock.pinned(t):``): the thread then
reads ``t`` (moved by what it advances), whatever other threads see. The durable
store (:mod:`mockcore.persist`) runs each request pinned at its arrival time, so the
same request at the same virtual time gives the same answer when it is replayed.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Iterator
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


class _Pin(threading.local):
    at: float | None = None


class _Pinnable:
    """The per-thread pin both clocks share."""

    _pin: _Pin

    @contextlib.contextmanager
    def pinned(self, epoch: float) -> Iterator[None]:
        """Inside the block this thread reads ``epoch`` (plus what it advances meanwhile);
        other threads and the clock itself are not affected."""
        pin = self._pin
        before = pin.at
        pin.at = float(epoch)
        try:
            yield
        finally:
            pin.at = before

    def _pin_moved(self, seconds: float) -> None:
        if self._pin.at is not None:
            self._pin.at += seconds

    def _pin_set(self, epoch: float) -> None:
        if self._pin.at is not None:
            self._pin.at = epoch


def _as_epoch(start: datetime | float | None) -> float:
    if start is None:
        # Whole seconds: the services render timestamps without fractions.
        return float(int(time.time()))
    if isinstance(start, datetime):
        if start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        return start.timestamp()
    return float(start)


class ManualClock(_Pinnable):
    """Frozen time that moves only when told to.

    Starts at the wall-clock second it was created (or ``start``), so tokens and
    certificates it stamps are still valid for clients that check them against the
    real time.
    """

    def __init__(self, start: datetime | float | None = None) -> None:
        self._now = _as_epoch(start)
        self._lock = threading.Lock()
        self._pin = _Pin()

    def time(self) -> float:
        at = self._pin.at
        return self._now if at is None else at

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._now, tz=timezone.utc)

    def advance(self, seconds: float) -> None:
        if not 0 <= seconds < math.inf:  # NaN too: it would poison every later reading
            raise ValueError(f"time only moves forward, by a finite amount (not {seconds})")
        with self._lock:
            self._now += seconds
            self._pin_moved(seconds)

    def advance_to(self, epoch: float) -> None:
        with self._lock:
            self._now = max(self._now, epoch)
            if self._pin.at is not None:
                self._pin.at = max(self._pin.at, epoch)

    def set_time(self, epoch: float) -> None:
        """Put the clock at ``epoch``, backwards too (restoring a snapshot)."""
        with self._lock:
            self._now = float(epoch)
            self._pin_set(float(epoch))

    def __repr__(self) -> str:
        return f"ManualClock({self.now().isoformat()})"


class ScaledClock(_Pinnable):
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
        self._pin = _Pin()

    def time(self) -> float:
        at = self._pin.at
        return self._running() if at is None else at

    def _running(self) -> float:
        return self._origin + (time.monotonic() - self._real_origin) * self.speed + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=timezone.utc)

    def advance(self, seconds: float) -> None:
        if not 0 <= seconds < math.inf:  # NaN too: it would poison every later reading
            raise ValueError(f"time only moves forward, by a finite amount (not {seconds})")
        with self._lock:
            self._offset += seconds
            self._pin_moved(seconds)

    def advance_to(self, epoch: float) -> None:
        gap = epoch - self.time()
        if gap > 0:
            self.advance(gap)

    def set_speed(self, speed: float) -> None:
        """Run at ``speed`` from now on; the time read now does not jump."""
        if not 0 < speed < math.inf:
            raise ValueError(f"speed must be positive and finite (not {speed})")
        with self._lock:
            self._origin = self._running() - self._offset
            self._real_origin = time.monotonic()
            self.speed = speed

    def set_time(self, epoch: float) -> None:
        """Put the clock at ``epoch`` (it keeps running from there), backwards too."""
        with self._lock:
            self._offset += float(epoch) - self._running()
            self._pin_set(float(epoch))

    def __repr__(self) -> str:
        return f"ScaledClock(speed={self.speed}, now={self.now().isoformat()})"
