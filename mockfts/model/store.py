"""The FTS3 double's state: jobs and files, indexed, with the REST layer's operations.

Every public method of the REST layer takes the lock and settles due events first
(``@settled``; ``@locked`` where nothing due can change the answer), so an answer always
reflects the virtual time. Listing uses indexes (unfinished jobs, jobs per VO in
submission order, finished jobs in finishing order), so its cost follows the number of
jobs that can match, not the number of jobs ever submitted.
"""

from __future__ import annotations

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
from mockfts.model.lifecycle import ALL_BY_ROOT, BY_USER, FILES_BY_USER, JobIndex, Lifecycle
from mockfts.model.ops import Operations
from mockfts.model.records import File, Job
from mockfts.model.replicas import ReplicaSelection
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
        self.index = JobIndex()
        self.jobs = self.index.jobs  # by id (the same dict)
        self.ops = Operations(self)  # bans, optimizer, configuration, archive
        optimizer = self.ops.optimizer
        self.lifecycle = Lifecycle(
            self.index, self.scheduler, self.daemon.forget, optimizer.transfer_ended
        )
        self.replicas = ReplicaSelection(self.index, optimizer, self.ops.config, self.clock)
        self._file_ids = itertools.count(1)
        self.banned_dns: dict[str, dict] = {}

    @locked
    def reset(self) -> None:
        super().reset()
        self.daemon.reset()
        self.delegations.clear()
        self._clear_tables()

    # --- views for the operations layer (bans, snapshot, archive) -------------------

    def file(self, file_id: int) -> File | None:
        """A transfer by its file id, whatever its job."""
        return self.index.files.get(file_id)

    def jobs_finished_since(self, since: float) -> list[Job]:
        """Unfinished jobs, then jobs finished at or after ``since`` (by finishing time)."""
        return [*self.index.unfinished.values(), *self.index.finished_since(since)]

    def remove_finished_before(self, cutoff: float) -> list[Job]:
        """Take jobs that finished before ``cutoff`` out of the live tables (the DB
        cleaner's move to the archive)."""
        return self.index.remove_finished_before(cutoff)

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
            random_hash=lambda: self.ids.bits(16),  # hashed_id: 0..65535
            token_issuer_known=lambda iss: iss in self.tokens.providers,
            select_replica=self.replicas.select,
            limits=self.limits,
        )
        job = build_job(body, identity, ctx)
        self.ops.check_submission(job)  # banned storages: 403, or ON_HOLD files
        if job.job_id in self.jobs:
            raise errors.DuplicateSid()
        self.lifecycle.admit(job)
        self.daemon.start(job)
        self.ops.optimizer.watch()
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
        columns = {
            "vo_name": vo_name,
            "cred_id": dlg_id,
            "user_dn": query.user_dn,
            "source_se": query.source_se,
            "dest_se": query.dest_se,
        }
        result = []
        for job in self._candidates(query, columns):
            if query.state_in is not None and job.job_state not in query.state_in:
                continue
            if any(value is not None and getattr(job, c) != value for c, value in columns.items()):
                continue
            result.append(job)
            if query.limit and len(result) >= query.limit:
                break
        return result

    def _candidates(self, query: JobFilter, columns: dict[str, str | None]) -> Iterable[Job]:
        """The smallest indexed set that holds every job the query can return: unfinished
        jobs from the index of the most selective filter (their states included), then
        finished ones when the query reaches them (fts-rest-flask ``jobs.py: index``)."""
        index = self.index
        if query.state_in is None or (query.limit is None and query.time_window is None):
            return index.unfinished_where(**columns, job_state=query.state_in)  # unfinished only
        if query.limit:  # newest first, no finish-time filter
            vo_name = columns["vo_name"]
            pool = index.by_vo.get(vo_name, []) if vo_name is not None else index.submitted
            return reversed(pool)
        if query.limit == 0:  # no limit and no finish-time filter
            return list(self.jobs.values())
        assert query.time_window is not None  # validated: a limit or a time window
        unfinished = [s for s in query.state_in if s not in S.JOB_TERMINAL_STATES]
        live = index.unfinished_where(**columns, job_state=tuple(unfinished)) if unfinished else []
        return [*live, *index.finished_since(self.clock.time() - query.time_window)]

    # --- cancellation and priority -------------------------------------------------

    @settled
    def cancel_job(self, job: Job) -> bool:
        """``DELETE /jobs/<id>``; False when the job was not active (left unmodified)."""
        if job.job_state not in S.JOB_ACTIVE_STATES:
            return False
        self.lifecycle.cancel_job(job, BY_USER, self.clock.time())
        return True

    @settled
    def cancel_files(self, job: Job, file_ids: list[str]) -> list[str]:
        """``DELETE /jobs/<id>/files/<ids>``: the job ends CANCELED once none of its files
        is active (``controllers/jobs.py: cancel_files``)."""
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
                self.lifecycle.cancel_file(file, FILES_BY_USER, now)
                outcome.append(S.CANCELED)
        if job.job_state not in S.JOB_TERMINAL_STATES and not any(
            f.file_state in S.FILE_ACTIVE_STATES for f in job.files
        ):
            self.lifecycle.end_job(job, S.CANCELED, job.reason, now, flag=True)
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
            self.daemon.priority_changed(job)
        return True

    @settled
    def cancel_all(self, vo_name: str | None = None) -> dict[str, int]:
        """``DELETE /jobs/all`` and ``/jobs/vo/<vo>``: the row counts of the three UPDATEs
        of ``controllers/jobs.py: cancel_all`` (active files, DELETE entries, active jobs)."""
        now = self.clock.time()
        files = dm = jobs = 0
        for job in self.index.unfinished_where(vo_name=vo_name):
            canceled = self.lifecycle.cancel_job(job, ALL_BY_ROOT, now)
            files, dm, jobs = files + canceled[0], dm + canceled[1], jobs + canceled[2]
        return {"affected_files": files, "affected_dm": dm, "affected_jobs": jobs}
