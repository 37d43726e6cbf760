"""A job's state follows from its files (FTS3 ``MySqlAPI::updateJobTransferStatusInternal``).

Counting is by distinct ``file_index`` so the replicas of one entry count once. The
counts live in a :class:`Tally` per job, kept up to date by every change of a file's
state (``File.file_state`` tells its job's tally), so a move costs O(1), not O(files).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mockfts.model import states as S
from mockfts.model.records import File, Job

_NO_REPLICAS: Mapping[int, list[File]] = MappingProxyType({})  # shared, read-only
_GONE = (S.CANCELED, S.FAILED)  # a row in neither keeps its entry alive
_NOT_PENDING = (S.FINISHED, S.FAILED, S.CANCELED, S.NOT_USED)


def _verdict(state: str) -> tuple[int, int, int]:
    """(canceled, finished, alive) of an entry with a single row in ``state``."""
    return (state == S.CANCELED, state == S.FINISHED, state not in _GONE)


_VERDICTS = {
    state: _verdict(state)
    for state in (*S.FILE_ACTIVE_STATES, *S.FILE_WAITING_STATES, *S.FILE_TERMINAL_STATES)
}


class Tally:
    """Per-job counts of file states, and of entries (``file_index``) canceled,
    finished and alive, as ``updateJobTransferStatusInternal`` counts them."""

    __slots__ = (
        "files",
        "entries",
        "states",
        "canceled",
        "finished",
        "alive",
        "replicas",
    )

    def __init__(self, files: list[File]) -> None:
        self.files = len(files)
        states: dict[str, int] = {}
        for f in files:
            states[f.file_state] = states.get(f.file_state, 0) + 1
        self.states = states
        self.entries = len({f.file_index for f in files})
        if self.entries == self.files:  # a row per entry (no replicas): the counts say it
            self.replicas: Mapping[int, list[File]] = _NO_REPLICAS
            self.canceled = states.get(S.CANCELED, 0)
            self.finished = states.get(S.FINISHED, 0)
            self.alive = self.files - self.canceled - states.get(S.FAILED, 0)
            return
        rows: dict[int, list[File]] = {}
        for f in files:
            rows.setdefault(f.file_index, []).append(f)
        # only entries with several rows (replicas) need their rows to be looked at
        self.replicas = {index: r for index, r in rows.items() if len(r) > 1}
        self.canceled = self.finished = self.alive = 0
        for r in rows.values():
            c, fin, a = self._entry(r, None, "")
            self.canceled += c
            self.finished += fin
            self.alive += a

    @staticmethod
    def _entry(rows: list[File], moving: File | None, new: str) -> tuple[int, int, int]:
        states = [new if f is moving else f.file_state for f in rows]
        return (
            all(s == S.CANCELED for s in states),
            S.FINISHED in states,
            any(s not in _GONE for s in states),
        )

    def moved(self, file: File, old: str, new: str) -> None:
        if old == new:
            return
        counts = self.states
        counts[old] -= 1
        counts[new] = counts.get(new, 0) + 1
        rows = self.replicas.get(file.file_index)
        if rows is None:
            c0, f0, a0 = _VERDICTS.get(old) or _verdict(old)
            c1, f1, a1 = _VERDICTS.get(new) or _verdict(new)
        else:
            c0, f0, a0 = self._entry(rows, None, "")
            c1, f1, a1 = self._entry(rows, file, new)
        self.canceled += c1 - c0
        self.finished += f1 - f0
        self.alive += a1 - a0

    def count(self, state: str) -> int:
        return self.states.get(state, 0)


def tally(job: Job) -> Tally:
    """The job's tally, made (and given to its files) on first use."""
    found = job._tally
    if found is None:
        found = job._tally = Tally(job.files)
        for f in job.files:
            f.watcher = found
    return found


def derive(job: Job, changed: File | None, now: float) -> None:
    """Update ``job`` after ``changed`` moved (None: re-evaluate only)."""
    if job.job_state in S.JOB_TERMINAL_STATES:
        return
    t = job._tally or tally(job)
    total, canceled, finished = t.entries, t.canceled, t.finished
    failed = total - t.alive - canceled
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
        if job.job_type == S.MULTIPLE_REPLICA:  # once per job: a scan is fine
            winner = next((f for f in job.files if f.file_state == S.FINISHED), None)
            if winner is not None:
                job.source_se = winner.source_se
        return

    if changed is not None:
        if changed.file_state == S.ACTIVE:
            job.job_state = S.ACTIVE
        elif job.job_type != S.REGULAR and changed.file_state in (S.STAGING, S.SUBMITTED):
            job.job_state = changed.file_state
    if job.job_state == S.STAGING and not (t.count(S.STAGING) + t.count(S.STARTED)):
        job.job_state = S.SUBMITTED
    archiving = t.states.get(S.ARCHIVING)  # none: not all archiving (the usual case)
    if archiving and archiving == t.files - sum(t.count(s) for s in _NOT_PENDING):
        job.job_state = S.ARCHIVING
