"""Banned storages and users (``/ban/se``, ``/ban/dn``), with their effects.

Facts read in fts-rest-flask 3.13.4 ``controllers/banning.py`` and
``lib/JobBuilder_utils.apply_banning``:

* A storage ban belongs to the banning user's first VO. Status ``CANCEL`` cancels every
  file of that VO touching the storage (source or destination) in a file-active or
  ``NOT_USED`` state (reason ``Storage banned``, ``finish_time`` now), promotes one
  ``NOT_USED`` row of the same job and ``file_index`` to ``SUBMITTED`` for each, then
  sets ``CANCELED`` (reason null) on every affected job whose files are all terminal.
  ``WAIT`` moves ``SUBMITTED`` files to ``ON_HOLD`` and ``STAGING`` to
  ``ON_HOLD_STAGING``; ``WAIT`` with ``allow_submit`` is stored as ``WAIT_AS``.
* Unbanning puts every ``ON_HOLD``/``ON_HOLD_STAGING`` file of the affected jobs back
  to ``SUBMITTED``/``STAGING``; the double's daemon then schedules them again.
* New submissions with a file of the same VO (or a ``*`` ban) touching a banned
  storage are refused with 403 ``<se> is banned``, unless the ban is ``WAIT_AS``:
  those files are created ``ON_HOLD``/``ON_HOLD_STAGING``.
* Banning a DN cancels its unfinished jobs (job and file-active files, reason
  ``User banned``); the DN then gets the middleware's HTML 403 on every request.

Deviations: the real code also touches files of jobs that are already terminal (e.g.
the ``NOT_USED`` rows a finished replica job keeps), which would put them back in the
queue; the double only touches unfinished jobs. The real submission check keys bans
by storage alone (the last VO read wins); the double checks the submitter's VO and
``*`` exactly. A ban row longer than its ``t_bad_ses``/``t_bad_dns`` column (the model's
length hook, :mod:`mockfts.model.columns`) is refused with 400 ``Length N exceeds
allowed M``; the real ``controllers/banning.py`` does not catch that ``ValueError`` (a
500).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mockcore.locking import locked, settled
from mockfts import errors
from mockfts.model import columns
from mockfts.model import states as S
from mockfts.model.identity import Identity
from mockfts.model.lifecycle import storage_ban
from mockfts.model.records import Job

if TYPE_CHECKING:
    from mockfts.model.ops.configuration import Configuration
    from mockfts.model.store import FtsState

CANCEL, WAIT, WAIT_AS = "CANCEL", "WAIT", "WAIT_AS"
REASON_STORAGE_BANNED = "Storage banned"
REASON_USER_BANNED = "User banned"


@dataclass
class StorageBan:
    se: str
    message: str | None
    addition_time: float
    admin_dn: str
    vo: str
    status: str


_RELEASED = {S.ON_HOLD: S.SUBMITTED, S.ON_HOLD_STAGING: S.STAGING}  # where an unban puts files


class Bans:
    def __init__(self, state: FtsState, config: Configuration) -> None:
        self.state = state
        self.config = config
        self.storages: dict[tuple[str, str], StorageBan] = {}  # (se, vo)

    # --- storages ----------------------------------------------------------------------

    def ban_storage(
        self,
        identity: Identity,
        storage: str,
        status: str = CANCEL,
        allow_submit: bool = False,
        message: str | None = "",
    ) -> list[str]:
        """Ban ``storage`` for the caller's first VO; returns the affected job ids."""
        status = status.upper()
        if status not in (CANCEL, WAIT):
            raise errors.BadBanStatus()
        if allow_submit and status == CANCEL:
            raise errors.AllowSubmitWithCancel()
        stored = WAIT_AS if allow_submit else status
        row = {"se": storage, "admin_dn": identity.user_dn, "message": message}
        columns.fits("t_bad_ses", {**row, "vo": identity.vo or "", "status": stored})
        return self._ban_storage(identity, storage, status, stored, message)

    @settled  # after the checks above: a refused ban settles nothing
    def _ban_storage(
        self, identity: Identity, storage: str, status: str, stored: str, message: str | None
    ) -> list[str]:
        vo = identity.vo or ""
        self.storages[(storage, vo)] = StorageBan(
            storage, message, self.state.clock.time(), identity.user_dn, vo, stored
        )
        self.config.audit(identity, "ban-se", f"Storage {storage} for {vo} banned ({status})")
        if status == CANCEL:
            return self._cancel_storage(storage, vo)
        return self._hold_storage(storage, vo)

    @settled
    def unban_storage(self, identity: Identity, storage: str) -> list[str]:
        vo = identity.vo or ""
        self.config.audit(identity, "unban-se", f"Storage {storage} unbanned")
        self.storages.pop((storage, vo), None)
        now = self.state.clock.time()
        affected = []
        for job in self._touching(storage, vo, (S.ON_HOLD, S.ON_HOLD_STAGING)):
            affected.append(job.job_id)
            for file in job.files:  # the whole job re-enters the queue
                if file.file_state in (S.ON_HOLD, S.ON_HOLD_STAGING):
                    self.state.lifecycle.set_file_state(file, _RELEASED[file.file_state])
                    self.state.daemon.resume(job, file, now)
        return affected

    @locked
    def banned_storages(self) -> list[StorageBan]:
        return list(self.storages.values())

    def _touching(self, storage: str, vo: str, file_states) -> list[Job]:
        """Unfinished jobs with a file of ``vo`` (any VO for ``*``) on ``storage`` in
        one of ``file_states``, in submission order."""
        index = self.state.index
        jobs = {
            f.job_id: index.jobs[f.job_id]
            for f in index.live_files(None if vo == "*" else vo, file_states)
            if f.source_se == storage or f.dest_se == storage
        }
        return sorted(jobs.values(), key=index.order)

    def _cancel_storage(self, storage: str, vo: str) -> list[str]:
        now = self.state.clock.time()
        states = S.FILE_ACTIVE_STATES | {S.NOT_USED}
        affected: list[Job] = []
        for job in self._touching(storage, vo, states):
            affected.append(job)
            doomed = [
                f
                for f in job.files
                if (f.source_se == storage or f.dest_se == storage)
                and f.file_state in states
                and (vo == "*" or f.vo_name == vo)
            ]
            lifecycle = self.state.lifecycle
            for file in doomed:
                lifecycle.cancel_file(file, storage_ban(REASON_STORAGE_BANNED), now)
                spare = next(
                    (
                        f
                        for f in job.files
                        if f.file_index == file.file_index and f.file_state == S.NOT_USED
                    ),
                    None,
                )
                if spare is not None:
                    lifecycle.set_file_state(spare, S.SUBMITTED)  # as the server's UPDATE does
                    spare.finish_time = None
                    self.state.daemon.resume(job, spare, now)
            if all(f.file_state in S.FILE_TERMINAL_STATES for f in job.files):
                lifecycle.end_job(job, S.CANCELED, None, now)
        return [job.job_id for job in affected]

    def _hold_storage(self, storage: str, vo: str) -> list[str]:
        moves = {S.SUBMITTED: S.ON_HOLD, S.STAGING: S.ON_HOLD_STAGING}
        affected = []
        for job in self._touching(storage, vo, tuple(moves)):
            affected.append(job.job_id)
            for file in job.files:
                if (
                    (file.source_se == storage or file.dest_se == storage)
                    and file.file_state in moves
                    and (vo == "*" or file.vo_name == vo)
                ):
                    self.state.daemon.forget(file)
                    self.state.lifecycle.set_file_state(file, moves[file.file_state])
        return affected

    def check_submission(self, job: Job) -> None:
        """Refuse a job touching a storage banned for its VO, or hold its files (WAIT_AS)."""
        if not self.storages:
            return
        for file in job.files:
            banned = False
            for storage in (file.source_se, file.dest_se):
                ban = self.storages.get((storage, file.vo_name)) or self.storages.get(
                    (storage, "*")
                )
                if ban is None:
                    continue
                if ban.status != WAIT_AS:
                    raise errors.StorageBanned(storage=storage)
                banned = True
            if banned:
                if file.file_state == S.SUBMITTED:
                    file.file_state = S.ON_HOLD
                elif file.file_state == S.STAGING:
                    file.file_state = S.ON_HOLD_STAGING

    # --- users -------------------------------------------------------------------------

    def ban_user(self, identity: Identity, dn: str, message: str | None = "") -> list[str]:
        if dn == identity.user_dn:
            raise errors.SelfBan()
        columns.fits("t_bad_dns", {"dn": dn, "admin_dn": identity.user_dn, "message": message})
        return self._ban_user(identity, dn, message)

    @settled  # after the check above: a refused ban settles nothing
    def _ban_user(self, identity: Identity, dn: str, message: str | None) -> list[str]:
        now = self.state.clock.time()
        self.state.banned_dns[dn] = {
            "dn": dn,
            "message": message,
            "addition_time": now,
            "admin_dn": identity.user_dn,
            "status": None,
        }
        affected = []
        lifecycle, path = self.state.lifecycle, storage_ban(REASON_USER_BANNED)
        for job in self.state.index.unfinished_where(user_dn=dn):
            affected.append(job.job_id)
            for file in job.files:
                if file.file_state in S.FILE_ACTIVE_STATES:
                    lifecycle.cancel_file(file, path, now)
            lifecycle.end_job(job, S.CANCELED, REASON_USER_BANNED, now)
        self.config.audit(identity, "ban-dn", f"User {dn} banned")
        return affected

    @locked
    def unban_user(self, identity: Identity, dn: str) -> None:
        self.config.audit(identity, "unban-dn", f"User {dn} unbanned")
        self.state.banned_dns.pop(dn, None)

    @locked
    def banned_users(self) -> list[dict]:
        return [dict(row) for row in self.state.banned_dns.values()]
