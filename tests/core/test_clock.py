"""Virtual time: clocks, the scheduler, and running to a condition without sleeping."""

from __future__ import annotations

import heapq
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockcore.clock import ManualClock, ScaledClock
from mockcore.ids import IdSource
from mockcore.state import ServiceState


def test_manual_clock_stands_still_until_advanced():
    clock = ManualClock(start=1_700_000_000)
    assert clock.time() == 1_700_000_000
    clock.advance(90)
    assert clock.now().isoformat() == "2023-11-14T22:14:50+00:00"
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_scaled_clock_runs_faster_than_real_time():
    clock = ScaledClock(speed=1000, start=0)
    before = clock.time()
    time.sleep(0.01)
    assert clock.time() - before >= 9
    clock.advance(100)
    assert clock.time() - before >= 109


def test_events_run_in_time_order_with_their_own_timestamps():
    state = ServiceState(ManualClock(start=0))
    seen = []
    state.scheduler.at(20, lambda t: seen.append(("b", t)))
    state.scheduler.at(10, lambda t: seen.append(("a", t)))
    state.advance(15)
    assert seen == [("a", 10)]
    state.advance(15)
    assert seen == [("a", 10), ("b", 20)]


def test_cancelled_event_does_not_run():
    state = ServiceState(ManualClock(start=0))
    seen = []
    handle = state.scheduler.at(5, seen.append)
    handle.cancel()
    state.advance(10)
    assert seen == []


def test_an_event_is_last_at_its_instant_until_another_follows_it_or_it_runs():
    """What a model may add to an event without changing the order (``is_last``)."""
    scheduler = ServiceState(ManualClock(start=0)).scheduler
    first = scheduler.at(5, lambda t: None)
    assert scheduler.is_last(first)
    later = scheduler.at(6, lambda t: None)
    assert scheduler.is_last(first)  # another instant: no matter
    second = scheduler.at(5, lambda t: None)
    assert not scheduler.is_last(first) and scheduler.is_last(second)
    scheduler.run_due(5)
    assert not scheduler.is_last(second) and scheduler.is_last(later)


def test_run_until_jumps_between_events_without_sleeping():
    state = ServiceState(ManualClock(start=0))
    box = {"done": False}
    state.scheduler.at(3600, lambda t: box.update(done=True))
    started = time.monotonic()
    spent = state.run_until(lambda: box["done"])
    assert spent == 3600
    assert time.monotonic() - started < 1


def test_run_until_reports_when_nothing_is_left_to_happen():
    state = ServiceState(ManualClock(start=0))
    with pytest.raises(TimeoutError, match="nothing left"):
        state.run_until(lambda: False)


def test_ids_repeat_after_reset_and_uuid1_follows_the_clock():
    clock = ManualClock(start=1_700_000_000)
    ids = IdSource(clock, seed=7)
    first = [ids.uuid4(), ids.uuid1(), ids.hex(8)]
    ids.reset()
    assert [ids.uuid4(), ids.uuid1(), ids.hex(8)] == first
    stamped = ids.uuid1()
    assert stamped.version == 1
    assert abs((stamped.time - 0x01B21DD213814000) / 1e7 - 1_700_000_000) < 1


@pytest.mark.parametrize(
    "make",
    [
        lambda: ManualClock(start=1_700_000_000),
        lambda: ScaledClock(speed=1000.0, start=1_700_000_000),
    ],
)
def test_a_pinned_thread_reads_the_pin_and_moves_it_by_what_it_advances(make):
    import threading

    clock = make()
    seen = []
    with clock.pinned(1_800_000_000):
        assert clock.time() == 1_800_000_000
        clock.advance(5)
        assert clock.time() == 1_800_000_005
        thread = threading.Thread(target=lambda: seen.append(clock.time()))
        thread.start(), thread.join()
    assert seen[0] < 1_750_000_000  # other threads are not pinned
    assert 1_700_000_005 <= clock.time() < 1_750_000_000


@pytest.mark.parametrize(
    "make",
    [lambda: ManualClock(start=1_700_000_000), lambda: ScaledClock(speed=1.0, start=1_700_000_000)],
)
def test_set_time_moves_a_clock_backwards_too(make):
    clock = make()
    clock.advance(3600)
    clock.set_time(1_700_000_100)
    assert 1_700_000_100 <= clock.time() < 1_700_000_101


def _heap_order(plan: list, steps: list[int]) -> list[str]:
    """What a heap of ``(when, sequence)`` runs for ``plan``: the reference order."""
    heap: list[tuple[int, int, str, list[int]]] = []
    sequence = iter(range(10**6))
    for n, (when, children, cancel, _) in enumerate(plan):
        if not cancel:
            heapq.heappush(heap, (when, next(sequence), f"p{n}", children))
        else:
            next(sequence)
    ran, now = [], 0
    for step in steps:
        now += step
        while heap and heap[0][0] <= now:
            when, _, name, children = heapq.heappop(heap)
            ran.append(name)
            for k, delta in enumerate(children):
                heapq.heappush(heap, (max(0, when + delta), next(sequence), f"{name}.{k}", []))
    return ran


@given(
    plan=st.lists(
        st.tuples(
            st.integers(0, 6),  # due time
            st.lists(st.integers(-3, 3), max_size=3),  # what it schedules, relative to it
            st.booleans(),  # cancelled before anything runs
            st.booleans(),  # runs due events itself (a model calling its own API)
        ),
        max_size=25,
    ),
    steps=st.lists(st.integers(0, 4), min_size=1, max_size=4),
)
def test_events_run_in_due_time_then_scheduling_order(plan, steps):
    """The scheduler runs what a heap of ``(when, sequence)`` would run, in that order,
    also when an event schedules others at, before or after its own time, and when it
    runs due events itself."""
    state = ServiceState(ManualClock(start=0))
    ran: list[str] = []

    def run(name: str, children: list[int], reenter: bool, when: float) -> None:
        ran.append(name)
        for k, delta in enumerate(children):
            state.scheduler.at(max(0, when + delta), run, f"{name}.{k}", [], False)
        if reenter:
            state.scheduler.run_due(when)

    for n, (when, children, cancel, reenter) in enumerate(plan):
        handle = state.scheduler.at(when, run, f"p{n}", children, reenter)
        if cancel:
            handle.cancel()
    for step in steps:
        state.advance(step)
    assert ran == _heap_order(plan, steps)
    live = sum(not cancel for _, _, cancel, _ in plan) + sum(
        len(plan[int(name[1:])][1]) for name in ran if "." not in name
    )
    assert len(state.scheduler) == live - len(ran)
