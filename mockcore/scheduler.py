"""Clock-driven events: what a model plans to happen at a virtual instant.

Models schedule callbacks (a file becomes ACTIVE at t, FINISHED at t+d); the state
runs every callback that is due before it answers anything, so reading the state
after ``clock.advance(30)`` shows exactly what 30 seconds would have done, with the
timestamps of the events themselves rather than of the read.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from mockcore.clock import Clock

Action = Callable[[float], None]


@dataclass(order=True)
class _Event:
    when: float
    seq: int
    action: Action = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


class ScheduledEvent:
    """Handle to cancel an event before it runs."""

    __slots__ = ("_event",)

    def __init__(self, event: _Event) -> None:
        self._event = event

    @property
    def when(self) -> float:
        return self._event.when

    def cancel(self) -> None:
        self._event.cancelled = True


class Scheduler:
    """A heap of due-time callbacks; not thread-safe (the owning state locks)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._heap: list[_Event] = []
        self._seq = itertools.count()

    def at(self, when: float, action: Action) -> ScheduledEvent:
        event = _Event(when, next(self._seq), action)
        heapq.heappush(self._heap, event)
        return ScheduledEvent(event)

    def after(self, delay: float, action: Action, *, base: float | None = None) -> ScheduledEvent:
        start = self.clock.time() if base is None else base
        return self.at(start + max(0.0, delay), action)

    def next_due(self) -> float | None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0].when if self._heap else None

    def run_due(self, until: float | None = None) -> int:
        """Run every event due at or before ``until`` (default: now), in time order."""
        limit = self.clock.time() if until is None else until
        ran = 0
        while self._heap and self._heap[0].when <= limit:
            event = heapq.heappop(self._heap)
            if event.cancelled:
                continue
            event.action(event.when)
            ran += 1
        return ran

    def clear(self) -> None:
        self._heap.clear()

    def __len__(self) -> int:
        return sum(1 for e in self._heap if not e.cancelled)
