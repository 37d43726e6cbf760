"""The cancel paths of fts-rest-flask ``controllers/jobs.py`` (``cancel``, ``cancel_files``,
``cancel_all``), each written once in :mod:`mockfts.model.lifecycle`, and its table of
allowed state moves."""

from __future__ import annotations

import pytest
import requests

from mockfts import FtsDouble
from mockfts.model import states as S
from mockfts.model.lifecycle import FILE_MOVES, IllegalMove
from mockfts.model.records import Job

ENDPOINT = "https://fts3.mock:8446"
SLOW = "mock://dst.example/f{n}?size_post=1&time=600"


def _submit(fts: FtsDouble, identity, files: int = 8, vo_dst: str = SLOW) -> Job:
    body = {
        "files": [
            {"sources": [f"mock://src.example/f{n}?size=1"], "destinations": [vo_dst.format(n=n)]}
            for n in range(files)
        ]
    }
    return fts.state.submit(body, identity)


def _force(fts: FtsDouble, job: Job, file_state: str, job_state: str) -> None:
    """Put a job's files and the job in states the daemon reaches only slowly or never
    (QoS), as the upstream test writes rows straight into the database."""
    for file in job.files:
        fts.state.daemon.forget(file)
        old, file.file_state = file.file_state, file_state  # the tally follows
        fts.state.index.file_moved(file, old, file_state)  # outside the table of moves
    before = job.job_state
    job.job_state = job_state
    if job_state in S.JOB_TERMINAL_STATES:
        job.job_finished = fts.clock.time()
    fts.state.index.job_moved(job, before, fts.clock.time())


JOB_STATE_OF = {S.STARTED: S.STAGING, S.FORCE_START: S.SUBMITTED}


PROFILES = ["3.13", "3.14", "legacy"]  # fts-rest (legacy) cancel_all/cancel_files are the same


@pytest.mark.parametrize("profile", PROFILES)
def test_cancel_all_counts_the_rows_of_its_three_updates_as_the_upstream_test(profile):
    """``test_cancel_all`` (fts-rest-flask ``tests/functional/test_job_cancel.py``):
    12 jobs of 8 files, one per active and terminal file state: 72 files, 0 DM rows and
    9 jobs; ``finish_time`` stays null and ``cancel_job`` is not set."""
    fts = FtsDouble(profile=profile)
    user = fts.certificate_user("/DC=org/CN=Alice", ["/dteam/Role=NULL"])
    chosen = sorted(S.FILE_ACTIVE_STATES) + sorted(S.FILE_TERMINAL_STATES)
    jobs = {}
    for state in chosen:
        job = jobs[state] = _submit(fts, user)
        _force(fts, job, state, JOB_STATE_OF.get(state, state))
    assert fts.state.cancel_all() == {"affected_files": 72, "affected_dm": 0, "affected_jobs": 9}
    for state, job in jobs.items():
        if state in S.FILE_ACTIVE_STATES:
            assert job.job_state == S.CANCELED and job.reason == S.REASON_USER_CANCEL
            assert job.cancel_job is False and job.job_finished is not None
            for file in job.files:
                assert file.file_state == S.CANCELED and file.finish_time is None
                assert file.reason == S.REASON_USER_CANCEL and file.dest_surl_uuid is None
        else:
            assert job.job_state == state and not job.cancel_job
            assert all(f.file_state == state for f in job.files)


def test_cancel_all_by_vo_leaves_other_vos_alone():
    fts = FtsDouble()
    dteam = fts.certificate_user("/DC=org/CN=Alice", ["/dteam/Role=NULL"])
    atlas = fts.certificate_user("/DC=org/CN=Bob", ["/atlas/Role=NULL"])
    mine, theirs = _submit(fts, dteam, 3), _submit(fts, atlas, 2)
    assert fts.state.cancel_all("atlas") == {
        "affected_files": 2,
        "affected_dm": 0,
        "affected_jobs": 1,
    }
    assert theirs.job_state == S.CANCELED and mine.job_state == S.SUBMITTED


def test_cancel_all_cancels_deletion_entries_still_in_delete_and_counts_them():
    fts = FtsDouble(profile="legacy")
    user = fts.certificate_user("/DC=org/CN=Alice", ["/dteam/Role=NULL"])
    job = fts.state.submit({"delete": ["mock://src.example/a", "mock://src.example/b"]}, user)
    assert fts.state.cancel_all() == {"affected_files": 0, "affected_dm": 2, "affected_jobs": 1}
    now = fts.clock.time()
    for entry in job.dm:
        assert entry.file_state == S.CANCELED and entry.reason == S.REASON_USER_CANCEL
        assert entry.finish_time == now and entry.job_finished == now


def test_a_deletion_already_started_is_not_canceled_and_leaves_the_job_canceled():
    """Only ``DataManagementActiveStates`` (DELETE) rows are canceled; one the daemon
    already started ends as it ends, and the canceled job stays CANCELED."""
    fts = FtsDouble(profile="legacy")
    user = fts.certificate_user("/DC=org/CN=Alice", ["/dteam/Role=NULL"])
    job = fts.state.submit({"delete": ["mock://src.example/a"]}, user)
    fts.advance(2.5)  # past schedule_delay: the entry is STARTED
    assert job.dm[0].file_state == S.STARTED
    assert fts.state.cancel_job(job) is True
    fts.advance(5)
    assert job.dm[0].file_state == S.FINISHED and job.job_state == S.CANCELED


@pytest.mark.parametrize("profile", PROFILES)
def test_cancel_files_writes_no_reason_on_the_file_or_the_job(profile):
    fts = FtsDouble(profile=profile)
    user = fts.certificate_user("/DC=org/CN=Alice", ["/dteam/Role=NULL"])
    job = _submit(fts, user, 1)
    [file] = job.files
    assert fts.state.cancel_files(job, [str(file.file_id)]) == [S.CANCELED]
    assert file.file_state == S.CANCELED and file.reason is None
    assert file.finish_time == fts.clock.time() and file.dest_surl_uuid is None
    assert job.job_state == S.CANCELED and job.cancel_job is True and job.reason is None


def test_cancel_of_a_running_transfer_leaves_finish_time_null_until_the_agent_reports():
    fts = FtsDouble()
    user = fts.certificate_user("/DC=org/CN=Alice", ["/dteam/Role=NULL"])
    job = _submit(fts, user, 1)
    fts.advance(4)  # ACTIVE, with a pid
    [file] = job.files
    assert file.file_state == S.ACTIVE and file.pid is not None
    fts.state.cancel_job(job)
    assert file.finish_time is None and file.reason == S.REASON_USER_CANCEL
    fts.advance(1)
    assert file.finish_time is not None


def test_cancel_all_over_rest_needs_root_and_answers_the_counts():
    fts = FtsDouble()
    user = fts.certificate_user("/DC=org/CN=Alice", ["/dteam/Role=NULL"])
    _submit(fts, user, 2)
    with fts.intercept():
        fts.identity = user
        refused = requests.delete(f"{ENDPOINT}/jobs/all", timeout=10)
        assert refused.status_code == 403
        fts.identity = fts.root()
        reply = requests.delete(f"{ENDPOINT}/jobs/vo/dteam", timeout=10)
    assert reply.status_code == 200
    assert reply.json() == {"affected_files": 2, "affected_dm": 0, "affected_jobs": 1}


def test_a_move_outside_the_table_is_refused():
    fts = FtsDouble()
    user = fts.certificate_user("/DC=org/CN=Alice", ["/dteam/Role=NULL"])
    [file] = _submit(fts, user, 1).files
    assert S.FINISHED not in FILE_MOVES[S.SUBMITTED]
    with pytest.raises(IllegalMove):
        fts.state.lifecycle.set_file_state(file, S.FINISHED)
    assert file.file_state == S.SUBMITTED


def test_terminal_file_states_move_nowhere():
    assert all(not FILE_MOVES[state] for state in S.FILE_TERMINAL_STATES)
    assert set(FILE_MOVES) == S.FILE_ACTIVE_STATES | S.FILE_WAITING_STATES | S.FILE_TERMINAL_STATES
