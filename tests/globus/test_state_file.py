"""The Globus double's state kept and put back: ``snapshot``/``restore`` (Python and
``/_mock``) and the durable store behind ``--state`` (``mockcore.persist``), down to a
server killed with SIGKILL right after it acknowledged a transfer submission."""

from __future__ import annotations

import tempfile
from pathlib import Path

import globus_sdk
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockcore.persist import DurableState
from mockglobus import GlobusDouble
from mockglobus.transfer.seed import TUTORIAL_COLLECTION_1 as T1
from mockglobus.transfer.seed import TUTORIAL_COLLECTION_2 as T2
from tests import state_server

PORTAL = "7a0e1d2c-0000-4000-8000-00000000c001"
PORTAL_SECRET = "mock-portal-secret-0123456789abcdefABCDEF=="
TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"


@pytest.fixture(params=["inprocess", "live"])
def globus(request, monkeypatch):
    """The double and the base URL its clients use (None: the production URLs)."""
    for name in (
        "GLOBUS_SDK_SERVICE_URL_AUTH",
        "GLOBUS_SDK_SERVICE_URL_TRANSFER",
        "GLOBUS_SDK_ENVIRONMENT",
    ):
        monkeypatch.delenv(name, raising=False)
    if request.param == "inprocess":
        return request.getfixturevalue("globus_mock"), None
    double = request.getfixturevalue("globus_server")
    base = double.server.url + "/"
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_AUTH", base)
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_TRANSFER", base)
    return double, base


def clients(token: str, base: str | None) -> tuple:
    transfer = globus_sdk.TransferClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(token), base_url=base
    )
    transfer.retry_config.max_retries = 0
    portal = globus_sdk.ConfidentialAppAuthClient(PORTAL, PORTAL_SECRET)
    return transfer, portal


def session(tc: globus_sdk.TransferClient, portal, name: str = "run") -> dict:
    """What a client does and is told: a submission, a directory, a bookmark, a token."""
    tdata = globus_sdk.TransferData(T1, T2, label=name)
    tdata.add_item("/home/share/godata/file1.txt", f"/~/{name}.txt")
    task = tc.submit_transfer(tdata)["task_id"]
    tc.operation_mkdir(T2, f"/~/{name}-dir")
    mark = tc.create_bookmark({"endpoint_id": T1, "path": "/home/share/godata/", "name": name})[
        "id"
    ]
    token = portal.oauth2_client_credentials_tokens(TRANSFER_SCOPE).by_resource_server[
        "transfer.api.globus.org"
    ]["access_token"]
    return {"task": task, "bookmark": mark, "token": token}


def documents(tc: globus_sdk.TransferClient, portal, made: dict) -> dict:
    return {
        "task": tc.get_task(made["task"]).data,
        "tasks": [t["task_id"] for t in tc.task_list()],
        "ls": sorted(f["name"] for f in tc.operation_ls(T2, path="/~/")),
        "bookmarks": tc.bookmark_list().data,
        "introspect": portal.oauth2_token_introspect(made["token"]).data,
    }


def _base(base: str | None) -> str:
    return (base or "https://auth.globus.org/").rstrip("/")


# ------------------------------------------------------------------------ snapshots


def test_restore_answers_the_documents_of_the_snapshot(globus):
    double, base = globus
    tc, portal = clients(double.token_for(), base)
    made = session(tc, portal, "first")
    before = documents(tc, portal, made)
    blob = requests.post(_base(base) + "/_mock/snapshot", timeout=10)
    assert blob.headers["Content-Type"] == "application/octet-stream"
    session(tc, portal, "second")
    tc.cancel_task(made["task"])
    double.advance(3600)
    reply = requests.post(_base(base) + "/_mock/restore", data=blob.content, timeout=10)
    assert reply.status_code == 200 and reply.json()["restored"] is True
    assert documents(tc, portal, made) == before
    assert before["introspect"]["active"] is True


def test_restoring_what_this_server_did_not_sign_is_a_400_and_changes_nothing(globus):
    double, base = globus
    tc, portal = clients(double.token_for(), base)
    made = session(tc, portal)
    before = documents(tc, portal, made)
    for body in (GlobusDouble(scenario=None, faker_users=0).snapshot(), b"junk"):
        reply = requests.post(_base(base) + "/_mock/restore", data=body, timeout=10)
        assert reply.status_code == 400
        [error] = reply.json()["errors"]
        assert (error["status"], error["code"]) == ("400", "BAD_REQUEST")
        assert error["detail"].startswith("Not a snapshot of this server: ")
    assert documents(tc, portal, made) == before


def test_tasks_run_on_after_a_restore_as_they_would_have(globus_mock):
    tc, portal = clients(globus_mock.token_for(), None)
    made = session(tc, portal)
    globus_mock.restore(globus_mock.snapshot())
    assert globus_mock.transfer.wait_for_task(made["task"])["status"] == "SUCCEEDED"


# ------------------------------------------------------------------------ state file


def test_a_reopened_state_file_answers_the_same_documents(tmp_path):
    path = tmp_path / "globus.db"
    first = GlobusDouble()
    durable = DurableState.open(first, path)
    token = first.token_for()
    durable.checkpoint()  # the startup token
    with first.intercept():
        tc, portal = clients(token, None)
        made = session(tc, portal)
        first.advance(2)  # through Python: only time
        before = documents(tc, portal, made)
    durable.close(checkpoint=False)  # as if killed

    second = GlobusDouble()
    reopened = DurableState.open(second, path)
    assert reopened.replayed > 5
    with second.intercept():
        assert documents(tc, portal, made) == before
    reopened.close()


@pytest.mark.slow
def test_a_killed_server_loses_nothing_it_acknowledged(tmp_path, monkeypatch):
    path = tmp_path / "globus.db"
    server = state_server.start("globus", path)
    try:
        monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_AUTH", server.url + "/")
        tc, portal = clients(server.token, server.url + "/")
        made = session(tc, portal)
        before = documents(tc, portal, made)
        tdata = globus_sdk.TransferData(T1, T2, label="last")
        tdata.add_item("/home/share/godata/file2.txt", "/~/last.txt")
        last = tc.submit_transfer(tdata)["task_id"]
    finally:
        server.kill()  # right after the submission was acknowledged
    assert state_server.logged_requests(path) > 0  # not all in the snapshot: replayed
    restarted = state_server.start("globus", path)
    try:
        monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_AUTH", restarted.url + "/")
        tc, portal = clients(server.token, restarted.url + "/")  # the old startup token
        after = documents(tc, portal, made)
        assert after["tasks"] == [last, *before["tasks"]]
        assert tc.get_task(last)["label"] == "last"
        before["tasks"] = after["tasks"]
        assert after == before
    finally:
        restarted.kill()


# ------------------------------------------------------------------------ property

_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("transfer"), st.sampled_from(["file1.txt", "file2.txt", "nope.txt"])),
        st.tuples(st.just("mkdir"), st.integers(0, 3)),
        st.tuples(st.just("bookmark"), st.integers(0, 3)),
        st.tuples(st.just("cancel"), st.integers(0, 3)),
        st.tuples(st.just("advance"), st.sampled_from([1, 30, 600])),
    ),
    max_size=8,
)


def _play(double: GlobusDouble, tc: globus_sdk.TransferClient, ops: list, tasks: list[str]) -> None:
    for op in ops:
        try:
            if op[0] == "transfer":
                tdata = globus_sdk.TransferData(T1, T2)
                tdata.add_item(f"/home/share/godata/{op[1]}", f"/~/{op[1]}-{len(tasks)}")
                tasks.append(tc.submit_transfer(tdata)["task_id"])
            elif op[0] == "mkdir":
                tc.operation_mkdir(T2, f"/~/d{op[1]}")
            elif op[0] == "bookmark":
                tc.create_bookmark({"endpoint_id": T1, "path": "/home/", "name": f"b{op[1]}"})
            elif op[0] == "cancel" and tasks:
                tc.cancel_task(tasks[op[1] % len(tasks)])
            elif op[0] == "advance":
                double.advance(op[1])
        except globus_sdk.TransferAPIError:
            pass  # an error answer is part of the session too


def _documents(tc: globus_sdk.TransferClient, tasks: list[str]) -> dict:
    return {
        "tasks": [tc.get_task(t).data for t in tasks],
        "list": tc.task_list().data,
        "ls": tc.operation_ls(T2, path="/~/").data,
        "bookmarks": tc.bookmark_list().data,
    }


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=_OPS, more=_OPS)
def test_any_session_comes_back_the_same_by_restore_and_by_replay(ops, more):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "globus.db"
        first = GlobusDouble(seed=3)
        durable = DurableState.open(first, path)
        token = first.token_for()
        tasks: list[str] = []
        with first.intercept():
            tc, _ = clients(token, None)
            _play(first, tc, ops, tasks)
            tc.task_list()  # the time is seen
            blob = first.snapshot()
            durable.close(checkpoint=False)  # the log holds exactly ``ops``
            before = _documents(tc, tasks)
            first.restore(blob)
            _play(first, tc, more, list(tasks))
            first.restore(blob)
            assert _documents(tc, tasks) == before  # by restore
        replayed = GlobusDouble(seed=3)
        DurableState.open(replayed, path).close(checkpoint=False)
        with replayed.intercept():
            assert _documents(tc, tasks) == before  # by replay
