"""The README's examples, run as written (keep the two in step)."""

from __future__ import annotations

import fts3.rest.client.easy as fts3
import globus_sdk


def test_transfer_finishes(fts_mock):  # pytest fixture from this package
    token = fts_mock.token_for("alice", vo="dteam")
    ctx = fts3.Context(fts_mock.endpoint, fts_access_token=token)
    job_id = fts3.submit(
        ctx,
        fts3.new_job(
            [
                fts3.new_transfer(
                    "mock://src.example/f?size=10", "mock://dst.example/f?size_post=10&time=30"
                )
            ]
        ),
    )
    fts_mock.run_job(job_id)  # virtual time: no sleeping
    assert fts3.get_job_status(ctx, job_id)["job_state"] == "FINISHED"


def test_listing(globus_mock):  # pytest fixture from this package
    token = globus_mock.token_for("alice@globusid.org")  # a Transfer access token
    tc = globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))
    collection = tc.endpoint_search("Tutorial Collection 1")["DATA"][0]["id"]
    names = [entry["name"] for entry in tc.operation_ls(collection, path="/home/share/godata/")]
    assert names == ["file1.txt", "file2.txt", "file3.txt"]


def test_snapshot_and_restore(fts_mock):
    fts = fts_mock
    token = fts.token_for("alice", vo="dteam")
    ctx = fts3.Context(fts.endpoint, fts_access_token=token)
    blob = fts.snapshot()  # bytes, signed with a key of this double
    job_id = fts3.submit(
        ctx,
        fts3.new_job(
            [
                fts3.new_transfer(
                    "mock://src.example/f?size=10", "mock://dst.example/f?size_post=10&time=30"
                )
            ]
        ),
    )
    fts.run_job(job_id)
    fts.restore(blob)  # in place: same state object; the clock goes back too
    assert fts3.list_jobs(ctx) == []
