"""``@locked`` and ``@settled``: a model method runs under the state's lock, and a settled
one first runs the events that are due; on a model part and on the state itself."""

from __future__ import annotations

import threading

from mockcore.locking import locked, settled
from mockcore.state import ServiceState


class Counter(ServiceState):
    def __init__(self) -> None:
        super().__init__()
        self.ticks = 0
        self.scheduler.at(10.0, lambda now: setattr(self, "ticks", self.ticks + 1))

    @settled
    def settled_ticks(self) -> int:
        return self.ticks

    @locked
    def locked_ticks(self) -> int:
        return self.ticks

    @locked
    def holds_lock(self) -> bool:
        return _held_by_me(self.lock)


class Part:
    """A model part: the state is ``self.state``."""

    def __init__(self, state: Counter) -> None:
        self.state = state

    @settled
    def settled_ticks(self) -> int:
        return self.state.ticks

    @locked
    def locked_ticks(self) -> int:
        return self.state.ticks

    @locked
    def holds_lock(self) -> bool:
        return _held_by_me(self.state.lock)


def _held_by_me(lock) -> bool:
    """Whether this thread holds the RLock (another thread cannot take it)."""
    taken = []

    def probe() -> None:
        taken.append(lock.acquire(blocking=False))
        if taken[0]:
            lock.release()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return not taken[0]


def _due() -> Counter:
    state = Counter()
    state.clock.advance(10.0)  # the event is due, not yet run
    return state


def test_a_settled_method_of_the_state_runs_due_events_first():
    assert _due().settled_ticks() == 1


def test_a_locked_method_of_the_state_does_not_settle():
    assert _due().locked_ticks() == 0


def test_a_settled_method_of_a_model_part_runs_due_events_first():
    assert Part(_due()).settled_ticks() == 1


def test_a_locked_method_of_a_model_part_does_not_settle():
    assert Part(_due()).locked_ticks() == 0


def test_both_run_holding_the_state_lock():
    state = Counter()
    assert state.holds_lock() and Part(state).holds_lock()
    assert not _held_by_me(state.lock)


def test_decorated_methods_keep_their_name_and_docstring():
    assert Part.settled_ticks.__name__ == "settled_ticks"
    assert Counter.locked_ticks.__qualname__ == "Counter.locked_ticks"
