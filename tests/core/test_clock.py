"""Virtual time: clocks, the scheduler, and running to a condition without sleeping."""

from __future__ import annotations

import time

import pytest

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
