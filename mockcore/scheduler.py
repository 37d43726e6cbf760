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

from mockcore.clock import Clock

Action = Callable[[float], None]


class _Event:
    """What runs, and whether it was cancelled; the heap orders ``(when, seq, event)``
    tuples, so comparisons stay in C (``seq`` is unique: events are never compared)."""

    __slots__ = ("when", "action", "cancelled")

    def __init__(self, when: float, action: Action) -> None:
        self.when = when
        self.action = action
        self.cancelled = False


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
        self._heap: list[tuple[float, int, _Event]] = []
        self._seq = itertools.count()

    def at(self, when: float, action: Action) -> ScheduledEvent:
        event = _Event(when, action)
        heapq.heappush(self._heap, (when, next(self._seq), event))
        return ScheduledEvent(event)

    def after(self, delay: float, action: Action, *, base: float | None = None) -> ScheduledEvent:
        start = self.clock.time() if base is None else base
        return self.at(start + max(0.0, delay), action)

    def next_due(self) -> float | None:
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def run_due(self, until: float | None = None) -> int:
        """Run every event due at or before ``until`` (default: now), in time order."""
        limit = self.clock.time() if until is None else until
        ran = 0
        heap, pop = self._heap, heapq.heappop
        while heap and heap[0][0] <= limit:
            when, _, event = pop(heap)
            if event.cancelled:
                continue
            event.action(when)
            ran += 1
        return ran

    def clear(self) -> None:
        self._heap.clear()

    def __len__(self) -> int:
        return sum(1 for _, _, e in self._heap if not e.cancelled)
