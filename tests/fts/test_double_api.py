"""Using the double from tests: the context manager and decorator, coexistence with a
test's own ``responses`` stubs, fault injection seen through the official client,
the journal, and version profiles."""

from __future__ import annotations

import json

import fts3.rest.client.easy as easy
import pytest
import requests
import responses
from fts3.rest.client.exceptions import BadEndpoint, TryAgain

from mockfts import FtsDouble, mock_fts
from tests.fts.conftest import transfer


def test_context_manager_intercepts_the_default_endpoint():
    with mock_fts() as fts:
        ctx = easy.Context("https://fts3.mock:8446", fts_access_token=fts.token_for("a", "dteam"))
        assert easy.whoami(ctx)["vos"] == ["dteam"]
    with pytest.raises(BadEndpoint):
        easy.Context("https://fts3.mock:8446", fts_access_token="x")


@mock_fts(endpoint="https://fts.cern.example:8446")
def test_decorator_passes_the_double(fts):
    ctx = easy.Context("https://fts.cern.example:8446", fts_access_token=fts.token_for("a", "x"))
    job_id = easy.submit(ctx, easy.new_job([easy.new_transfer(*transfer())]))
    assert fts.run_job(job_id).job_state == "FINISHED"


def test_shares_a_responses_mock_with_the_test():
    with responses.RequestsMock() as rsps:
        rsps.get("https://rucio.example/ping", json={"version": "35"})
        with mock_fts(rsps=rsps) as fts:
            token = fts.token_for("a", "dteam")
            assert requests.get("https://rucio.example/ping", timeout=5).json() == {"version": "35"}
            ctx = easy.Context("https://fts3.mock:8446", fts_access_token=token)
            assert easy.whoami(ctx)["user_dn"] == "a"


def test_503_with_retry_after_reaches_the_client_as_try_again(fts, ctx):
    fts.faults.fail(r"/jobs/.*", 503, retry_after=30, body="busy", times=1)
    job_id = easy.submit(ctx, easy.new_job([easy.new_transfer(*transfer())]))
    with pytest.raises(TryAgain):
        easy.get_job_status(ctx, job_id)
    assert easy.get_job_status(ctx, job_id)["job_state"] == "SUBMITTED"
    faulted = [e for e in fts.journal.entries if e.fault]
    assert [(e.status, e.response_headers["Retry-After"]) for e in faulted] == [(503, "30")]


def test_fault_after_n_calls_then_a_dropped_connection(fts, ctx):
    fts.faults.fail("/whoami", 429, method="GET", after=1, times=1, retry_after=1)
    fts.faults.drop("/whoami", after=2, times=1)
    assert easy.whoami(ctx)["user_dn"] == "alice"
    from fts3.rest.client.exceptions import ClientError

    with pytest.raises(ClientError, match="429"):
        easy.whoami(ctx)
    with pytest.raises(requests.exceptions.ConnectionError):
        easy.whoami(ctx)
    assert easy.whoami(ctx)["user_dn"] == "alice"


def test_journal_records_what_the_client_sent(fts, ctx):
    easy.submit(ctx, easy.new_job([easy.new_transfer(*transfer())], priority=4))
    submit = fts.journal.find("POST", "/jobs")[-1]
    assert submit.request_headers["Authorization"].startswith("Bearer ")
    assert submit.request_json()["params"]["priority"] == 4
    assert submit.json()["job_id"] in fts.state.jobs


def test_reset_forgets_jobs_and_repeats_ids():
    fts = FtsDouble()
    with fts.intercept():
        ctx = easy.Context("https://fts3.mock:8446", fts_access_token=fts.token_for("a", "dteam"))
        first = easy.submit(ctx, easy.new_job([easy.new_transfer(*transfer())]))
        fts.reset()
        assert fts.state.jobs == {} and len(fts.journal) == 0
        ctx = easy.Context("https://fts3.mock:8446", fts_access_token=fts.token_for("a", "dteam"))
        again = easy.submit(ctx, easy.new_job([easy.new_transfer(*transfer())]))
    assert first.split("-")[3:] == again.split("-")[3:]  # same seeded node and clock sequence


def test_legacy_profile_renders_the_seeds_job_document():
    legacy = FtsDouble(profile="legacy")
    with legacy.intercept(["https://old.example:8446"]):
        ctx = easy.Context(
            "https://old.example:8446", fts_access_token=legacy.token_for("a", "dteam")
        )
        body = {
            "files": [{"sources": [transfer()[0]], "destinations": [transfer()[1]]}],
            "params": {"overwrite": True, "spacetoken": "ATLASDATADISK"},
        }
        job_id = json.loads(ctx.post_json("/jobs", body))["job_id"]
        job = easy.get_job_status(ctx, job_id)
    assert ctx.get_endpoint_info()["api"] == {"major": 3, "minor": 10, "patch": 0}
    assert job["space_token"] == "ATLASDATADISK" and job["source_space_token"] == ""
    assert job["overwrite_flag"] is True and job["job_metadata"] is None
    assert "destination_spacetoken" not in job and "archive_timeout" not in job
    assert set(job) - {"http_status"} == set(legacy.state.profile.job_fields)


def test_legacy_profile_runs_deletion_jobs():
    legacy = FtsDouble(profile="legacy")
    with legacy.intercept(["https://old.example:8446"]):
        ctx = easy.Context(
            "https://old.example:8446", fts_access_token=legacy.token_for("a", "dteam")
        )
        job_id = easy.submit(
            ctx,
            easy.new_delete_job(
                ["mock://se.example/a", "mock://se.example/b?errno=2", "mock://se.example/a"]
            ),
        )
        assert easy.get_job_status(ctx, job_id)["job_state"] == "DELETE"
        legacy.run_job(job_id)
        status = easy.get_job_status(ctx, job_id, list_files=True)
    assert status["job_state"] == "FINISHEDDIRTY" and status["files"] == []
    assert [(d["source_surl"], d["file_state"], d["reason"]) for d in status["dm"]] == [
        ("mock://se.example/a", "FINISHED", None),
        ("mock://se.example/b?errno=2", "FAILED", "SOURCE [2] No such file or directory"),
    ]
    assert set(status["dm"][0]) >= {"file_id", "dmhost", "dm_token", "hashed_id", "vo_name"}


def test_legacy_profile_refuses_transfers_and_deletions_together():
    legacy = FtsDouble(profile="legacy")
    with legacy.intercept(["https://old.example:8446"]):
        token = legacy.token_for("a", "dteam")
        both = {
            "files": [{"sources": [transfer()[0]], "destinations": [transfer()[1]]}],
            "delete": ["mock://se.example/a"],
        }
        reply = requests.post(
            "https://old.example:8446/jobs",
            json=both,
            timeout=5,
            headers={"Authorization": f"Bearer {token}"},
        )
        neither = requests.post(
            "https://old.example:8446/jobs",
            json={},
            timeout=5,
            headers={"Authorization": f"Bearer {token}"},
        )
    assert reply.json()["message"] == "Simultaneous transfer and namespace operations not supported"
    assert neither.json()["message"] == "No transfers or namespace operations specified"
