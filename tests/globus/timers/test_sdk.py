"""Timers through an unmodified ``globus_sdk.TimersClient``: timers are created,
read, changed and fired on the virtual clock, each run a real Transfer task of the
timer's user."""

from __future__ import annotations

import globus_sdk
import pytest

from mockglobus.auth.scopes import TIMERS_RS, TIMERS_SCOPE, TRANSFER_SCOPE
from mockglobus.transfer.seed import RESEARCH_COLLECTION_ID
from tests.globus.timers.conftest import ALICE, BOB, GODATA, T1, T2, Served, transfer_data

DATA_ACCESS = f"https://auth.globus.org/scopes/{RESEARCH_COLLECTION_ID}/data_access"
CLIMATE_README = "/projects/climate/README.txt"


def _iso(served: Served, seconds: float) -> str:
    return served.later(seconds).isoformat()


def _recurring(served: Served, interval: int, start_in: float, **end) -> globus_sdk.TransferTimer:
    schedule = globus_sdk.RecurringTimerSchedule(
        interval, start=served.later(start_in), end=end or globus_sdk.MISSING
    )
    return globus_sdk.TransferTimer(name="nightly", schedule=schedule, body=transfer_data())


def _create(client: globus_sdk.TimersClient, timer) -> str:
    return client.create_timer(timer)["timer"]["job_id"]


# --------------------------------------------------------------------- creating and reading
def test_create_timer_answers_201_with_the_v2_document(served):
    timers = served.timers()
    body = transfer_data()
    body["submission_id"] = "dropped-by-the-sdk"
    timer = globus_sdk.TransferTimer(
        name="Very Cool Timer",
        schedule=globus_sdk.RecurringTimerSchedule(
            604800, start=served.later(3600), end={"condition": "iterations", "count": 2}
        ),
        body=body,
    )
    response = timers.create_timer(timer)
    assert response.http_status == 201
    doc = response["timer"]
    assert doc["timer_type"] == "transfer"
    assert (doc["name"], doc["status"], doc["inactive_reason"]) == ("Very Cool Timer", "new", None)
    assert (doc["number_of_runs"], doc["number_of_errors"], doc["last_ran_at"]) == (0, 0, None)
    assert doc["submitted_at"] == served.now().isoformat()
    assert doc["next_run"] == _iso(served, 3600)
    assert doc["schedule"] == {
        "type": "recurring",
        "interval_seconds": 604800,
        "start": _iso(served, 3600),
        "end": {"count": 2},
    }
    assert "submission_id" not in doc["body"]
    assert doc["body"]["DATA"] == [
        {
            "DATA_TYPE": "transfer_item",
            "source_path": GODATA + "file1.txt",
            "destination_path": "/~/f1.txt",
        }
    ]
    assert (doc["body"]["source_endpoint"], doc["body"]["destination_endpoint"]) == (T1, T2)
    assert doc["body"]["notify_on_succeeded"] is True
    assert doc["body"]["encrypt_data"] is False


def test_get_job_reads_a_transfer_timer_with_v1_names(served):
    timers = served.timers()
    job_id = _create(timers, _recurring(served, 86400, 60))
    job = timers.get_job(job_id)
    assert job["job_id"] == job_id
    assert job["status"] == "loaded"
    assert (job["n_runs"], job["n_errors"], job["interval"]) == (0, 0, 86400.0)
    assert job["start"] == job["next_run"] == _iso(served, 60)
    assert job["stop_after"] == {"date": None, "n_runs": None}
    assert job["callback_url"] == "https://transfer.actions.globus.org/transfer/run"
    assert job["callback_body"]["body"]["source_endpoint_id"] == T1
    assert job["callback_body"]["body"]["transfer_items"] == [
        {"source_path": GODATA + "file1.txt", "destination_path": "/~/f1.txt"}
    ]
    assert job["activity"] == {"code": "awaiting_next_run", "next_run": _iso(served, 60)}
    assert job["results"] == {"data": [], "page_next": None}


# --------------------------------------------------------------------- runs on the clock
def test_runs_fire_in_order_on_advance_as_transfer_tasks_of_the_user(served):
    timers = served.timers()
    job_id = _create(timers, _recurring(served, 600, 300, condition="iterations", count=3))
    run_times = [_iso(served, 300 + 600 * k) for k in range(3)]
    served.double.advance(3600)  # all three runs fall within one advance
    job = timers.get_job(job_id)
    assert [r["ran_at"] for r in job["results"]["data"]] == run_times[::-1]  # newest first
    assert (job["n_runs"], job["n_errors"], job["status"]) == (3, 0, "ended")
    assert (job["last_ran_at"], job["next_run"], job["activity"]) == (run_times[-1], None, None)

    alice = served.double.auth.identity(ALICE).id
    tasks = list(served.transfer().task_list(orderby="request_time ASC"))
    assert [t["request_time"] for t in tasks] == run_times
    assert {(t["owner_id"], t["status"], t["type"]) for t in tasks} == {
        (alice, "SUCCEEDED", "TRANSFER")
    }
    result = job["results"]["data"][0]
    assert result["status"] == 202
    assert result["data"]["details"]["task_id"] == tasks[-1]["task_id"]
    assert result["data"]["creator_id"] == f"urn:globus:auth:identity:{alice}"
    listing = served.transfer().operation_ls(T2, path="/~/")
    assert [f["name"] for f in listing] == ["f1.txt"]


def test_number_of_runs_last_ran_at_and_next_run_follow_each_run(inprocess):
    timers = inprocess.timers()
    job_id = _create(timers, _recurring(inprocess, 3600, 0))
    start = inprocess.now().isoformat()
    inprocess.double.advance(0)
    first = timers.get_job(job_id)
    assert (first["n_runs"], first["last_ran_at"]) == (1, start)
    assert first["next_run"] == _iso(inprocess, 3600)
    inprocess.double.advance(3599)
    assert timers.get_job(job_id)["n_runs"] == 1
    inprocess.double.advance(1)
    second = timers.get_job(job_id)
    assert (second["n_runs"], second["last_ran_at"]) == (2, inprocess.now().isoformat())
    assert second["next_run"] == _iso(inprocess, 3600)
    assert second["status"] == "loaded"


def test_once_timer_without_a_datetime_runs_at_once_and_ends(served):
    timers = served.timers()
    timer = globus_sdk.TransferTimer(
        name="once", schedule=globus_sdk.OnceTimerSchedule(), body=transfer_data()
    )
    created = timers.create_timer(timer)["timer"]
    assert created["schedule"] == {"type": "once", "datetime": served.now().isoformat()}
    job = timers.get_job(created["job_id"])  # the run was due: it ran before the answer
    assert (job["n_runs"], job["status"], job["next_run"]) == (1, "ended", None)
    assert job["stop_after"] == {"date": None, "n_runs": 1}
    assert job["interval"] is None


def test_once_timer_runs_at_its_datetime(inprocess):
    timers = inprocess.timers()
    schedule = globus_sdk.OnceTimerSchedule(datetime=inprocess.later(7200))
    job_id = _create(timers, globus_sdk.TransferTimer(schedule=schedule, body=transfer_data()))
    inprocess.double.advance(7199)
    assert timers.get_job(job_id)["n_runs"] == 0
    inprocess.double.advance(1)
    job = timers.get_job(job_id)
    assert (job["n_runs"], job["last_ran_at"], job["status"]) == (
        1,
        inprocess.now().isoformat(),
        "ended",
    )


def test_end_datetime_allows_no_run_after_it(inprocess):
    timers = inprocess.timers()
    end = inprocess.later(3 * 3600 + 1800)
    job_id = _create(
        timers, _recurring(inprocess, 3600, 0, condition="time", datetime=end.isoformat())
    )
    inprocess.double.advance(10 * 3600)
    job = timers.get_job(job_id)
    assert job["n_runs"] == 4  # at 0 h, 1 h, 2 h, 3 h; 4 h is after the end
    assert job["status"] == "ended"
    assert job["schedule"]["end"] == {"datetime": end.isoformat()}
    assert job["stop_after"] == {"date": end.isoformat(), "n_runs": None}


def test_results_are_paged_newest_first(inprocess):
    timers = inprocess.timers()
    job_id = _create(timers, _recurring(inprocess, 60, 0, condition="iterations", count=5))
    inprocess.double.advance(600)
    first = timers.get_job(job_id, query_params={"page_size": 2})
    assert len(first["results"]["data"]) == 2
    pages = [first["results"]["data"]]
    token = first["results"]["page_next"]
    while token:
        page = timers.get_job(job_id, query_params={"page_size": 2, "results_pt": token})
        pages.append(page["results"]["data"])
        token = page["results"]["page_next"]
    ran = [r["ran_at"] for page in pages for r in page]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert ran == sorted(ran, reverse=True) and len(set(ran)) == 5


# --------------------------------------------------------------------- pause, resume, update, delete
def test_pause_and_resume_answer_the_recorded_messages(served):
    timers = served.timers()
    job_id = _create(timers, _recurring(served, 3600, 60))
    assert timers.pause_job(job_id)["message"] == f"Successfully paused job {job_id}."
    job = timers.get_job(job_id)
    assert job["status"] == "inactive"
    assert job["inactive_reason"] == {"cause": "user", "detail": None}
    assert job["activity"] == {"code": "paused", "reason": "user"}
    assert timers.resume_job(job_id)["message"] == f"Successfully resumed job {job_id}."
    job = timers.get_job(job_id)
    assert (job["status"], job["inactive_reason"]) == ("loaded", None)


def test_paused_timer_skips_runs_and_resume_runs_a_missed_run_once(inprocess):
    timers = inprocess.timers()
    job_id = _create(timers, _recurring(inprocess, 3600, 3600))
    timers.pause_job(job_id)
    inprocess.double.advance(5 * 3600 + 600)  # slots at 1 h .. 5 h pass while paused
    assert timers.get_job(job_id)["n_runs"] == 0
    timers.resume_job(job_id)
    resumed_at = inprocess.now().isoformat()
    inprocess.double.advance(0)
    job = timers.get_job(job_id)
    assert (job["n_runs"], job["last_ran_at"]) == (1, resumed_at)
    assert job["next_run"] == _iso(inprocess, 3000)  # back on the schedule's slots: 6 h
    inprocess.double.advance(3000)
    assert timers.get_job(job_id)["n_runs"] == 2


def test_update_job_changes_the_name(served):
    timers = served.timers()
    job_id = _create(timers, _recurring(served, 3600, 60))
    updated = timers.update_job(job_id, {"name": "renamed"})
    assert (updated["job_id"], updated["name"]) == (job_id, "renamed")
    assert timers.get_job(job_id)["name"] == "renamed"


def test_delete_job_answers_the_document_and_forgets_the_timer(served):
    timers = served.timers()
    job_id = _create(timers, _recurring(served, 600, 60))
    deleted = timers.delete_job(job_id)
    assert (deleted["job_id"], deleted["status"]) == (job_id, "delete_in_progress")
    with pytest.raises(globus_sdk.TimersAPIError) as err:
        timers.get_job(job_id)
    assert (err.value.http_status, err.value.code) == (404, "NOT_FOUND")
    served.double.advance(3600)
    assert list(served.transfer().task_list()) == []  # no run after the delete


def test_list_jobs_filters_by_status_and_name_and_shows_only_mine(served):
    timers = served.timers()
    a = _create(timers, _recurring(served, 3600, 60))
    b = _create(
        timers,
        globus_sdk.TransferTimer(
            name="Weekly BACKUP", schedule=globus_sdk.OnceTimerSchedule(), body=transfer_data()
        ),
    )
    _create(served.timers(BOB), _recurring(served, 3600, 60))
    timers.update_job(a, {"name": "nightly copy"})
    every = timers.list_jobs()["jobs"]
    assert [j["job_id"] for j in every] == [a, b]  # submitted_at asc
    assert [
        j["job_id"] for j in timers.list_jobs(query_params={"filter_status": "ended"})["jobs"]
    ] == [b]
    active = timers.list_jobs(query_params={"filter_status": "active,inactive"})["jobs"]
    assert [j["job_id"] for j in active] == [a]
    named = timers.list_jobs(query_params={"filter_name": "backup"})["jobs"]
    assert [j["job_id"] for j in named] == [b]


def test_another_users_timer_is_not_found(served):
    job_id = _create(served.timers(), _recurring(served, 3600, 60))
    with pytest.raises(globus_sdk.TimersAPIError) as err:
        served.timers(BOB).pause_job(job_id)
    assert (err.value.http_status, err.value.code) == (404, "NOT_FOUND")
    assert err.value.messages == [f"Job {job_id} not found"]


def test_pausing_an_ended_timer_is_a_conflict(inprocess):
    timers = inprocess.timers()
    job_id = _create(
        timers,
        globus_sdk.TransferTimer(schedule=globus_sdk.OnceTimerSchedule(), body=transfer_data()),
    )
    with pytest.raises(globus_sdk.TimersAPIError) as err:
        timers.pause_job(job_id)
    assert (err.value.http_status, err.value.code) == (409, "CONFLICT")


# --------------------------------------------------------------------- consents and failures
def _mapped_timer(served: Served) -> globus_sdk.TransferTimer:
    body = transfer_data(RESEARCH_COLLECTION_ID, T2, CLIMATE_README, "/~/readme.txt")
    return globus_sdk.TransferTimer(
        name="climate", schedule=globus_sdk.RecurringTimerSchedule(3600), body=body
    )


def test_missing_data_access_consent_fails_the_run_and_makes_the_timer_inactive(served):
    timers = served.timers()
    job_id = _create(timers, _mapped_timer(served))  # creating it succeeds
    job = timers.get_job(job_id)
    wanted = f"{TIMERS_SCOPE}[{TRANSFER_SCOPE}[*{DATA_ACCESS}]]"
    gare = {
        "code": "ConsentRequired",
        "authorization_parameters": {
            "session_message": "Missing required data_access consent",
            "required_scopes": [wanted],
        },
    }
    assert job["status"] == "inactive"
    assert job["inactive_reason"] == {"cause": "globus_auth_requirements", "detail": gare}
    assert job["activity"] == {"code": "paused", "reason": "globus_auth_requirements"}
    assert (job["n_runs"], job["n_errors"]) == (1, 1)
    [result] = job["results"]["data"]
    assert (result["status"], result["errors"], result["data"]) == (403, gare, None)
    assert list(served.transfer().task_list()) == []  # Transfer refused the submission
    served.double.advance(5 * 3600)
    assert timers.get_job(job_id)["n_runs"] == 1  # an inactive timer does not run


def test_consenting_and_resuming_lets_the_next_run_through(inprocess):
    timers = inprocess.timers()
    job_id = _create(timers, _mapped_timer(inprocess))
    assert timers.get_job(job_id)["status"] == "inactive"
    [needed] = timers.get_job(job_id)["inactive_reason"]["detail"]["authorization_parameters"][
        "required_scopes"
    ]
    # the user consents (as `globus session consent` would), then resumes with a new token
    token = inprocess.double.token_for(ALICE, resource_server=TIMERS_RS, scopes=needed)
    again = globus_sdk.TimersClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))
    again.resume_job(job_id, update_credentials=True)
    inprocess.double.advance(3600)
    job = timers.get_job(job_id)
    assert (job["status"], job["n_runs"], job["n_errors"]) == ("loaded", 2, 1)
    assert job["results"]["data"][0]["status"] == 202
    [task] = inprocess.transfer().task_list()
    assert task["source_endpoint_id"] == RESEARCH_COLLECTION_ID


def test_timer_created_with_the_data_access_consent_runs_on_a_mapped_collection(inprocess):
    token = inprocess.double.token_for(
        ALICE,
        resource_server=TIMERS_RS,
        scopes=f"{TIMERS_SCOPE}[{TRANSFER_SCOPE}[*{DATA_ACCESS}]]",
    )
    timers = globus_sdk.TimersClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))
    job_id = _create(timers, _mapped_timer(inprocess))
    job = timers.get_job(job_id)
    assert (job["status"], job["n_runs"], job["n_errors"]) == ("loaded", 1, 0)
    task_id = job["results"]["data"][0]["data"]["details"]["task_id"]
    task = inprocess.transfer().get_task(task_id)
    assert task["source_endpoint_id"] == RESEARCH_COLLECTION_ID


def test_withdrawn_timers_consent_makes_the_next_run_fail(inprocess):
    timers = inprocess.timers()
    job_id = _create(timers, _recurring(inprocess, 3600, 3600))
    inprocess.double.auth.revoke_consent(ALICE, TIMERS_SCOPE)
    inprocess.double.advance(3600)
    job = timers.get_job(job_id)
    assert (job["status"], job["n_runs"], job["n_errors"]) == ("inactive", 1, 1)
    detail = job["inactive_reason"]["detail"]
    assert detail["authorization_parameters"]["required_scopes"] == [
        f"{TIMERS_SCOPE}[{TRANSFER_SCOPE}]"
    ]
    assert list(inprocess.transfer().task_list()) == []


def test_run_refused_by_transfer_counts_as_an_error_and_the_timer_goes_on(inprocess):
    timers = inprocess.timers()
    unknown = "00000000-0000-4000-8000-000000000000"
    body = transfer_data(unknown, T2)
    schedule = globus_sdk.RecurringTimerSchedule(3600, end={"condition": "iterations", "count": 2})
    job_id = _create(timers, globus_sdk.TransferTimer(schedule=schedule, body=body))
    inprocess.double.advance(0)
    job = timers.get_job(job_id)
    assert (job["status"], job["n_runs"], job["n_errors"]) == ("loaded", 1, 1)
    [result] = job["results"]["data"]
    assert result["status"] == 404
    assert result["errors"]["code"] == "EndpointNotFound"
    inprocess.double.advance(3600)
    job = timers.get_job(job_id)
    assert (job["status"], job["n_runs"], job["n_errors"]) == ("ended", 2, 2)


# --------------------------------------------------------------------- tokens and errors
def test_a_transfer_token_is_refused_by_timers(served):
    transfer_token = served.double.token_for(ALICE)
    timers = globus_sdk.TimersClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(transfer_token), base_url=served.base_url
    )
    with pytest.raises(globus_sdk.TimersAPIError) as err:
        timers.list_jobs()
    assert (err.value.http_status, err.value.code) == (401, "AUTHENTICATION_ERROR")
    assert err.value.messages == [f"Token is not valid for resource server {TIMERS_RS}"]


def test_a_timers_token_is_refused_by_transfer(served):
    token = served.double.token_for(ALICE, resource_server=TIMERS_RS)
    tc = globus_sdk.TransferClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(token), base_url=served.base_url
    )
    with pytest.raises(globus_sdk.TransferAPIError) as err:
        tc.task_list()
    assert (err.value.http_status, err.value.code) == (401, "AuthenticationFailed")


def test_token_for_timers_carries_the_timers_scope(globus_mock):
    token = globus_mock.token_for(ALICE, resource_server=TIMERS_RS)
    info = globus_mock.auth.check_access_token(token, TIMERS_RS)
    assert info.scopes == frozenset({TIMERS_SCOPE})
    root = globus_mock.auth.tables.tokens[token].consent_ids[TIMERS_SCOPE]
    beneath = [c.scope_string for c in globus_mock.auth.consents.children(root)]
    assert beneath == [TRANSFER_SCOPE]  # the Timers scope declares Transfer's beneath it


@pytest.mark.parametrize(
    ("schedule", "messages"),
    [
        (
            {"type": "recurring", "interval_seconds": 30},
            [
                "interval_seconds must be between 60 and 31536000: body.timer.schedule.interval_seconds"
            ],
        ),
        (
            {
                "type": "recurring",
                "interval_seconds": 600,
                "end": {"condition": "iterations", "count": 0},
            },
            ["ensure this value is greater than or equal to 1: body.timer.schedule.end.count"],
        ),
        (
            {"type": "recurring"},
            ["field required: body.timer.schedule.interval_seconds"],
        ),
        (
            {"type": "weekly"},
            ["unexpected value; permitted: 'once', 'recurring': body.timer.schedule.type"],
        ),
        (
            {"type": "once", "datetime": "tomorrow"},
            ["invalid datetime format: body.timer.schedule.datetime"],
        ),
    ],
)
def test_invalid_schedules_are_refused_with_422_in_fastapi_shape(inprocess, schedule, messages):
    timer = {"timer_type": "transfer", "schedule": schedule, "body": dict(transfer_data())}
    with pytest.raises(globus_sdk.TimersAPIError) as err:
        inprocess.timers().create_timer(timer)
    assert err.value.http_status == 422
    assert err.value.messages == messages


def test_legacy_create_job_refuses_missing_fields_as_recorded(served):
    with pytest.raises(globus_sdk.TimersAPIError) as err:
        served.timers().create_job({"callback_body": {}, "name": "x"})
    assert err.value.http_status == 422
    assert err.value.messages == ["field required: body.start", "field required: body.callback_url"]


def test_a_job_id_that_is_no_uuid_is_refused(served):
    with pytest.raises(globus_sdk.TimersAPIError) as err:
        served.timers().get_job("not-a-uuid")
    assert err.value.http_status == 422
    assert err.value.messages == ["value is not a valid uuid: path.job_id"]


def test_unknown_timers_routes_answer_in_the_timers_shape(served):
    timers = served.timers()
    with pytest.raises(globus_sdk.TimersAPIError) as err:
        timers.get("/jobs/00000000-0000-4000-8000-000000000000/history")
    assert (err.value.http_status, err.value.code) == (404, "NOT_FOUND")
    with pytest.raises(globus_sdk.TimersAPIError) as err:
        timers.put("/v2/timer", data={})
    assert (err.value.http_status, err.value.code) == (405, "METHOD_NOT_ALLOWED")


def test_flow_timers_are_refused_as_not_implemented(inprocess):
    flow = globus_sdk.FlowTimer(
        flow_id="00000000-0000-4000-8000-000000000001",
        schedule=globus_sdk.OnceTimerSchedule(),
        body={"body": {}},
    )
    with pytest.raises(globus_sdk.TimersAPIError) as err:
        inprocess.timers().create_timer(flow)
    assert (err.value.http_status, err.value.code) == (501, "NOT_IMPLEMENTED")


def test_a_snapshot_keeps_pending_runs(inprocess):
    timers = inprocess.timers()
    job_id = _create(timers, _recurring(inprocess, 600, 600))
    blob = inprocess.double.snapshot()
    timers.delete_job(job_id)
    inprocess.double.restore(blob)
    inprocess.double.advance(1200)
    assert timers.get_job(job_id)["n_runs"] == 2


def test_the_live_server_serves_timers_on_the_env_var_url(globus_server, monkeypatch):
    for name, value in globus_server.env().items():
        monkeypatch.setenv(name, value)
    token = globus_server.token_for(ALICE, resource_server=TIMERS_RS)
    timers = globus_sdk.TimersClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))
    assert timers.base_url.startswith(globus_server.server.url)
    timer = globus_sdk.TransferTimer(schedule=globus_sdk.OnceTimerSchedule(), body=transfer_data())
    job_id = timers.create_timer(timer)["timer"]["job_id"]
    assert [j["job_id"] for j in timers.list_jobs()["jobs"]] == [job_id]


def test_results_kept_bounds_each_timers_history(inprocess):
    inprocess.double.state.timers.results_kept = 3
    timers = inprocess.timers()
    job_id = _create(timers, _recurring(inprocess, 60, 0, condition="iterations", count=5))
    inprocess.double.advance(600)
    job = timers.get_job(job_id, query_params={"page_size": 10})
    assert job["n_runs"] == 5
    assert [r["ran_at"] for r in job["results"]["data"]] == [
        _iso(inprocess, -600 + 60 * k) for k in (4, 3, 2)
    ]


def test_a_start_in_the_past_runs_from_the_next_slot_not_yet_past(inprocess):
    timers = inprocess.timers()
    job_id = _create(timers, _recurring(inprocess, 3600, -2 * 3600 - 600))  # slots: -2h10m, ...
    job = timers.get_job(job_id)
    assert (job["n_runs"], job["next_run"]) == (0, _iso(inprocess, 3000))
    once = globus_sdk.TransferTimer(
        schedule=globus_sdk.OnceTimerSchedule(datetime=inprocess.later(-60)), body=transfer_data()
    )
    late = timers.get_job(_create(timers, once))
    assert (late["n_runs"], late["last_ran_at"]) == (1, inprocess.now().isoformat())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"source_endpoint": "tutorial"},
            "value is not a valid uuid: body.timer.body.source_endpoint",
        ),
        ({"DATA": []}, "ensure this value has at least 1 items: body.timer.body.DATA"),
        (
            {"DATA_TYPE": "delete"},
            "unexpected value; permitted: 'transfer': body.timer.body.DATA_TYPE",
        ),
    ],
)
def test_invalid_transfer_bodies_are_refused_with_422(inprocess, change, message):
    body = {**dict(transfer_data()), **change}
    timer = {"timer_type": "transfer", "schedule": {"type": "once"}, "body": body}
    with pytest.raises(globus_sdk.TimersAPIError) as err:
        inprocess.timers().create_timer(timer)
    assert (err.value.http_status, err.value.messages) == (422, [message])
