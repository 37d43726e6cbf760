"""The job state kept from counters equals the state worked out by scanning the files.

Random submit / advance / cancel / snapshot-restore sequences (multi-file, replica and
multihop jobs, failures scripted by mock:// ``errno``, retries, staging, archiving); after every step
each job's tally must equal a recount, and every ``derive`` call must give exactly what
the former scan over all the files gave.
"""

from __future__ import annotations

import copy
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockcore.errors import ServiceError
from mockfts.double import FtsDouble
from mockfts.model import jobstate
from mockfts.model import states as S
from mockfts.model.identity import Identity
from mockfts.model.records import File, Job


def derive_by_scan(job: Job, changed: File | None, now: float) -> None:
    """The rule as it was before the tally: every count by a scan of the files."""
    if job.job_state in S.JOB_TERMINAL_STATES:
        return
    by_index: dict[int, list[str]] = defaultdict(list)
    for f in job.files:
        by_index[f.file_index].append(f.file_state)
    total = len(by_index)
    canceled = sum(1 for rows in by_index.values() if all(s == S.CANCELED for s in rows))
    finished = sum(1 for rows in by_index.values() if S.FINISHED in rows)
    alive = sum(
        1 for rows in by_index.values() if any(s not in (S.CANCELED, S.FAILED) for s in rows)
    )
    failed = total - alive - canceled
    multihop = job.job_type == S.MULTIHOP
    if canceled + failed + finished == total or (multihop and failed + canceled > 0):
        if finished > 0 and failed > 0:
            job.job_state = S.FAILED if multihop else S.FINISHEDDIRTY
            job.reason = S.REASON_FILES_FAILED
        elif finished == total:
            job.job_state, job.reason = S.FINISHED, None
        elif failed > 0:
            job.job_state, job.reason = S.FAILED, S.REASON_FILES_FAILED
        elif canceled > 0:
            job.job_state, job.reason = S.CANCELED, S.REASON_FILES_FAILED
        else:
            job.job_state, job.reason = S.FAILED, S.REASON_INCONSISTENT
        job.job_finished = now
        if job.job_type == S.MULTIPLE_REPLICA:
            winner = next((f for f in job.files if f.file_state == S.FINISHED), None)
            if winner is not None:
                job.source_se = winner.source_se
        return
    if changed is not None:
        if changed.file_state == S.ACTIVE:
            job.job_state = S.ACTIVE
        elif job.job_type != S.REGULAR and changed.file_state in (S.STAGING, S.SUBMITTED):
            job.job_state = changed.file_state
    if job.job_state == S.STAGING and not any(
        f.file_state in (S.STAGING, S.STARTED) for f in job.files
    ):
        job.job_state = S.SUBMITTED
    pending = [
        f
        for f in job.files
        if f.file_state not in S.FILE_TERMINAL_STATES and f.file_state != S.NOT_USED
    ]
    if pending and all(f.file_state == S.ARCHIVING for f in pending):
        job.job_state = S.ARCHIVING


def _outcome(job: Job) -> tuple:
    return (job.job_state, job.reason, job.job_finished, job.source_se)


@pytest.fixture
def checked_derive(monkeypatch):
    """Every call of ``derive`` is compared with :func:`derive_by_scan` on a copy."""
    incremental = jobstate.derive

    def both(job: Job, changed: File | None, now: float) -> None:
        reference = copy.copy(job)  # shares the files; only job fields change
        derive_by_scan(reference, changed, now)
        incremental(job, changed, now)
        assert _outcome(job) == _outcome(reference)

    monkeypatch.setattr(jobstate, "derive", both)


def _recount(job: Job) -> tuple:
    by_index: dict[int, list[str]] = defaultdict(list)
    for f in job.files:
        by_index[f.file_index].append(f.file_state)
    states: dict[str, int] = defaultdict(int)
    for f in job.files:
        states[f.file_state] += 1
    return (
        len(by_index),
        sum(all(s == S.CANCELED for s in r) for r in by_index.values()),
        sum(S.FINISHED in r for r in by_index.values()),
        sum(any(s not in (S.CANCELED, S.FAILED) for s in r) for r in by_index.values()),
        {k: v for k, v in states.items() if v},
    )


def _tallied(job: Job) -> tuple:
    t = jobstate.tally(job)
    return (
        t.entries,
        t.canceled,
        t.finished,
        t.alive,
        {k: v for k, v in t.states.items() if v},
    )


def _indexes_match_a_scan(double: FtsDouble, jobs: list[Job]) -> None:
    """Every index the lifecycle keeps holds what a scan over all the jobs finds."""
    state, index = double.state, double.state.index
    live = [j for j in jobs if j.job_state not in S.JOB_TERMINAL_STATES]
    assert list(index.unfinished.values()) == live
    for column in ("vo_name", "user_dn", "cred_id", "source_se", "dest_se", "job_state"):
        for value in {getattr(j, column) for j in jobs} - {None}:  # None: no filter
            expected = [j for j in live if getattr(j, column) == value]
            assert index.unfinished_where(**{column: value}) == expected, (column, value)
    files = [f for j in live for f in j.files]
    for vo in (None, "dteam"):
        for states in (None, (S.SUBMITTED,), (S.ACTIVE, S.STARTED), (S.NOT_USED, S.CANCELED)):
            found = sorted(f.file_id for f in index.live_files(vo, states))
            assert found == [
                f.file_id
                for f in files
                if (vo is None or f.vo_name == vo) and (states is None or f.file_state in states)
            ]
    for f in files:
        waiting = [
            g
            for g in files
            if (g.source_se, g.dest_se, g.vo_name) == (f.source_se, f.dest_se, f.vo_name)
            and g.file_state == S.SUBMITTED
        ]
        assert index.submitted_files(f.source_se, f.dest_se, f.vo_name) == len(waiting)
        assert index.submitted_bytes(f.source_se, f.dest_se, f.vo_name, f.activity) == sum(
            g.user_filesize or 0 for g in waiting if g.activity == f.activity
        )
        assert index.submitted_bytes(f.source_se, f.dest_se, f.vo_name) == sum(
            g.user_filesize or 0 for g in waiting
        )
    pairs: dict = {}
    for f in files:
        if f.file_state in (S.SUBMITTED, S.ACTIVE):
            counts = pairs.setdefault((f.source_se, f.dest_se), [0, 0])
            counts[f.file_state == S.ACTIVE] += 1
    assert index.active_pairs() == {pair: tuple(c) for pair, c in sorted(pairs.items())}
    ended = {j.job_id for j in jobs if j.job_state in S.JOB_TERMINAL_STATES}
    assert {j.job_id for j in index.finished_since(float("-inf"))} == ended
    daemon = state.daemon
    held: dict = {}
    for f in daemon._running.values():
        for slot in daemon._slots(f):
            held[slot] = held.get(slot, 0) + 1
    assert {k: v for k, v in daemon._running_on.items() if v} == held


_source = st.sampled_from(["", "errno=2", "errno=5", "errno=110", "staging_time=3"])
_dest = st.sampled_from(["", "transfer_errno=110", "errno=5", "archiving_time=4"])
_entry = st.tuples(st.integers(1, 3), _source, _dest)  # (replicas, source query, dest query)
_job = st.fixed_dictionaries(
    {
        "entries": st.lists(_entry, min_size=1, max_size=4),
        "kind": st.sampled_from(["plain", "replicas", "multihop"]),
        "retry": st.integers(0, 2),
        "staging": st.booleans(),
        "archiving": st.booleans(),
    }
)
_step = st.one_of(
    st.tuples(st.just("submit"), _job),
    st.tuples(st.just("advance"), st.floats(0.5, 40)),
    st.tuples(st.just("cancel"), st.integers(0, 10)),
    st.tuples(st.just("cancel_file"), st.integers(0, 10), st.integers(0, 10)),
    st.tuples(st.just("cancel_all"), st.sampled_from([None, "dteam", "atlas"])),
    st.tuples(st.just("snapshot_restore")),
)


def _body(spec: dict, serial: int) -> dict:
    files = []
    entries = spec["entries"][:1] if spec["kind"] == "replicas" else spec["entries"]
    for n, (replicas, src_q, dst_q) in enumerate(entries):
        sources = [
            f"mock://s{r}.example/j{serial}/f{n}?size=5&{src_q}"
            for r in range(replicas if spec["kind"] == "replicas" else 1)
        ]
        dest = f"mock://d{n}.example/j{serial}/f{n}?size_post=5&time=3&{dst_q}"
        files.append({"sources": sources, "destinations": [dest]})
    params: dict = {"retry": spec["retry"], "retry_delay": 5}
    if spec["kind"] == "multihop":
        params["multihop"] = True
    if spec["staging"]:
        params["bring_online"] = 60
    if spec["archiving"]:
        params["archive_timeout"] = 60
    return {"files": files, "params": params}


def play(double: FtsDouble, identity: Identity, jobs: list[Job], step: tuple) -> list[Job]:
    """One step of a drawn sequence; the jobs submitted so far, afterwards."""
    kind = step[0]
    if kind == "submit":
        try:
            return [*jobs, double.state.submit(_body(step[1], len(jobs)), identity)]
        except ServiceError:  # a combination the server refuses: nothing to check
            return jobs
    if kind == "advance":
        double.state.advance(step[1])
    elif jobs and kind == "cancel":
        double.state.cancel_job(jobs[step[1] % len(jobs)])
    elif jobs and kind == "cancel_file":
        job = jobs[step[1] % len(jobs)]
        if job.job_type == S.REGULAR:
            file = job.files[step[2] % len(job.files)]
            double.state.cancel_files(job, [str(file.file_id)])
    elif kind == "cancel_all":
        double.state.cancel_all(step[1])
    elif kind == "snapshot_restore":  # tallies and files come back still linked
        double.state.restore(double.state.snapshot())
        return [double.state.jobs[job.job_id] for job in jobs]
    return jobs


#: random sequences of steps (with a function-scoped fixture: each example is fresh)
sequences = given(steps=st.lists(_step, min_size=1, max_size=25))
sequence_settings = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@settings(sequence_settings, max_examples=60)
@sequences
def test_incremental_job_state_equals_a_scan_of_the_files(checked_derive, steps):
    double = FtsDouble()
    identity = double.certificate_user("/DC=org/CN=Prop", ["/dteam/Role=NULL"])
    jobs: list[Job] = []
    for step in steps:
        jobs = play(double, identity, jobs, step)
        for job in jobs:
            assert _tallied(job) == _recount(job)
        _indexes_match_a_scan(double, jobs)
