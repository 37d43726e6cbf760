"""The FTS job lifecycle in one place: the allowed state moves, the cancel paths, and the
indexes that follow every move.

Every change of a file's state passes :data:`FILE_MOVES` (a move the table does not
hold is a bug of the double, not a client's mistake, and raises). A job's state follows
from its files through the per-job :class:`~mockfts.model.jobstate.Tally` (O(1) per
move); the REST cancel paths set it directly, as the real controllers do. The indexes
(:class:`JobIndex`) are updated only from here, so a listing costs what can match it.

Cancel is written once (:meth:`Lifecycle.cancel_file`, :meth:`Lifecycle.cancel_dm`,
:meth:`Lifecycle.end_job`); what differs between the paths of fts-rest-flask
``controllers/jobs.py`` (``cancel``, ``cancel_files``, ``cancel_all``) and the daemon's
queue expiry and storage bans is data: a :class:`CancelPath` each.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mockfts.model import jobstate
from mockfts.model import states as S
from mockfts.model.records import DmEntry, File, Job

if TYPE_CHECKING:
    from mockcore.scheduler import Scheduler


class IllegalMove(RuntimeError):
    """The double tried a state move the real FTS never makes (a bug of the double)."""


_ANY_END = (S.FINISHED, S.FAILED, S.CANCELED)

#: file state -> the states it may move to (FTS3 server, url-copy and QoS daemon moves).
FILE_MOVES: dict[str, frozenset[str]] = {
    # FAILED: the scheduler fails a VO without a share on the link (failUnschedulable)
    S.SUBMITTED: frozenset({S.READY, S.ON_HOLD, S.FORCE_START, S.CANCELED, S.FAILED}),
    S.FORCE_START: frozenset({S.READY, S.CANCELED}),
    S.READY: frozenset({S.ACTIVE, S.CANCELED}),
    # retry: back to SUBMITTED; archive after the copy
    S.ACTIVE: frozenset({S.SUBMITTED, S.ARCHIVING, *_ANY_END}),
    S.STAGING: frozenset({S.STARTED, S.ON_HOLD_STAGING, S.CANCELED}),
    # staged: queued for its copy, or done when stage-in only
    S.STARTED: frozenset({S.SUBMITTED, *_ANY_END}),
    S.ARCHIVING: frozenset(_ANY_END),
    # the next replica or hop starts; a storage ban cancels it
    S.NOT_USED: frozenset({S.SUBMITTED, S.STAGING, S.CANCELED}),
    S.ON_HOLD: frozenset({S.SUBMITTED, S.CANCELED}),
    S.ON_HOLD_STAGING: frozenset({S.STAGING, S.CANCELED}),
    S.TOKEN_PREP: frozenset({S.SUBMITTED, S.STAGING, S.CANCELED}),
    S.QOS_TRANSITION: frozenset({S.QOS_REQUEST_SUBMITTED, *_ANY_END}),
    S.QOS_REQUEST_SUBMITTED: frozenset(_ANY_END),
    S.FINISHED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELED: frozenset(),
}

#: deletion entry (``t_dm``) state -> the states it may move to.
DM_MOVES: dict[str, frozenset[str]] = {
    S.DELETE: frozenset({S.STARTED, S.CANCELED}),
    S.STARTED: frozenset({S.FINISHED, S.FAILED}),
    S.FINISHED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELED: frozenset(),
}


@dataclass(frozen=True)
class CancelPath:
    """What one way of canceling writes.

    ``finish``: ``"now"`` stamps ``finish_time``; ``"signal"`` leaves it null for a
    running transfer (``pid`` set), which the agent reports a second later, and stamps
    it otherwise; ``"null"`` leaves it null. ``cancel_job`` is the job's ``cancel_job``
    flag; ``job_reason`` False leaves the job's reason alone.
    """

    file_reason: str | None
    finish: str
    clear_uuid: bool = True
    cancel_job: bool = True
    job_reason: bool = True


#: ``DELETE /jobs/<id>`` (fts-rest-flask ``controllers/jobs.py: cancel``).
BY_USER = CancelPath(S.REASON_USER_CANCEL, "signal")
#: ``DELETE /jobs/<id>/files/<ids>`` (``cancel_files``): no reason on files or job.
FILES_BY_USER = CancelPath(None, "now", job_reason=False)
#: ``DELETE /jobs/all`` and ``/jobs/vo/<vo>`` (``cancel_all``, ``cancel_all_by_vo``):
#: ``finish_time=NULL`` on every file, ``cancel_job`` not set.
ALL_BY_ROOT = CancelPath(S.REASON_USER_CANCEL, "null", cancel_job=False)


def queue_expiry(reason: str) -> CancelPath:
    """The daemon's max-time-in-queue expiry (``MySqlAPI::cancelExpiredJobsForVo``)."""
    return CancelPath(reason, "now", clear_uuid=False)


def storage_ban(reason: str) -> CancelPath:
    """``POST /ban/se`` with status CANCEL (``controllers/banning.py: _cancel_transfers``)."""
    return CancelPath(reason, "now", cancel_job=False, job_reason=False)


# --- indexes ---------------------------------------------------------------------------

_ON_LINKS = (S.SUBMITTED, S.ACTIVE)  # the states the optimizer counts per link
#: Job columns ``GET /jobs`` filters on, each indexed over the unfinished jobs.
JOB_FILTERS = ("vo_name", "user_dn", "cred_id", "source_se", "dest_se", "job_state")


class JobIndex:
    """Where jobs and files are found: by id, and for the listings.

    Unfinished jobs are indexed by each ``GET /jobs`` filter column, files of unfinished
    jobs by (VO, state), finished jobs by finishing time, and SUBMITTED transfers are
    counted per link and VO; so each listing reads only what can match it.
    """

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.files: dict[int, File] = {}
        self._order: dict[str, int] = {}  # job id -> submission sequence
        self._seq = itertools.count()
        self.submitted: list[Job] = []  # submission order
        self.by_vo: dict[str, list[Job]] = {}  # the same, per VO
        self.unfinished: dict[str, Job] = {}  # submission order
        self._unfinished_by: dict[tuple[str, object], dict[str, Job]] = {}
        self._keys: dict[str, tuple[dict[str, Job], ...]] = {}  # job id -> where it is filed
        self._finished_times: list[float] = []  # job_finished, ascending
        self._finished_jobs: list[Job] = []
        self._live_files: dict[tuple[str, str], dict[int, File]] = {}  # (vo, state)
        self._submitted: dict[tuple[str, str, str], int] = {}  # (source, dest, vo) SUBMITTED
        self._on_links: dict[tuple[str, str, str], int] = {}  # SUBMITTED, ACTIVE per link
        self._submitted_total: dict[tuple[str, str, str], float] = {}  # their bytes
        self._submitted_bytes: dict[tuple[str, str, str, str], float] = {}  # per activity

    # --- upkeep (called by Lifecycle only) ---------------------------------------------

    def admit(self, job: Job) -> None:
        self.jobs[job.job_id] = job
        self._order[job.job_id] = next(self._seq)
        self.submitted.append(job)
        self.by_vo.setdefault(job.vo_name, []).append(job)
        self.unfinished[job.job_id] = job
        buckets = tuple(self._bucket(c, getattr(job, c)) for c in JOB_FILTERS[:-1])
        for bucket in buckets:
            bucket[job.job_id] = job
        self._keys[job.job_id] = buckets
        self._bucket("job_state", job.job_state)[job.job_id] = job
        for file in job.files:
            self.files[file.file_id] = file
            self._file_in(file, file.file_state)

    def job_moved(self, job: Job, before: str, now: float) -> None:
        """``job`` was in ``before``; keep the state index and, at its end, move it to
        the finished ones (and its files out of the live ones)."""
        after = job.job_state
        if after == before or before in S.JOB_TERMINAL_STATES:
            return
        self._unfinished_by[("job_state", before)].pop(job.job_id, None)
        if after not in S.JOB_TERMINAL_STATES:
            self._bucket("job_state", after)[job.job_id] = job
            return
        del self.unfinished[job.job_id]
        # where it was filed (a replica job's source_se is its winner's by now)
        for bucket in self._keys.pop(job.job_id):
            bucket.pop(job.job_id, None)
        for file in job.files:
            self._file_out(file, file.file_state)
        finished = job.job_finished if job.job_finished is not None else now
        position = bisect.bisect_right(self._finished_times, finished)
        self._finished_times.insert(position, finished)
        self._finished_jobs.insert(position, job)

    def file_moved(self, file: File, old: str, new: str) -> None:
        """Every move of a file of an unfinished job (from the Lifecycle): O(1).

        Nothing of a job points back here (no cycle), so a dropped state is freed as
        soon as it is dropped, without waiting for the garbage collector."""
        if file.job_id in self.unfinished:
            self._file_out(file, old)
            self._file_in(file, new)

    def _bucket(self, column: str, value: object) -> dict[str, Job]:
        key = (column, value)
        found = self._unfinished_by.get(key)
        if found is None:
            found = self._unfinished_by[key] = {}
        return found

    def _file_in(self, file: File, state: str) -> None:
        key = (file.vo_name, state)
        bucket = self._live_files.get(key)
        if bucket is None:
            bucket = self._live_files[key] = {}
        bucket[file.file_id] = file
        if state == S.SUBMITTED:
            self._count(file, 1)
        if state in _ON_LINKS:
            link = (file.source_se, file.dest_se, state)
            self._on_links[link] = self._on_links.get(link, 0) + 1

    def _file_out(self, file: File, state: str) -> None:
        del self._live_files[(file.vo_name, state)][file.file_id]
        if state == S.SUBMITTED:
            self._count(file, -1)
        if state in _ON_LINKS:
            self._on_links[(file.source_se, file.dest_se, state)] -= 1

    def _count(self, file: File, sign: int) -> None:
        """SUBMITTED files per link and VO, and their bytes (what the REST scheduler's
        replica ranking reads, ``lib/scheduler/db.py``)."""
        key = (file.source_se, file.dest_se, file.vo_name)
        size = sign * (file.user_filesize or 0)
        self._submitted[key] = self._submitted.get(key, 0) + sign
        self._submitted_total[key] = self._submitted_total.get(key, 0) + size
        by_activity = (*key, file.activity)
        self._submitted_bytes[by_activity] = self._submitted_bytes.get(by_activity, 0) + size

    # --- reading -------------------------------------------------------------------

    def unfinished_where(self, **filters: object) -> list[Job]:
        """Unfinished jobs, in submission order, whose columns equal ``filters`` (None:
        any); ``job_state`` may be a tuple of states. Reads the smallest index."""
        wanted = {k: v for k, v in filters.items() if v is not None}
        states = wanted.pop("job_state", None)
        pools: list[Iterable[Job]] = []
        if states is not None:
            names = states if isinstance(states, tuple) else (states,)
            pools.append(
                [
                    job
                    for name in dict.fromkeys(names)
                    for job in self._unfinished_by.get(("job_state", name), {}).values()
                ]
            )
        for column, value in wanted.items():
            pools.append(self._unfinished_by.get((column, value), {}).values())
        if not pools:
            return list(self.unfinished.values())
        smallest = min(pools, key=len)  # type: ignore[arg-type]
        matches = [
            job
            for job in smallest
            if all(getattr(job, c) == v for c, v in wanted.items())
            and (states is None or job.job_state in states)  # type: ignore[operator]
        ]
        if states is not None and smallest is pools[0]:  # by entering the state: re-order
            matches.sort(key=lambda job: self._order[job.job_id])
        return matches

    def live_files(self, vo: str | None, file_states: Iterable[str] | None) -> Iterator[File]:
        """Files of unfinished jobs in ``file_states`` (every state when None), of
        ``vo`` when given; in no particular order."""
        if file_states is None:
            keys: Iterable[tuple[str, str]] = (
                key for key in list(self._live_files) if vo is None or key[0] == vo
            )
        elif vo is not None:
            keys = [(vo, state) for state in dict.fromkeys(file_states)]
        else:
            wanted = set(file_states)
            keys = [key for key in list(self._live_files) if key[1] in wanted]
        for key in keys:
            yield from self._live_files.get(key, {}).values()

    def first_live_files(
        self, count: int, vo: str | None, file_states: Iterable[str] | None, keep
    ) -> list[File]:
        """The ``count`` lowest file ids among live files that ``keep`` accepts."""
        return heapq.nsmallest(
            count,
            (f for f in self.live_files(vo, file_states) if keep(f)),
            key=lambda f: f.file_id,
        )

    def finished_since(self, since: float) -> list[Job]:
        start = bisect.bisect_left(self._finished_times, since)
        return self._finished_jobs[start:]

    def active_pairs(self) -> dict[tuple[str, str], tuple[int, int]]:
        """Links with SUBMITTED or ACTIVE files: (SUBMITTED, ACTIVE) counts, sorted by link
        (``MySqlAPI::getActivePairs``, counted as files move, not by a scan)."""
        pairs: dict[tuple[str, str], list[int]] = {}
        for (source, dest, state), count in self._on_links.items():
            if count:
                pairs.setdefault((source, dest), [0, 0])[state == S.ACTIVE] += count
        return {pair: (counts[0], counts[1]) for pair, counts in sorted(pairs.items())}

    def submitted_files(self, source_se: str, dest_se: str, vo: str) -> int:
        """SUBMITTED files of ``vo`` on a link (``lib/scheduler/db.py: get_submitted``)."""
        return self._submitted.get((source_se, dest_se, vo), 0)

    def submitted_bytes(
        self, source_se: str, dest_se: str, vo: str, activity: str | None = None
    ) -> float:
        """Σ ``user_filesize`` of SUBMITTED files of ``vo`` and ``activity`` on a link
        (what ``get_pending_data`` sums); every activity's when ``activity`` is None."""
        if activity is None:
            return self._submitted_total.get((source_se, dest_se, vo), 0)
        return self._submitted_bytes.get((source_se, dest_se, vo, activity), 0)

    def order(self, job: Job) -> int:
        return self._order[job.job_id]

    def remove_finished_before(self, cutoff: float) -> list[Job]:
        """Take jobs that finished before ``cutoff`` out (the DB cleaner's move to the
        archive); the finished ones are a prefix of their index."""
        count = bisect.bisect_left(self._finished_times, cutoff)
        if not count:
            return []
        moved = self._finished_jobs[:count]
        del self._finished_jobs[:count]
        del self._finished_times[:count]
        for job in moved:
            del self.jobs[job.job_id]
            del self._order[job.job_id]
            for file in job.files:
                self.files.pop(file.file_id, None)
        self.submitted[:] = [j for j in self.submitted if j.job_id in self.jobs]
        for vo in {job.vo_name for job in moved}:
            kept = [j for j in self.by_vo.get(vo, []) if j.job_id in self.jobs]
            if kept:
                self.by_vo[vo] = kept
            else:
                self.by_vo.pop(vo, None)
        return moved


# --- the moves -------------------------------------------------------------------------


class Lifecycle:
    """Moves files, deletion entries and jobs, keeping :class:`JobIndex` in step."""

    def __init__(
        self,
        index: JobIndex,
        scheduler: Scheduler,
        forget: Callable[[File], None],
        ended: Callable[[File, float], None] | None = None,
    ) -> None:
        self.index = index
        self.scheduler = scheduler
        self._forget = forget  # the daemon drops a file's next event and its slot
        self._ended = ended  # told of every transfer that ends FINISHED or FAILED

    def admit(self, job: Job) -> None:
        """A submitted job enters the tables; its files' moves are counted from now."""
        jobstate.tally(job)
        self.index.admit(job)

    def move(self, job: Job, file: File, new: str, now: float) -> None:
        """The daemon moves ``file``; the job's state follows from its files."""
        old = file.file_state
        if new not in FILE_MOVES[old]:
            raise IllegalMove(f"file {file.file_id}: {old} -> {new}")
        file.file_state = new  # the job's tally hears of it
        self.index.file_moved(file, old, new)
        if self._ended is not None and (new == S.FINISHED or new == S.FAILED):
            self._ended(file, now)
        before = job.job_state
        jobstate.derive(job, file, now)
        self.index.job_moved(job, before, now)

    def set_file_state(self, file: File, new: str) -> None:
        """Move a file without working out its job's state (the REST paths set it)."""
        old = file.file_state
        if new not in FILE_MOVES[old]:
            raise IllegalMove(f"file {file.file_id}: {old} -> {new}")
        file.file_state = new  # the job's tally hears of it
        self.index.file_moved(file, old, new)

    def rederive(self, job: Job, now: float) -> None:
        """Work out the job's state again after moves made without :meth:`move`."""
        before = job.job_state
        jobstate.derive(job, None, now)
        self.index.job_moved(job, before, now)

    def end_job(
        self, job: Job, state: str, reason: str | None, now: float, *, flag: bool = False
    ) -> None:
        """Set a job's end as a REST path or the deletion daemon writes it."""
        before = job.job_state
        job.job_state = state
        job.job_finished = now
        job.reason = reason
        if flag:
            job.cancel_job = True
        self.index.job_moved(job, before, now)

    # --- cancel, written once ----------------------------------------------------------

    def cancel_file(self, file: File, path: CancelPath, now: float) -> None:
        self._forget(file)
        running = file.pid is not None
        self.set_file_state(file, S.CANCELED)
        if path.file_reason is not None:
            file.reason = path.file_reason
        if path.clear_uuid:
            file.dest_surl_uuid = None
        if path.finish == "now" or (path.finish == "signal" and not running):
            file.finish_time = now
        elif path.finish == "signal":  # url-copy is signalled and reports its end
            self.scheduler.at(now + 1.0, _stamp_finish, file)

    def cancel_dm(self, job: Job, now: float) -> int:
        """Deletion entries still in DELETE (``DataManagementActiveStates``)."""
        count = 0
        for entry in job.dm:
            if entry.file_state == S.DELETE:
                self.move_dm(entry, S.CANCELED)
                entry.reason = S.REASON_USER_CANCEL
                entry.finish_time = entry.job_finished = now
                count += 1
        return count

    @staticmethod
    def move_dm(entry: DmEntry, new: str) -> None:
        if new not in DM_MOVES[entry.file_state]:
            raise IllegalMove(f"dm {entry.file_id}: {entry.file_state} -> {new}")
        entry.file_state = new

    def cancel_job(self, job: Job, path: CancelPath, now: float) -> tuple[int, int, int]:
        """Every file in an active state, DELETE entries, and the job itself when active:
        the counts (files, deletion entries, jobs) canceled."""
        files = 0
        for file in job.files:
            if file.file_state in S.FILE_ACTIVE_STATES:
                self.cancel_file(file, path, now)
                files += 1
        dm = self.cancel_dm(job, now)
        if job.job_state not in S.JOB_ACTIVE_STATES:
            return files, dm, 0
        reason = path.file_reason if path.job_reason else job.reason
        self.end_job(job, S.CANCELED, reason, now, flag=path.cancel_job)
        return files, dm, 1


def _stamp_finish(file: File, when: float) -> None:
    if file.finish_time is None:
        file.finish_time = when
