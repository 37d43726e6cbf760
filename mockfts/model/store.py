"""The FTS3 double's state: jobs and files, indexed, with the REST layer's operations.

Every public method of the REST layer takes the lock and settles due events first
(``@settled``; ``@locked`` where nothing due can change the answer), so an answer always
reflects the virtual time. Listing uses indexes (unfinished jobs, jobs per VO in
submission order, finished jobs in finishing order), so its cost follows the number of
jobs that can match, not the number of jobs ever submitted.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from mockcore.clock import Clock
from mockcore.locking import locked, settled
from mockcore.state import ServiceState
from mockfts import errors
from mockfts.model import states as S
from mockfts.model.daemon import Daemon, DaemonSettings
from mockfts.model.delegations import Delegation, DelegationRegistry
from mockfts.model.identity import TRANSFER, Identity
from mockfts.model.ops import Operations
from mockfts.model.records import File, Job
from mockfts.model.submission import SubmissionContext, SubmissionLimits, build_job
from mockfts.model.tokens import TokenAuthority
from mockfts.profiles import VersionProfile
from mockfts.profiles import profile as _profile

HOST_DN = "/DC=org/DC=mockfts/CN=fts3.mock"


@dataclass
class JobFilter:
    """The query of ``GET /jobs`` after validation (fts-rest-flask ``jobs.py`` ``index``)."""

    vo_name: str | None = None
    user_dn: str | None = None
    dlg_id: str | None = None
    source_se: str | None = None
    dest_se: str | None = None
    state_in: tuple[str, ...] | None = None
    limit: int | None = None
    time_window: float | None = None  # seconds


class FtsState(ServiceState):
    environ_objects = ("mockfts.",)  # the identities of mockfts/api/auth.py and x509/tls.py

    def __init__(
        self,
        clock: Clock | None = None,
        seed: int = 0,
        *,
        profile: str | VersionProfile | None = None,
        submit_host: str = "fts3.mock",
        host_dn: str = HOST_DN,
        daemon: DaemonSettings | None = None,
        limits: SubmissionLimits | None = None,
    ) -> None:
        super().__init__(clock, seed)
        self.profile = _profile(profile)
        self.submit_host = submit_host
        self.host_dn = host_dn
        self.limits = limits or SubmissionLimits()
        self.tokens = TokenAuthority(self.clock, self.ids)
        self.delegations = DelegationRegistry(self.clock)
        self.daemon = Daemon(self, daemon)
        self._clear_tables()

    def _clear_tables(self) -> None:
        self.jobs: dict[str, Job] = {}
        self._files: dict[int, File] = {}
        self._file_ids = itertools.count(1)
        self._unfinished: dict[str, Job] = {}  # insertion (submission) order
        self._unfinished_by_vo: dict[str, dict[str, Job]] = {}  # the same, per VO
        self._by_vo: dict[str, list[Job]] = {}
        self._submitted: list[Job] = []
        self._finished_times: list[float] = []  # job_finished, ascending
        self._finished_jobs: list[Job] = []
        self.banned_dns: dict[str, dict] = {}
        self.ops = Operations(self)  # bans, optimizer, configuration, archive

    @locked
    def reset(self) -> None:
        super().reset()
        self.daemon.reset()
        self.delegations.clear()
        self._clear_tables()

    # --- index upkeep --------------------------------------------------------------

    def job_changed(self, job: Job, before: str) -> None:
        """Called whenever a job's state may have changed."""
        if before not in S.JOB_TERMINAL_STATES and job.job_state in S.JOB_TERMINAL_STATES:
            self._unfinished.pop(job.job_id, None)
            self._unfinished_by_vo.get(job.vo_name, {}).pop(job.job_id, None)
            finished = job.job_finished if job.job_finished is not None else self.clock.time()
            position = bisect.bisect_right(self._finished_times, finished)
            self._finished_times.insert(position, finished)
            self._finished_jobs.insert(position, job)

    # --- views for the operations layer (bans, snapshot, archive) -------------------

    def unfinished_jobs(self) -> list[Job]:
        """Jobs not yet terminal, in submission order (an index, not a scan)."""
        return list(self._unfinished.values())

    def file(self, file_id: int) -> File | None:
        """A transfer by its file id, whatever its job."""
        return self._files.get(file_id)

    def jobs_finished_since(self, since: float) -> list[Job]:
        """Unfinished jobs, then jobs finished at or after ``since`` (by finishing time)."""
        start = bisect.bisect_left(self._finished_times, since)
        return [*self._unfinished.values(), *self._finished_jobs[start:]]

    def remove_finished_before(self, cutoff: float) -> list[Job]:
        """Take jobs that finished before ``cutoff`` out of the live tables (the DB
        cleaner's move to the archive); the finished ones are a prefix of their index."""
        count = bisect.bisect_left(self._finished_times, cutoff)
        if not count:
            return []
        moved = self._finished_jobs[:count]
        del self._finished_jobs[:count]
        del self._finished_times[:count]
        gone = {job.job_id for job in moved}
        for job in moved:
            del self.jobs[job.job_id]
            for file in job.files:
                self._files.pop(file.file_id, None)
        self._submitted[:] = [j for j in self._submitted if j.job_id not in gone]
        for vo in {job.vo_name for job in moved}:
            kept = [j for j in self._by_vo.get(vo, []) if j.job_id not in gone]
            if kept:
                self._by_vo[vo] = kept
            else:
                self._by_vo.pop(vo, None)
        return moved

    def queued_between(self, source_se: str, dest_se: str) -> int:
        """Transfers queued or running from one storage to another (replica ranking)."""
        return sum(
            1
            for job in self._unfinished.values()
            for f in job.files
            if f.source_se == source_se
            and f.dest_se == dest_se
            and f.file_state in (S.SUBMITTED, S.READY, S.ACTIVE)
        )

    # --- identity-related checks ---------------------------------------------------

    @locked
    def delegate(
        self, identity: Identity, lifetime: float = 12 * 3600, proxy_pem: str | None = None
    ) -> Delegation:
        """Record a delegated proxy for ``identity`` (what a successful PUT stores)."""
        return self.delegations.record(identity, lifetime, proxy_pem)

    @staticmethod
    def check_job_access(identity: Identity, job: Job) -> None:
        if not identity.may(TRANSFER, job.user_dn, job.vo_name):
            raise errors.JobForbidden(job_id=job.job_id)

    # --- submission ----------------------------------------------------------------

    @settled
    def submit(self, body: dict, identity: Identity) -> Job:
        if identity.method == "certificate" and not identity.is_root:
            self.delegations.check_for_submission(identity)
        ctx = SubmissionContext(
            now=self.clock.time(),
            profile=self.profile,
            submit_host=self.submit_host,
            next_file_id=lambda: next(self._file_ids),
            new_uuid1=self.ids.uuid1,
            random_hash=lambda: self.ids.randint(0, 65535),
            token_issuer_known=lambda iss: iss in self.tokens.providers,
            queued_between=self.queued_between,
            limits=self.limits,
        )
        job = build_job(body, identity, ctx)
        self.ops.check_submission(job)  # banned storages: 403, or ON_HOLD files
        if job.job_id in self.jobs:
            raise errors.DuplicateSid()
        self.jobs[job.job_id] = job
        self._unfinished[job.job_id] = job
        self._unfinished_by_vo.setdefault(job.vo_name, {})[job.job_id] = job
        self._by_vo.setdefault(job.vo_name, []).append(job)
        self._submitted.append(job)
        for file in job.files:
            self._files[file.file_id] = file
        self.daemon.start(job)
        return job

    # --- reading -------------------------------------------------------------------

    @settled
    def job(self, job_id: str) -> Job:
        try:
            return self.jobs[job_id]
        except KeyError:
            raise errors.JobNotFound(job_id=job_id) from None

    def visible_job(self, identity: Identity, job_id: str) -> Job:
        job = self.job(job_id)
        self.check_job_access(identity, job)
        return job

    @settled
    def list_jobs(self, identity: Identity, query: JobFilter) -> list[Job]:
        level = identity.granted(TRANSFER)
        if query.user_dn is not None and query.user_dn != identity.user_dn:
            raise errors.DnMismatch()
        if query.dlg_id is not None and query.dlg_id != identity.delegation_id:
            raise errors.DelegationIdMismatch()
        if level is None:
            raise errors.CannotListJobs()
        vo_name, dlg_id = query.vo_name, query.dlg_id
        if level == "vo":
            vo_name = identity.vo
        elif level == "":
            dlg_id = identity.delegation_id
        candidates = self._candidates(query, vo_name)
        result = []
        for job in candidates:
            if vo_name is not None and job.vo_name != vo_name:
                continue
            if dlg_id is not None and job.cred_id != dlg_id:
                continue
            if query.user_dn is not None and job.user_dn != query.user_dn:
                continue
            if query.source_se is not None and job.source_se != query.source_se:
                continue
            if query.dest_se is not None and job.dest_se != query.dest_se:
                continue
            if query.state_in is not None and job.job_state not in query.state_in:
                continue
            result.append(job)
            if query.limit and len(result) >= query.limit:
                break
        return result

    def _unfinished_of(self, vo_name: str | None) -> list[Job]:
        """Unfinished jobs in submission order, of one VO if named (an index, not a scan:
        another VO's backlog costs a listing nothing)."""
        if vo_name is None:
            return list(self._unfinished.values())
        return list(self._unfinished_by_vo.get(vo_name, {}).values())

    def _candidates(self, query: JobFilter, vo_name: str | None) -> Iterable[Job]:
        """The smallest indexed set that holds every job the query can return."""
        if query.state_in is None or (query.limit is None and query.time_window is None):
            return self._unfinished_of(vo_name)  # only unfinished jobs
        if query.limit:  # newest first, no finish-time filter
            pool = self._by_vo.get(vo_name, []) if vo_name is not None else self._submitted
            return reversed(pool)
        if query.limit == 0:  # no limit and no finish-time filter
            return list(self.jobs.values())
        assert query.time_window is not None  # validated: a limit or a time window
        start = bisect.bisect_left(self._finished_times, self.clock.time() - query.time_window)
        return [*self._unfinished_of(vo_name), *self._finished_jobs[start:]]

    # --- cancellation and priority -------------------------------------------------

    @settled
    def cancel_job(self, job: Job) -> bool:
        """REST cancel of a whole job; False when it was already terminal."""
        if job.job_state in S.JOB_TERMINAL_STATES:
            return False
        now = self.clock.time()
        before = job.job_state
        for file in job.files:
            if file.file_state in S.FILE_ACTIVE_STATES:
                self._cancel_file(file, now)
        for entry in job.dm:
            if entry.file_state in (S.DELETE, S.STARTED):
                entry.file_state, entry.finish_time = S.CANCELED, now
                entry.reason = S.REASON_USER_CANCEL
        job.job_state = S.CANCELED
        job.cancel_job = True
        job.job_finished = now
        job.reason = S.REASON_USER_CANCEL
        self.job_changed(job, before)
        return True

    def _cancel_file(self, file: File, now: float) -> None:
        self.daemon.forget(file)
        file.file_state = S.CANCELED
        file.reason = S.REASON_USER_CANCEL
        file.dest_surl_uuid = None
        if file.pid is None:
            file.finish_time = now
        else:  # the daemon signals the running transfer; it reports the end shortly after
            self.scheduler.at(now + 1.0, functools.partial(setattr, file, "finish_time"))

    @settled
    def cancel_files(self, job: Job, file_ids: list[str]) -> list[str]:
        if job.job_type != S.REGULAR:
            raise errors.CancelWholeJob(job_type=job.job_type)
        now = self.clock.time()
        by_id = {str(f.file_id): f for f in job.files}
        outcome = []
        for file_id in file_ids:
            file = by_id.get(file_id.strip())
            if file is None:
                outcome.append("File does not belong to the job")
            elif file.file_state not in S.FILE_ACTIVE_STATES:
                outcome.append(file.file_state)
            else:
                self._cancel_file(file, now)
                outcome.append(S.CANCELED)
        if job.job_state not in S.JOB_TERMINAL_STATES and not any(
            f.file_state in S.FILE_ACTIVE_STATES for f in job.files
        ):
            before = job.job_state
            job.job_state = S.CANCELED
            job.cancel_job = True
            job.job_finished = now
            self.job_changed(job, before)
        return outcome

    @settled
    def set_priority(self, job: Job, priority: int | None) -> bool:
        """False when the job is terminal (nothing changes)."""
        if job.job_state in S.JOB_TERMINAL_STATES:
            return False
        if priority:
            job.priority = priority
            for file in job.files:
                file.priority = priority
        return True

    @settled
    def cancel_all(self, vo_name: str | None = None) -> dict[str, int]:
        now = self.clock.time()
        files = jobs = 0
        for job in list(self._unfinished.values()):
            if vo_name is not None and job.vo_name != vo_name:
                continue
            for file in job.files:
                if file.file_state in S.FILE_ACTIVE_STATES:
                    self.daemon.forget(file)
                    file.file_state = S.CANCELED
                    file.reason = S.REASON_USER_CANCEL
                    files += 1
            if job.job_state in S.JOB_ACTIVE_STATES:
                before = job.job_state
                job.job_state, job.cancel_job = S.CANCELED, True
                job.job_finished, job.reason = now, S.REASON_USER_CANCEL
                self.job_changed(job, before)
                jobs += 1
        return {"affected_files": files, "affected_dm": 0, "affected_jobs": jobs}
