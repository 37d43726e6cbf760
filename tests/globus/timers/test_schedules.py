"""When runs fall: the schedule rules alone, and (Hypothesis) a recurring timer served
to the SDK runs exactly at ``start + k * interval`` until its end condition."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import globus_sdk
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockglobus import mock_globus
from mockglobus.auth.scopes import TIMERS_RS
from mockglobus.timers import errors as E
from mockglobus.timers.schedules import Schedule, parse_schedule
from tests.globus.timers.conftest import ALICE, transfer_data

NOW = 1_800_000_000.0


def test_a_once_schedule_without_datetime_runs_at_submission():
    assert parse_schedule({"type": "once"}, NOW, ("s",)) == Schedule("once", NOW)


def test_an_iterations_end_is_read_from_count_or_iterations():
    by_count = {
        "type": "recurring",
        "interval_seconds": 60,
        "end": {"condition": "iterations", "count": 3},
    }
    by_name = {
        "type": "recurring",
        "interval_seconds": 60,
        "end": {"condition": "iterations", "iterations": 3},
    }
    assert parse_schedule(by_count, NOW, ("s",)).end_count == 3
    assert parse_schedule(by_name, NOW, ("s",)).end_count == 3


def test_a_start_more_than_a_year_ahead_is_refused():
    start = datetime.fromtimestamp(NOW + 366 * 86400, tz=timezone.utc).isoformat()
    with pytest.raises(E.ValidationError) as err:
        parse_schedule({"type": "recurring", "interval_seconds": 60, "start": start}, NOW, ("s",))
    assert err.value.details[0]["loc"] == ["s", "start"]


def test_a_naive_datetime_is_utc():
    schedule = parse_schedule({"type": "once", "datetime": "2027-01-15T10:00:00"}, NOW, ("s",))
    assert schedule.to_api()["datetime"] == "2027-01-15T10:00:00+00:00"


@given(
    interval=st.integers(60, 7 * 86400),
    start=st.floats(0, 10 * 86400, allow_nan=False),
    when=st.floats(0, 100 * 86400, allow_nan=False),
)
def test_first_slot_after_is_the_first_slot_strictly_later(interval, start, when):
    schedule = Schedule("recurring", NOW + start, interval)
    k = schedule.first_slot_after(NOW + when)
    assert schedule.slot(k) > NOW + when
    assert k == 0 or schedule.slot(k - 1) <= NOW + when


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    interval=st.integers(60, 2 * 86400),
    start_in=st.integers(0, 86400),
    end=st.one_of(
        st.builds(lambda n: ("iterations", n), st.integers(1, 6)),
        st.builds(lambda f: ("time", f), st.floats(0, 6.5)),
    ),
)
def test_recurring_timer_runs_at_start_plus_k_intervals_until_its_end(interval, start_in, end):
    with mock_globus() as globus:
        now = datetime.fromtimestamp(globus.clock.time(), tz=timezone.utc)
        start = now + timedelta(seconds=start_in)
        if end[0] == "iterations":
            end_doc = {"condition": "iterations", "count": end[1]}
            expected = [start + timedelta(seconds=k * interval) for k in range(end[1])]
        else:
            offset = int(end[1] * interval)  # whole seconds after start
            end_at = start + timedelta(seconds=offset)
            end_doc = {"condition": "time", "datetime": end_at.isoformat()}
            expected = [
                start + timedelta(seconds=k * interval) for k in range(offset // interval + 1)
            ]
        token = globus.token_for(ALICE, resource_server=TIMERS_RS)
        timers = globus_sdk.TimersClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))
        timer = globus_sdk.TransferTimer(
            schedule=globus_sdk.RecurringTimerSchedule(interval, start=start, end=end_doc),
            body=transfer_data(),
        )
        job_id = timers.create_timer(timer)["timer"]["job_id"]
        globus.advance(start_in + 8 * interval)
        token = globus.token_for(ALICE, resource_server=TIMERS_RS)  # the first one expired
        timers = globus_sdk.TimersClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))
        job = timers.get_job(job_id, query_params={"page_size": 20})
        ran = [r["ran_at"] for r in reversed(job["results"]["data"])]
        assert ran == [t.isoformat() for t in expected]
        assert (job["n_runs"], job["status"], job["next_run"]) == (len(expected), "ended", None)

        tc = globus_sdk.TransferClient(
            authorizer=globus_sdk.AccessTokenAuthorizer(globus.token_for(ALICE))
        )
        requested = sorted(t["request_time"] for t in tc.task_list())
        assert requested == [t.isoformat() for t in expected]
