"""Clock-driven events: what a model plans to happen at a virtual instant.

Models schedule callbacks (a file becomes ACTIVE at t, FINISHED at t+d); the state
runs every callback that is due before it answers anything, so reading the state
after ``clock.advance(30)`` shows exactly what 30 seconds would have done, with the
timestamps of the events themselves rather than of the read.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable

from mockcore.clock import Clock


class ScheduledEvent:
    """What runs (``action(*args, when)``), and whether it was cancelled; it is also the
    handle a model keeps to cancel it. Arguments are held here rather than in a closure
    or ``functools.partial``: one object per event."""

    __slots__ = ("when", "action", "args", "cancelled")

    def __init__(self, when: float, action: Callable[..., None], args: tuple) -> None:
        self.when = when
        self.action = action
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Scheduler:
    """Due-time callbacks, run in time order and, at one time, in the order they were
    scheduled; not thread-safe (the owning state locks).

    Events are kept in one queue per distinct due time, and only the times are in a heap:
    a model schedules many events at the same instant (the files of a job, each a second
    after the last step), so most events are an append and a pop from a queue, not a
    heap operation over everything pending."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._times: list[float] = []  # heap of the due times in ``_due``
        self._due: dict[float, deque[ScheduledEvent]] = {}

    def at(self, when: float, action: Callable[..., None], *args: object) -> ScheduledEvent:
        """Run ``action(*args, when)`` at ``when``."""
        event = ScheduledEvent(when, action, args)
        bucket = self._due.get(when)
        if bucket is None:
            self._due[when] = deque((event,))
            heapq.heappush(self._times, when)
        else:
            bucket.append(event)
        return event

    def after(
        self, delay: float, action: Callable[..., None], *args: object, base: float | None = None
    ) -> ScheduledEvent:
        start = self.clock.time() if base is None else base
        return self.at(start + max(0.0, delay), action, *args)

    def is_last(self, event: ScheduledEvent) -> bool:
        """Whether nothing was scheduled after ``event`` at its instant (and it has not
        run): what runs right after it is then only what the model adds to it."""
        bucket = self._due.get(event.when)
        if not bucket:
            return False
        return bucket[-1] is event

    def next_due(self) -> float | None:
        times, due = self._times, self._due
        while times:
            bucket = due[times[0]]
            while bucket and bucket[0].cancelled:
                bucket.popleft()
            if bucket:
                return times[0]
            del due[heapq.heappop(times)]
        return None

    def run_due(self, until: float | None = None) -> int:
        """Run every event due at or before ``until`` (default: now), in time order.

        Each event leaves its list before it runs, so an action that runs due events
        itself (a model calling back into its own API) never runs one twice."""
        limit = self.clock.time() if until is None else until
        ran = 0
        times, due = self._times, self._due
        while times and times[0] <= limit:
            when = times[0]
            bucket = due[when]
            while bucket:
                event = bucket.popleft()
                if event.cancelled:
                    continue
                event.action(*event.args, when)
                ran += 1
                if not times or times[0] != when:  # something earlier came: it runs first
                    break
            if not bucket and due.get(when) is bucket:  # else a nested run dropped it
                del due[when]
                if times[0] == when:
                    heapq.heappop(times)
                else:
                    times.remove(when)
                    heapq.heapify(times)
        return ran

    def clear(self) -> None:
        self._times.clear()
        self._due.clear()

    def __len__(self) -> int:
        return sum(not e.cancelled for bucket in self._due.values() for e in bucket)
