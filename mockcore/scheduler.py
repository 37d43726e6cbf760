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


class ScheduledEvent:
    """What runs (``action(*args, when)``), and whether it was cancelled; it is also the
    handle a model keeps to cancel it. The heap orders ``(when, seq, event)`` tuples, so
    comparisons stay in C (``seq`` is unique: events are never compared). Arguments are
    held here rather than in a closure or ``functools.partial``: one object per event."""

    __slots__ = ("when", "action", "args", "cancelled")

    def __init__(self, when: float, action: Callable[..., None], args: tuple) -> None:
        self.when = when
        self.action = action
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Scheduler:
    """A heap of due-time callbacks; not thread-safe (the owning state locks)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, ScheduledEvent]] = []
        self._seq = itertools.count()

    def at(self, when: float, action: Callable[..., None], *args: object) -> ScheduledEvent:
        """Run ``action(*args, when)`` at ``when``."""
        event = ScheduledEvent(when, action, args)
        heapq.heappush(self._heap, (when, next(self._seq), event))
        return event

    def after(
        self, delay: float, action: Callable[..., None], *args: object, base: float | None = None
    ) -> ScheduledEvent:
        start = self.clock.time() if base is None else base
        return self.at(start + max(0.0, delay), action, *args)

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
            event.action(*event.args, when)
            ran += 1
        return ran

    def clear(self) -> None:
        self._heap.clear()

    def __len__(self) -> int:
        return sum(1 for _, _, e in self._heap if not e.cancelled)
