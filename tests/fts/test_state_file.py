"""The FTS3 double's state kept and put back: ``snapshot``/``restore`` (Python and
``/_mock``) and the durable store behind ``--state`` (``mockcore.persist``), down to a
server killed with SIGKILL right after it acknowledged a submission."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockcore.persist import DurableState
from mockfts import FtsDouble
from mockfts.double import DEFAULT_ENDPOINT
from tests import state_server
from tests.fts.conftest import transfer

SLOW = "size=10", "size_post=10&time=600"


def submit(url: str, headers: dict, *pairs: tuple[str, str]) -> str:
    files = [{"sources": [src], "destinations": [dst]} for src, dst in pairs]
    reply = requests.post(f"{url}/jobs", json={"files": files}, headers=headers, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()["job_id"]


def documents(url: str, headers: dict, job_ids: list[str]) -> dict:
    """What a client is told: each job and its files, the job list, who it is."""
    get = lambda path: requests.get(url + path, headers=headers, timeout=10)  # noqa: E731
    return {
        "jobs": [get(f"/jobs/{j}").json() for j in job_ids],
        "files": [get(f"/jobs/{j}/files").json() for j in job_ids],
        "list": get("/jobs?state_in=SUBMITTED,ACTIVE,FINISHED,FAILED,CANCELED&limit=100").json(),
        "whoami": get("/whoami").json(),
    }


@pytest.fixture
def headers(fts) -> dict:
    return {"Authorization": f"Bearer {fts.token_for('alice', vo='dteam')}"}


# ------------------------------------------------------------------------ snapshots


def test_restore_answers_the_documents_of_the_snapshot(fts, headers):
    jobs = [submit(fts.endpoint, headers, transfer(*SLOW, name=f"f{i}")) for i in range(3)]
    fts.advance(20)
    before = documents(fts.endpoint, headers, jobs)
    blob = requests.post(fts.endpoint + "/_mock/snapshot", timeout=10)
    assert blob.headers["Content-Type"] == "application/octet-stream"
    requests.delete(f"{fts.endpoint}/jobs/{jobs[0]}", headers=headers, timeout=10)
    submit(fts.endpoint, headers, transfer(name="later"))
    fts.advance(3600)
    reply = requests.post(fts.endpoint + "/_mock/restore", data=blob.content, timeout=10)
    assert reply.status_code == 200 and reply.json()["restored"] is True
    assert documents(fts.endpoint, headers, jobs) == before
    assert before["whoami"]["method"] == "oauth2"


def test_jobs_run_on_after_a_restore_as_they_would_have(fts, headers):
    job = submit(fts.endpoint, headers, transfer())
    fts.restore(fts.snapshot())
    assert fts.run_job(job).job_state == "FINISHED"


def test_restoring_what_this_server_did_not_sign_is_a_400_and_changes_nothing(fts, headers):
    job = submit(fts.endpoint, headers, transfer(*SLOW))
    blob = bytearray(FtsDouble().snapshot())  # another double's key
    before = documents(fts.endpoint, headers, [job])
    for body in (bytes(blob), b"junk"):
        reply = requests.post(fts.endpoint + "/_mock/restore", data=body, timeout=10)
        assert reply.status_code == 400
        assert reply.json()["status"] == "400 Bad Request"
        assert reply.json()["message"].startswith("Not a snapshot of this server: ")
    assert documents(fts.endpoint, headers, [job]) == before


def test_tokens_minted_before_a_snapshot_stay_valid_after_its_restore(fts):
    token = fts.token_for("bob", vo="atlas")
    blob = fts.snapshot()
    fts.reset()
    fts.restore(blob)
    me = requests.get(
        fts.endpoint + "/whoami", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).json()
    assert (me["method"], me["user_dn"]) == ("oauth2", "bob")


# ------------------------------------------------------------------------ state file


def test_a_reopened_state_file_answers_the_same_documents(tmp_path):
    path = tmp_path / "fts.db"
    first = FtsDouble()
    durable = DurableState.open(first, path)
    headers = {"Authorization": f"Bearer {first.token_for('alice', 'dteam')}"}
    durable.checkpoint()  # the startup token
    with first.intercept():
        jobs = [submit(DEFAULT_ENDPOINT, headers, transfer(*SLOW, name=f"f{i}")) for i in range(3)]
        requests.delete(f"{DEFAULT_ENDPOINT}/jobs/{jobs[1]}", headers=headers, timeout=10)
        requests.post(DEFAULT_ENDPOINT + "/_mock/advance", json={"seconds": 30}, timeout=10)
        first.identity = first.root()  # an identity object in the environ: logged too
        ban = requests.post(
            DEFAULT_ENDPOINT + "/ban/se",
            timeout=10,
            json={"storage": "mock://dst.example", "status": "wait"},
        )
        assert ban.status_code == 200, ban.text
        first.identity = None
        before = documents(DEFAULT_ENDPOINT, headers, jobs)
    durable.close(checkpoint=False)  # as if killed

    second = FtsDouble()
    reopened = DurableState.open(second, path)
    assert reopened.replayed > 5
    with second.intercept():
        assert documents(DEFAULT_ENDPOINT, headers, jobs) == before
        second.identity = second.root()
        banned = requests.get(DEFAULT_ENDPOINT + "/ban/se", timeout=10).json()
    assert [b["se"] for b in banned] == ["mock://dst.example"]
    assert second.clock.time() == first.clock.time()
    reopened.close()


def test_grid_users_delegations_survive_a_restart(tmp_path):
    import fts3.rest.client.easy as easy

    path = tmp_path / "fts.db"
    first = FtsDouble()
    proxy = first.proxy(vo="dteam")
    durable = DurableState.open(first, path)
    with first.intercept():
        ctx = easy.Context(
            DEFAULT_ENDPOINT,
            ucert=str(proxy.path),
            ukey=str(proxy.path),
            capath=str(first.pki.capath),
        )
        dlg_id = easy.delegate(ctx)  # the request's fresh key: kept by a snapshot
        job = easy.submit(ctx, easy.new_job([easy.new_transfer(*transfer(*SLOW))]))
        before = (json.loads(ctx.get(f"/delegation/{dlg_id}")), easy.get_job_status(ctx, job))
    durable.close(checkpoint=False)

    second = FtsDouble()
    second._pki = first.pki  # the same grid: the client's proxy verifies
    reopened = DurableState.open(second, path)
    assert reopened.replayed >= 2  # requests with the verified chain in their environ
    with second.intercept():
        assert (
            json.loads(ctx.get(f"/delegation/{dlg_id}")),
            easy.get_job_status(ctx, job),
        ) == before
        again = easy.submit(ctx, easy.new_job([easy.new_transfer(*transfer(name="again"))]))
    assert again != job
    reopened.close()


@pytest.mark.slow
def test_a_killed_server_loses_nothing_it_acknowledged(tmp_path):
    path = tmp_path / "fts.db"
    server = state_server.start("fts", path)
    try:
        headers = {"Authorization": f"Bearer {server.token}"}
        minted = requests.post(server.url + "/_mock/token", json={"user": "bob"}, timeout=10)
        bob = {"Authorization": f"Bearer {minted.json()['access_token']}"}
        jobs = [submit(server.url, headers, transfer(*SLOW, name=f"f{i}")) for i in range(2)]
        jobs.append(submit(server.url, bob, transfer(*SLOW, name="bob")))
        before = documents(server.url, headers, jobs[:2]), documents(server.url, bob, jobs[2:])
    finally:
        server.kill()  # right after the last acknowledged request
    assert state_server.logged_requests(path) > 0  # not all in the snapshot: replayed
    restarted = state_server.start("fts", path)
    try:
        after = (
            documents(restarted.url, headers, jobs[:2]),
            documents(restarted.url, bob, jobs[2:]),
        )
        assert after == before
        assert after[0]["whoami"]["user_dn"] == "alice"  # the token minted at startup
        new = submit(restarted.url, headers, transfer(name="new"))
        assert new not in jobs
    finally:
        restarted.kill()


# ------------------------------------------------------------------------ property

_OPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("submit"),
            st.integers(1, 3),
            st.sampled_from(
                ["size_post=10&time=5", "size_post=10&time=100", "errno=2", "size_post=11"]
            ),
        ),
        st.tuples(st.just("cancel"), st.integers(0, 5)),
        st.tuples(st.just("advance"), st.sampled_from([1, 7, 60]), st.booleans()),
        st.tuples(st.just("read"), st.integers(0, 5)),
    ),
    max_size=12,
)


def _play(fts: FtsDouble, ops: list, headers: dict, jobs: list[str]) -> None:
    for op in ops:
        if op[0] == "submit":
            pairs = [transfer("size=10", op[2], name=f"f{len(jobs)}-{i}") for i in range(op[1])]
            jobs.append(submit(DEFAULT_ENDPOINT, headers, *pairs))
        elif op[0] == "advance" and op[2]:
            requests.post(DEFAULT_ENDPOINT + "/_mock/advance", json={"seconds": op[1]}, timeout=10)
        elif op[0] == "advance":
            fts.advance(op[1])  # through Python: not logged, each request carries its time
        elif jobs:
            job = jobs[op[1] % len(jobs)]
            if op[0] == "cancel":
                requests.delete(f"{DEFAULT_ENDPOINT}/jobs/{job}", headers=headers, timeout=10)
            else:
                requests.get(f"{DEFAULT_ENDPOINT}/jobs/{job}/files", headers=headers, timeout=10)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=_OPS, more=_OPS)
def test_any_session_comes_back_the_same_by_restore_and_by_replay(ops, more):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fts.db"
        first = FtsDouble(seed=7)
        durable = DurableState.open(first, path)
        headers = {"Authorization": f"Bearer {first.token_for('alice', 'dteam')}"}
        jobs: list[str] = []
        with first.intercept():
            _play(first, ops, headers, jobs)
            requests.get(DEFAULT_ENDPOINT + "/whoami", timeout=10)  # the time is seen
            blob = first.snapshot()
            durable.close(checkpoint=False)  # the log holds exactly ``ops``
            before = documents(DEFAULT_ENDPOINT, headers, jobs)
            first.restore(blob)
            _play(first, more, headers, list(jobs))
            first.restore(blob)
            assert documents(DEFAULT_ENDPOINT, headers, jobs) == before  # by restore
        replayed = FtsDouble(seed=7)
        DurableState.open(replayed, path).close(checkpoint=False)
        with replayed.intercept():
            assert documents(DEFAULT_ENDPOINT, headers, jobs) == before  # by replay
