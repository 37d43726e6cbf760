"""The seeds' examples, driven with the official fts3 client, in both transports:
whoami, submit, status, list by VO, cancel; and jobs that end as their mock:// URLs say."""

from __future__ import annotations

import re
import uuid

import fts3.rest.client.easy as easy
import pytest
from fts3.rest.client.exceptions import NotFound

from tests.fts.conftest import transfer

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


def submit(ctx, *transfers, **job_options) -> str:
    return easy.submit(
        ctx, easy.new_job([easy.new_transfer(s, d) for s, d in transfers], **job_options)
    )


def test_context_reads_the_endpoint_version(ctx):
    info = ctx.get_endpoint_info()
    assert info["api"] == {"major": 3, "minor": 14, "patch": 0}
    assert info["delegation"] == {"major": 1, "minor": 0, "patch": 0}


def test_whoami_shows_the_token_user_and_vo(ctx):
    me = easy.whoami(ctx)
    assert me["user_dn"] == "alice" and me["dn"] == ["alice"]
    assert me["vos"] == ["dteam"]
    assert me["vos_id"] == ["6b10f4e4-8fdc-5555-baa2-7d4850d4f406"]
    assert me["method"] == "oauth2" and me["is_root"] is False
    assert me["base_id"] == "01874efb-4735-4595-bc9c-591aef8240c9"
    assert me["level"] == {"transfer": "vo", "datamanagement": "all"}
    assert re.fullmatch(r"[0-9a-f]{16}", me["delegation_id"])


def test_submitted_job_has_every_field_of_the_real_document(fts, ctx):
    job_id = submit(ctx, transfer())
    assert uuid.UUID(job_id).version == 1
    job = easy.get_job_status(ctx, job_id)
    assert job["http_status"] == "200 Ok"
    assert job["job_state"] == "SUBMITTED" and job["job_type"] == "N"
    assert job["source_se"] == "mock://src.example" and job["dest_se"] == "mock://dst.example"
    assert job["vo_name"] == "dteam" and job["user_dn"] == "alice"
    assert job["verify_checksum"] == "t"  # easy bindings: verify False + checksum "ADLER32"
    assert job["job_metadata"] == {"auth_method": "oauth2"}
    assert job["internal_job_params"] == "nostreams:1"
    assert job["retry"] == -1 and job["retry_delay"] == 0 and job["priority"] == 3
    assert job["overwrite_flag"] is None and job["cancel_job"] is False
    assert job["bring_online"] == -1 and job["copy_pin_lifetime"] == -1
    assert job["archive_timeout"] == -1
    assert job["destination_spacetoken"] == "" and job["source_spacetoken"] == ""
    assert TIME.match(job["submit_time"]) and job["job_finished"] is None
    expected = set(fts.state.profile.job_fields) | {"http_status"}
    assert set(job) == expected


def test_job_runs_through_the_states_to_finished(fts, ctx):
    job_id = submit(ctx, transfer(dst_query="size_post=10&time=30"))
    seen = [easy.get_job_status(ctx, job_id)["job_state"]]
    for _ in range(6):
        fts.advance(2)
        state = easy.get_job_status(ctx, job_id)["job_state"]
        if state != seen[-1]:
            seen.append(state)
    fts.run_job(job_id)
    seen.append(easy.get_job_status(ctx, job_id)["job_state"])
    assert seen == ["SUBMITTED", "ACTIVE", "FINISHED"]
    files = easy.get_job_status(ctx, job_id, list_files=True)["files"]
    assert files[0]["file_state"] == "FINISHED"
    assert files[0]["filesize"] == 10 and files[0]["tx_duration"] == 30.0
    assert TIME.match(files[0]["start_time"]) and TIME.match(files[0]["finish_time"])


@pytest.mark.parametrize(
    ("src_query", "dst_query", "reason"),
    [
        ("errno=2", "size_post=10", "SOURCE [2] No such file or directory"),
        ("size=10", "size_post=10&time=2&transfer_errno=1", "TRANSFER [1] Operation not permitted"),
        (
            "size=10",
            "size_post=7&time=2",
            "DESTINATION [22] Source and destination file size mismatch",
        ),
        (
            "size=10",
            "exists=1",
            "DESTINATION [17] Destination file exists and overwrite is not enabled",
        ),
        (
            "size=10",
            "exists=0&rd_path=mock://dst.example/data/",
            "DESTINATION [1] Operation not permitted",
        ),
    ],
)
def test_mock_url_scripts_the_failure_reason(fts, ctx, src_query, dst_query, reason):
    job_id = submit(ctx, transfer(src_query, dst_query))
    job = fts.run_job(job_id)
    status = easy.get_job_status(ctx, job_id, list_files=True)
    assert status["job_state"] == job.job_state == "FAILED"
    assert status["reason"] == (
        "One or more files failed. Please have a look at the details for more information"
    )
    assert status["files"][0]["file_state"] == "FAILED"
    assert status["files"][0]["reason"] == reason


def test_one_failed_file_of_two_makes_the_job_finisheddirty(fts, ctx):
    job_id = submit(ctx, transfer(name="good"), transfer("errno=13", name="bad"))
    fts.run_job(job_id)
    status = easy.get_job_status(ctx, job_id, list_files=True)
    assert status["job_state"] == "FINISHEDDIRTY"
    assert sorted(f["file_state"] for f in status["files"]) == ["FAILED", "FINISHED"]


def test_overwrite_lets_an_existing_destination_be_replaced(fts, ctx):
    job_id = submit(ctx, transfer(dst_query="exists=1&size_post=10&time=3"), overwrite=True)
    assert fts.run_job(job_id).job_state == "FINISHED"
    assert easy.get_job_status(ctx, job_id)["overwrite_flag"] == "Y"


def test_user_checksum_is_compared_with_the_destination(fts, ctx):
    src, dst = transfer(dst_query="size_post=10&time=2&checksum=0000abcd")
    ok = easy.submit(ctx, easy.new_job([easy.new_transfer(src, dst, checksum="ADLER32:abcd")]))
    bad = easy.submit(ctx, easy.new_job([easy.new_transfer(src, dst, checksum="ADLER32:1234")]))
    assert fts.run_job(ok).job_state == "FINISHED"
    assert fts.run_job(bad).files[0].reason == (
        "DESTINATION [5] User-defined and destination ADLER32 checksum do not match "
        "(1234 != 0000abcd)"
    )


def test_recoverable_error_is_retried_after_retry_delay(fts, ctx):
    job_id = submit(
        ctx, transfer(dst_query="size_post=10&time=2&transfer_errno=110"), retry=2, retry_delay=60
    )
    fts.run_until_state(job_id, "ACTIVE")
    fts.advance(1)  # the attempt fails one second into the copy
    file = fts.state.job(job_id).files[0]
    assert (file.file_state, file.retry) == ("SUBMITTED", 1)
    fts.advance(59)
    assert file.file_state == "SUBMITTED"  # not before retry_delay
    fts.run_job(job_id)
    retries = easy.get_job_status(ctx, job_id)  # noqa: F841 - still readable
    response = ctx.get(f"/jobs/{job_id}/files/{file.file_id}/retries")
    import json

    entries = json.loads(response)
    assert [e["attempt"] for e in entries] == [1, 2]
    assert entries[0]["reason"] == "TRANSFER [110] Connection timed out"
    assert file.file_state == "FAILED" and file.retry == 2


def test_unrecoverable_error_is_not_retried(fts, ctx):
    job_id = submit(ctx, transfer("errno=2"), retry=3)
    job = fts.run_job(job_id)
    assert job.files[0].retry == 0 and job.job_state == "FAILED"


def test_second_source_is_tried_when_the_first_fails(fts, ctx):
    entry = {
        "sources": ["mock://bad.example/f?errno=2", "mock://good.example/f?size=5"],
        "destinations": ["mock://dst.example/f?size_post=5&time=2"],
    }
    job_id = easy.submit(ctx, easy.new_job([entry]))
    job = fts.run_job(job_id)
    assert job.job_type == "R" and job.job_state == "FINISHED"
    assert [f.file_state for f in job.files] == ["FAILED", "FINISHED"]
    assert easy.get_job_status(ctx, job_id)["source_se"] == "mock://good.example"


def test_multihop_runs_hops_in_order_and_stops_at_a_failed_hop(fts, ctx):
    hops = [
        ("mock://a.example/f?size=5", "mock://b.example/f?size_post=5&time=2"),
        ("mock://b.example/f?size=5", "mock://c.example/f?size_post=9&time=2"),
        ("mock://c.example/f?size=5", "mock://d.example/f?size_post=5&time=2"),
    ]
    job_id = submit(ctx, *hops, multihop=True)
    job = fts.run_job(job_id)
    assert job.job_type == "H" and job.job_state == "FAILED"
    assert [f.file_state for f in job.files] == ["FINISHED", "FAILED", "NOT_USED"]
    assert (job.source_se, job.dest_se) == ("mock://a.example", "mock://d.example")


def test_bring_online_with_a_token_is_refused(ctx):
    from fts3.rest.client.exceptions import ClientError

    with pytest.raises(
        ClientError,
        match="Requests to retrieve from tape using token authentication are not supported",
    ):
        submit(ctx, transfer("size=10&staging_time=30"), bring_online=600)


def test_staging_job_is_brought_online_then_transferred(fts, ctx):
    job_id = submit(ctx, transfer("size=10&staging_time=30"), copy_pin_lifetime=600)
    assert easy.get_job_status(ctx, job_id)["job_state"] == "STAGING"
    fts.advance(5)
    file = fts.state.job(job_id).files[0]
    assert file.file_state == "STARTED" and file.bringonline_token
    job = fts.run_job(job_id)
    assert job.job_state == "FINISHED"
    assert file.staging_finished - file.staging_start == 30


def test_max_time_in_queue_cancels_files_still_queued(fts, ctx):
    job_id = submit(ctx, transfer(), max_time_in_queue="1s")
    job = fts.run_job(job_id)
    assert job.job_state == "CANCELED"
    assert job.files[0].reason == (
        "Job has been canceled because it stayed in the queue for "
        "too long (max-time-in-queue timeout)"
    )


def test_deterministic_job_id_and_duplicate_sid(fts, ctx):
    job_id = submit(ctx, transfer(), id_generator="deterministic", sid="abc")
    assert job_id == "6b85c008-f243-5c15-ac3f-e8ae81d5a138"  # as lib/JobBuilder.py derives it
    from fts3.rest.client.exceptions import ClientError

    with pytest.raises(ClientError, match="409"):
        submit(ctx, transfer(), id_generator="deterministic", sid="abc")


def test_list_jobs_filtered_by_vo_shows_unfinished_jobs(fts, ctx):
    first = submit(ctx, transfer(name="a"))
    second = submit(ctx, transfer(dst_query="size_post=10&time=1000", name="b"))
    listed = easy.list_jobs(ctx, vo="dteam")
    assert [j["job_id"] for j in listed] == [first, second]
    assert all("http_status" not in j for j in listed)
    fts.run_job(first)
    assert [j["job_id"] for j in easy.list_jobs(ctx, vo="dteam")] == [second]


def test_cancel_a_job_then_cancel_again(fts, ctx):
    job_id = submit(ctx, transfer())
    canceled = easy.cancel(ctx, job_id)
    assert canceled["job_state"] == "CANCELED" and canceled["http_status"] == "200 Ok"
    assert canceled["reason"] == "Job canceled by the user" and canceled["cancel_job"] is True
    again = easy.cancel(ctx, job_id)
    assert again["http_status"] == "304 Not Modified"
    assert again["http_message"] == "The job is in a terminal state"
    files = easy.get_job_status(ctx, job_id, list_files=True)["files"]
    assert files[0]["file_state"] == "CANCELED"


def test_cancel_single_file_of_a_job(fts, ctx):
    job_id = submit(ctx, transfer(name="a"), transfer(name="b"))
    first, second = fts.state.job(job_id).files
    assert easy.cancel(ctx, job_id, file_ids=[first.file_id]) == "CANCELED"
    assert fts.state.job(job_id).job_state != "CANCELED"
    assert easy.cancel(ctx, job_id, file_ids=[first.file_id, second.file_id]) == [
        "CANCELED",
        "CANCELED",
    ]
    assert fts.state.job(job_id).job_state == "CANCELED"


def test_unknown_job_is_not_found(ctx):
    with pytest.raises(NotFound):
        easy.get_job_status(ctx, "00000000-0000-0000-0000-000000000000")


def test_priority_can_be_changed_while_the_job_is_active(fts, ctx):
    import json

    job_id = submit(ctx, transfer())
    answer = json.loads(ctx.post_json(f"/jobs/{job_id}", {"params": {"priority": 5}}))
    assert answer["priority"] == 5 and answer["files"][0]["priority"] == 5
    fts.run_job(job_id)
    again = json.loads(ctx.post_json(f"/jobs/{job_id}", {"params": {"priority": 1}}))
    assert again["http_status"] == "304 Not Modified" and again["priority"] == 5


def test_archiving_waits_for_the_tape_copy(fts, ctx):
    # archive_timeout 0 archives with no deadline (the daemon tests "> -1"), and token
    # users may not ask for a positive one (3.13.4)
    job_id = submit(
        ctx, transfer(dst_query="size_post=10&time=2&archiving_time=60"), archive_timeout=0
    )
    fts.run_until_state(job_id, "ARCHIVING")
    file = fts.state.job(job_id).files[0]
    assert file.file_state == "ARCHIVING" and file.archive_start_time is not None
    job = fts.run_job(job_id)
    assert job.job_state == "FINISHED"
    assert file.archive_finish_time - file.archive_start_time == 60


def test_archiving_error_fails_the_file(fts, ctx):
    job_id = submit(
        ctx,
        transfer(dst_query="size_post=10&time=2&archiving_time=10&archiving_errno=5"),
        archive_timeout=0,
    )
    job = fts.run_job(job_id)
    assert (job.job_state, job.files[0].reason) == ("FAILED", "DESTINATION [5] Input/output error")


def test_archiving_past_archive_timeout_fails(fts_mock):
    fts_mock.identity = fts_mock.certificate_user("/DC=org/CN=Tape User", ["/dteam/Role=NULL"])
    ctx = easy.Context(fts_mock.endpoint)
    job_id = submit(
        ctx, transfer(dst_query="size_post=10&time=2&archiving_time=7200"), archive_timeout=3600
    )
    job = fts_mock.run_job(job_id)
    assert job.files[0].reason == "DESTINATION [110] Archiving timeout has been exceeded"


def test_staging_error_fails_the_file(fts, ctx):
    job_id = submit(ctx, transfer("size=10&staging_time=5&staging_errno=2"), copy_pin_lifetime=60)
    job = fts.run_job(job_id)
    assert job.job_state == "FAILED"
    assert job.files[0].reason == "SOURCE [2] No such file or directory"


def test_stage_only_job_finishes_after_staging(fts, ctx):
    url = "mock://tape.example/archive/f?size=10&staging_time=20"
    job_id = easy.submit(ctx, easy.new_staging_job([url], copy_pin_lifetime=3600))
    job = fts.run_job(job_id)
    assert job.job_state == "FINISHED" and job.files[0].file_state == "FINISHED"
    assert job.files[0].start_time is None  # no transfer happened


def test_session_reuse_job_needs_one_storage_pair(fts, ctx):
    from fts3.rest.client.exceptions import ClientError

    same = [transfer(name="a"), transfer(name="b")]
    job_id = submit(ctx, *same, reuse=True)
    assert easy.get_job_status(ctx, job_id)["job_type"] == "Y"
    other = ("mock://elsewhere.example/f?size=1", "mock://dst.example/g?size_post=1")
    with pytest.raises(ClientError, match="Reuse jobs must only contain transfers for the same"):
        submit(ctx, transfer(), other, reuse=True)


def test_delete_without_an_id_is_not_allowed(fts, ctx):
    from fts3.rest.client.exceptions import MethodNotAllowed

    with pytest.raises(MethodNotAllowed):
        ctx.delete("/jobs")


def test_global_max_time_queue_cancels_jobs_still_queued(fts_mock):
    import requests

    # an operator of the VO (lcgadmin: config level) limits queueing to an hour and holds
    # a storage; jobs waiting on it are canceled after the hour, running ones are not
    fts_mock.identity = fts_mock.certificate_user(
        "/DC=org/CN=Operator", ["/dteam/Role=lcgadmin/Capability=NULL"]
    )
    requests.post(
        fts_mock.endpoint + "/config/global",
        timeout=5,
        json={"vo_name": "dteam", "max_time_queue": 1},
    )
    requests.post(
        fts_mock.endpoint + "/ban/se",
        timeout=5,
        json={"storage": "mock://held.example", "status": "wait", "allow_submit": True},
    )
    ctx = easy.Context(fts_mock.endpoint)
    held = submit(ctx, ("mock://held.example/f?size=1", "mock://dst.example/f?size_post=1"))
    running = submit(ctx, transfer(dst_query="size_post=10&time=7200", name="long"), timeout=9000)
    assert fts_mock.state.job(held).files[0].file_state == "ON_HOLD"
    fts_mock.advance(3601)
    assert fts_mock.state.job(held).job_state == "CANCELED"
    assert fts_mock.state.job(held).files[0].reason == (
        "Job has been canceled because it stayed in the queue for too long (global timeout)"
    )
    assert fts_mock.state.job(running).job_state == "ACTIVE"  # it had started


@pytest.mark.parametrize(("strategy", "first_used"), [("orderly", 0), ("auto", 1)])
def test_replica_selection_strategy(fts, ctx, strategy, first_used):
    busy = "mock://busy.example/f?size=5"
    dst = "mock://dst.example/f?size_post=5&time=900"
    submit(ctx, (busy, dst), ("mock://busy.example/g?size=5", dst))  # load on busy -> dst
    entry = {
        "sources": [busy, "mock://idle.example/f?size=5"],
        "destinations": [dst],
        "selection_strategy": strategy,
    }
    job_id = easy.submit(ctx, easy.new_job([entry]))
    states = [f.file_state for f in fts.state.job(job_id).files]
    assert states[first_used] == "SUBMITTED" and states.count("NOT_USED") == 1


def test_after_a_failed_replica_the_source_with_the_fewest_queued_files_goes_next(fts, ctx):
    """fts3 ``MySqlAPI::getBestNextReplica`` counts SUBMITTED files of the VO per link:
    one transfer at a time on busy -> dst keeps one of its two files queued."""
    dst = "mock://dst.example/f?size_post=5&time=900"
    fts.state.ops.optimizer.set_values(
        {"source_se": "mock://busy.example", "dest_se": "mock://dst.example", "active": 1}
    )
    submit(ctx, ("mock://busy.example/f?size=5", dst), ("mock://busy.example/g?size=5", dst))
    entry = {
        "sources": [
            "mock://bad.example/f?errno=2",
            "mock://busy.example/f?size=5",
            "mock://idle.example/f?size=5",
        ],
        "destinations": [dst],
        "selection_strategy": "auto",
    }
    job_id = easy.submit(ctx, easy.new_job([entry]))
    job = fts.state.job(job_id)
    assert job.files[0].file_state == "SUBMITTED"  # no load on bad.example yet: first
    fts.run_until_state(job_id, "ACTIVE")
    fts.advance(10)
    assert [f.file_state for f in job.files][0] == "FAILED"
    assert job.files[2].file_state in ("SUBMITTED", "READY", "ACTIVE")
    assert job.files[1].file_state == "NOT_USED"
