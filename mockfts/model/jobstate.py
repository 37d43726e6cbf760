"""A job's state follows from its files (FTS3 ``MySqlAPI::updateJobTransferStatusInternal``).

Counting is by distinct ``file_index`` so the replicas of one entry count once.
"""

from __future__ import annotations

from collections import defaultdict

from mockfts.model import states as S
from mockfts.model.records import File, Job


def derive(job: Job, changed: File | None, now: float) -> None:
    """Update ``job`` after ``changed`` moved (None: re-evaluate only)."""
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
            job.job_state, job.reason = (
                (S.FAILED if multihop else S.FINISHEDDIRTY),
                S.REASON_FILES_FAILED,
            )
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
