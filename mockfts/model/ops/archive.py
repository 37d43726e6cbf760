"""The archive (``t_job_backup``/``t_file_backup``, fts-rest-flask ``controllers/archive.py``).

The real DB cleaner moves jobs that finished long ago out of the live tables; the
archive routes read them there. The double keeps the same split: :meth:`Archive.move`
takes every job finished more than ``days`` days ago out of the live indexes (so
``/jobs/{id}`` answers 404 for it, as on the real server) into the archive. It runs on
the virtual clock once a day (``days`` = :attr:`Archive.retention_days`, 7 by
default; the real retention is deployment configuration), and tests may call it
directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockcore.locking import locked, settled
from mockfts import errors
from mockfts.model.identity import TRANSFER, Identity
from mockfts.model.records import Job

if TYPE_CHECKING:
    from mockfts.model.store import FtsState

DAY = 86400.0


class Archive:
    def __init__(self, state: FtsState, retention_days: float = 7.0) -> None:
        self.state = state
        self.retention_days = retention_days
        self.jobs: dict[str, Job] = {}
        self._schedule_cleaner(state.clock.time())

    def _schedule_cleaner(self, now: float) -> None:
        def clean(when: float) -> None:
            self._move(when - self.retention_days * DAY)
            self._schedule_cleaner(when)

        self.state.scheduler.at(now + DAY, clean)

    @settled
    def move(self, days: float | None = None) -> list[str]:
        """Archive every job finished more than ``days`` days ago; returns their ids."""
        days = self.retention_days if days is None else days
        return self._move(self.state.clock.time() - days * DAY)

    def _move(self, cutoff: float) -> list[str]:
        moved = self.state.remove_finished_before(cutoff)
        for job in moved:
            self.jobs[job.job_id] = job
        return [job.job_id for job in moved]

    @locked
    def job(self, identity: Identity, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise errors.ArchivedJobNotFound(job_id=job_id)
        if not identity.may(TRANSFER, job.user_dn, job.vo_name):
            raise errors.JobForbidden(job_id=job_id).plain()
        return job
