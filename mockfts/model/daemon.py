"""The FTS3 daemon, played on the virtual clock: scheduling, staging, transfers, retries.

Scheduling respects the limits operators configure: the optimizer's decision for a
pair (``/optimizer/current``), else the link's ``max_active`` (``/config/links``), and
each storage's ``outbound_max_active``/``inbound_max_active`` (``/config/se``). A file
over a limit stays SUBMITTED and starts when a transfer on its link or storage ends,
chosen as the real scheduler chooses: a VO by the link's VO shares, an activity by the
VO's activity shares, then the highest job priority (:meth:`Daemon._choose`). Without
configuration nothing limits concurrency until the optimizer's first run decides for
the link (:mod:`mockfts.model.ops.optimizer`).

Timeline of a file (delays from :class:`DaemonSettings`):
``SUBMITTED --schedule_delay--> READY --start_delay--> ACTIVE --attempt--> FINISHED``
(or ``ARCHIVING``, ``FAILED``, or back to ``SUBMITTED`` for a retry after
``retry_delay``, 120 s when unset). Staging files go ``STAGING -> STARTED`` and are
brought online after the source URL's ``staging_time``. Replicas and hops waiting in
``NOT_USED`` start when the previous one fails or finishes. How long a file stays
queued is deployment behaviour the API does not fix; the defaults are a few seconds.

Reasons for staging and archiving failures are not confirmed from sources
(FTS3 ``src/qos-daemon`` was not read): we write ``SOURCE [<errno>] <strerror>`` for staging and
``DESTINATION [<errno>] <strerror>`` for archiving, and the daemon's own
``Bring-online timeout has been exceeded`` / ``Archiving timeout has been exceeded``.
"""

from __future__ import annotations

import errno as E
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from mockcore.scheduler import ScheduledEvent
from mockfts.model import states as S
from mockfts.model.lifecycle import queue_expiry
from mockfts.model.mockurl import MockUrl, strerror
from mockfts.model.records import DmEntry, File, Job, RetryEntry
from mockfts.model.transfer import Attempt, MiB, TransferSettings, plan_attempt
from mockfts.model.waiting import Entry, Waiting

if TYPE_CHECKING:
    from mockfts.model.store import FtsState


@dataclass
class DaemonSettings:
    schedule_delay: float = 2.0  # SUBMITTED -> READY
    start_delay: float = 1.0  # READY -> ACTIVE
    staging_delay: float = 2.0  # STAGING -> STARTED
    default_retry_delay: float = 120.0  # retry_delay <= 0
    vo_retry: dict[str, int] = field(default_factory=dict)  # /config/global "retry"
    transfer_hosts: tuple[str, ...] = ("fts-agent-01.mock", "fts-agent-02.mock")
    transfer: TransferSettings = field(default_factory=TransferSettings)

    def max_retries(self, job: Job) -> int:
        if job.job_type in (S.MULTIPLE_REPLICA, S.MULTIHOP):
            return 0
        if job.retry > 0:
            return job.retry
        if job.retry < 0:
            return 0
        return self.vo_retry.get(job.vo_name, self.vo_retry.get("*", 0))


_FIRST_STEP = (S.SUBMITTED, S.FORCE_START, S.STAGING)  # states whose files wait for the daemon
_SCHEDULABLE = (S.SUBMITTED, S.FORCE_START)
#: The reason of a file whose VO has no share on its link (``failUnschedulable``, EPERM).
NO_SHARE = "No share configured for this VO"


def _activity(activity: str, shares: dict[str, float]) -> str:
    """The activity a file counts under: its own lower-cased, when configured; anything
    else (none, empty, unconfigured) is ``default``."""
    name = activity.lower()
    return name if name in shares and name != "default" else "default"


def _host(url: str) -> str:
    """The host part of a URL as the agent names log directories (port dropped)."""
    return url.split("/", 3)[2].partition("?")[0].partition(":")[0]


class _Group:
    """Files taking the same step at the same instant, in the order they were given it:
    one scheduled event for all of them (see :meth:`Daemon._at`). A member whose
    ``_pending`` entry is no longer this group was unscheduled, and is skipped."""

    __slots__ = ("step", "jobs", "files", "extras")

    def __init__(self, step: Callable[..., None]) -> None:
        self.step = step
        self.jobs: list[Job] = []
        self.files: list[File] = []
        self.extras: list[tuple] = []  # the step's arguments after the file (mostly ())

    def add(self, job: Job, file: File, extra: tuple) -> None:
        self.jobs.append(job)
        self.files.append(file)
        self.extras.append(extra)

    @staticmethod
    def run(daemon: Daemon, group: _Group, now: float) -> None:
        pending, step = daemon._pending, group.step
        for job, file, extra in zip(group.jobs, group.files, group.extras, strict=True):
            if pending.get(file.file_id) is group:
                del pending[file.file_id]
                step(daemon, job, file, *extra, now)
        for members in (group.jobs, group.files, group.extras):
            members.clear()  # ran: hold none of them any longer (nothing joins it now)


class Daemon:
    def __init__(self, state: FtsState, settings: DaemonSettings | None = None) -> None:
        self.state = state
        self.settings = settings or DaemonSettings()
        self.reset()

    def reset(self) -> None:
        self._pending: dict[int, ScheduledEvent | _Group] = {}  # file id -> its next event
        self._last: ScheduledEvent | None = None  # the last step scheduled (see _at)
        self._running: dict[int, File] = {}  # READY or ACTIVE, holding a slot
        self._running_on: dict[tuple[str, ...], int] = {}  # slots held per link and storage
        self._waiting = Waiting()  # files over a limit, per link
        self._minute: tuple[int, str, str] = (-1, "", "")  # log path date parts, per minute

    # --- entry points ------------------------------------------------------------

    def start(self, job: Job) -> None:
        now = self.state.clock.time()
        first: dict[str, list[File]] = {}  # the files' first steps, by the state they wait in
        for file in job.files:
            if file.file_state in _FIRST_STEP:
                first.setdefault(file.file_state, []).append(file)
        pending = self._pending
        for waiting_in, files in first.items():  # a group each: one event for the lot
            delay, action = self._first_step(waiting_in)
            if len(files) == 1:
                self._at(files[0], now + delay, action, job, files[0])
                continue
            group = self._joinable(now + delay, action)
            if group is None:
                group = _Group(action)
                self._last = self.state.scheduler.at(now + delay, _Group.run, self, group)
            for file in files:
                group.add(job, file, ())
                pending[file.file_id] = group
        for entry in job.dm:
            self.state.scheduler.after(self.settings.schedule_delay, self._delete_start, job, entry)
        if job.max_time_in_queue is not None:
            self.state.scheduler.at(
                job.max_time_in_queue,
                self._queue_timeout,
                job,
                (S.SUBMITTED, S.ACTIVE, S.STAGING),
                S.REASON_QUEUE_TIMEOUT,
            )
        global_hours = self.state.ops.config.max_time_queue(job.vo_name)
        if global_hours > 0:  # /config/global max_time_queue: only for jobs never started
            self.state.scheduler.at(
                job.submit_time + global_hours * 3600,
                self._queue_timeout,
                job,
                (S.SUBMITTED, S.STAGING),
                S.REASON_GLOBAL_QUEUE_TIMEOUT,
            )

    def _first_step(self, waiting_in: str) -> tuple[float, Callable[..., None]]:
        settings = self.settings
        if waiting_in == S.FORCE_START:
            return settings.start_delay, Daemon._ready
        if waiting_in == S.SUBMITTED:
            return settings.schedule_delay, Daemon._ready
        return settings.staging_delay, Daemon._stage

    def forget(self, file: File) -> None:
        """Drop the file's next event, its place in the queue and its slot (the REST
        layer canceled it)."""
        self._unschedule(file)
        self._waiting.discard(file)
        self._release(file, self.state.clock.time())

    def _unschedule(self, file: File) -> None:
        event = self._pending.pop(file.file_id, None)
        if isinstance(event, ScheduledEvent):  # a group skips a file it no longer holds
            event.cancel()

    def resume(self, job: Job, file: File, now: float) -> None:
        """A file put back to SUBMITTED/STAGING from outside (unban, force-start)."""
        self._enqueue(job, file, now)

    # --- scheduling ----------------------------------------------------------------

    def _at(
        self, file: File, when: float, step: Callable[..., None], job: Job, *args: object
    ) -> None:
        """Make ``step(self, job, *args, when)`` the file's next event (replacing any
        other); ``args`` starts with the file. ``step`` is the plain function
        (``Daemon._ready``), so an event holds no bound method of its own."""
        self._unschedule(file)
        group = self._joinable(when, step)
        if group is not None:
            group.add(job, file, args[1:])
            self._pending[file.file_id] = group
            return
        event = self._last = self.state.scheduler.at(when, step, self, job, *args)
        self._pending[file.file_id] = event

    def _joinable(self, when: float, step: Callable[..., None]) -> _Group | None:
        """The group of the last step scheduled, when it is ``step`` at ``when`` and
        nothing was scheduled after it at that instant (a plain event becomes a group's).

        Files taking the same step at the same instant share one event: the files of a
        job, or of jobs submitted together, move in step, and one event for thousands
        of them is less to schedule, hold and collect. Joining only the last event
        keeps the order: every file still runs where its own event would have."""
        last = self._last
        if (
            last is None
            or last.when != when
            or last.cancelled
            or not self.state.scheduler.is_last(last)
        ):
            return None
        action, held = last.action, last.args
        if action is _Group.run:
            group: _Group = held[1]
            return group if group.step is step else None
        if action is not step or self._pending.get(held[2].file_id) is not last:
            return None
        group = _Group(step)
        group.add(held[1], held[2], held[3:])
        last.action, last.args = _Group.run, (self, group)
        self._pending[held[2].file_id] = group
        return group

    def _enqueue(self, job: Job, file: File, now: float) -> None:
        waiting_in = file.file_state
        if waiting_in not in _FIRST_STEP:
            return
        delay, action = self._first_step(waiting_in)
        start = max(now, file.not_before) if waiting_in == S.SUBMITTED else now
        self._at(file, start + delay, action, job, file)  # FORCE_START skips the retry delay

    def _move(self, job: Job, file: File, new_state: str, now: float) -> None:
        if new_state not in (S.READY, S.ACTIVE):
            self._release(file, now)
        self.state.lifecycle.move(job, file, new_state, now)

    def _host(self, file: File) -> str:
        hosts = self.settings.transfer_hosts
        return hosts[file.file_id % len(hosts)]

    # --- transfers ---------------------------------------------------------------

    # --- concurrency limits --------------------------------------------------------

    @staticmethod
    def _slots(file: File) -> tuple[tuple[str, ...], ...]:
        """What a running transfer holds a slot of: its link and its two storages."""
        return (
            ("link", file.source_se, file.dest_se),
            ("outbound", file.source_se),
            ("inbound", file.dest_se),
        )

    def _limits(self, file: File) -> list[tuple[tuple[str, ...], int]]:
        """(what is limited, how many may run) for the file's link and storages."""
        config, optimizer = self.state.ops.config, self.state.ops.optimizer
        if not (config.links or config.storages or optimizer.current):
            return []  # nothing configured, nothing limits (the usual test)
        link, outbound, inbound = self._slots(file)
        limits = []
        pair = optimizer.active_for(file.source_se, file.dest_se)
        if pair is None:
            pair = config.link_limit(file.source_se, file.dest_se)
        if pair:
            limits.append((link, pair))
        for slot in (outbound, inbound):
            limit = config.storage_limit(slot[1], slot[0])
            if limit:
                limits.append((slot, limit))
        return limits

    def _has_slot(self, file: File) -> bool:
        limits = self._limits(file)
        if not limits:
            return True
        running = self._running_on
        return all(running.get(slot, 0) < limit for slot, limit in limits)

    def _hold(self, file: File) -> None:
        self._running[file.file_id] = file
        running = self._running_on
        for slot in self._slots(file):
            running[slot] = running.get(slot, 0) + 1

    def _release(self, file: File, now: float) -> None:
        """A transfer stopped holding its slot: start the best waiting file that fits."""
        if self._running.pop(file.file_id, None) is None:
            return
        running = self._running_on
        for slot in self._slots(file):
            running[slot] -= 1
        self._start_next(now)

    def priority_changed(self, job: Job) -> None:
        """``POST /jobs/<id>`` changed the job's priority: its waiting files follow."""
        self._waiting.reprioritise(job)

    def limits_changed(self, now: float) -> None:
        """A limit was raised or lifted (configuration, an optimizer decision): waiting
        files that fit now start at once, not only when another transfer ends."""
        self._start_next(now)

    def _start_next(self, now: float) -> None:
        """Slots are free: while a waiting file fits, the one the real scheduler would
        take next takes its slot now and starts at ``now``. The link goes first whose
        oldest waiting file is the oldest of those that fit; on it :meth:`_choose_from`
        picks. The real scheduler runs every link each cycle; the double starts files
        as slots free, so links take turns by their oldest waiting file."""
        waiting = self._waiting
        while waiting:
            fitting = [
                (arrival, link) for link, arrival, file in waiting.links() if self._has_slot(file)
            ]
            if not fitting:
                return
            entry = self._choose_from(min(fitting)[1])
            if entry.file.file_state not in _SCHEDULABLE:
                continue
            self._hold(entry.file)  # reserved: the next pass counts it
            self._at(entry.file, now, Daemon._ready, entry.job, entry.file)

    def _choose_from(self, link: tuple[str, str]) -> Entry:
        """On a busy link: a VO drawn by the VO shares (``VoShares.cpp:
        selectQueueForPair``), an activity drawn by the VO's activity shares
        (``MySqlAPI::getFilesNumPerActivity``), then the highest job priority, then the
        oldest file."""
        keys = list(self._waiting.buckets(link))
        config = self.state.ops.config
        vos = list(dict.fromkeys(key[0] for key in keys))
        if len(vos) > 1:
            weights = config.vo_weights(link[0], link[1], vos)
            vo = self._draw({v: w for v, w in weights.items() if w > 0} or weights)
            keys = [key for key in keys if key[0] == vo]
        shares = config.activity_weights(keys[0][0])
        if shares:
            present = {_activity(key[1], shares) for key in keys}
            if len(present) > 1:
                drawn = {a: shares.get(a, 0.0) for a in sorted(present)}
                if sum(drawn.values()) > 0:
                    activity = self._draw(drawn)
                    keys = [key for key in keys if _activity(key[1], shares) == activity]
        top = max(key[2] for key in keys)
        buckets = self._waiting.buckets(link)
        oldest = min((key for key in keys if key[2] == top), key=lambda k: buckets[k][0].arrival)
        return self._waiting.take(link, oldest)

    def _draw(self, weights: dict[str, float]) -> str:
        """One key with probability proportional to its weight (the state's seeded
        random source, so a seed gives the same choices)."""
        total = sum(weights.values())
        point = self.state.ids.uniform(0.0, total)
        for key, weight in weights.items():
            point -= weight
            if point < 0:
                return key
        return next(reversed(weights))

    def _ready(self, job: Job, file: File, now: float) -> None:
        if file.file_state not in _SCHEDULABLE:
            return
        config = self.state.ops.config
        if (
            config.shares
            and file.file_state == S.SUBMITTED
            and config.unschedulable(file.source_se, file.dest_se, file.vo_name)
        ):
            self._pending.pop(file.file_id, None)  # TransfersService: failUnschedulable
            self._failed(job, file, NO_SHARE, False, now)
            return
        if file.file_id not in self._running:  # else a slot was reserved for it
            if file.file_state == S.SUBMITTED and not self._has_slot(file):
                self._pending.pop(file.file_id, None)
                self._waiting.add(job, file)
                return
            self._hold(file)
        self._waiting.discard(file)  # force-started while it waited
        file.start_time = now
        file.transfer_host = self._host(file)
        self._move(job, file, S.READY, now)
        self._at(file, now + self.settings.start_delay, Daemon._active, job, file)

    def _active(self, job: Job, file: File, now: float) -> None:
        if file.file_state != S.READY:
            return
        ids = self.state.ids
        file.pid = ids.randint(1000, 65000)
        file.log_file = self._log_path(job, file, now)
        file.internal_file_params = _file_params(job.internal_job_params, job.timeout)
        self._move(job, file, S.ACTIVE, now)
        attempt = plan_attempt(
            job,
            file,
            last_hop=job.job_type != S.MULTIHOP or file is job.files[-1],
            retrying=file.retry > 0,
            settings=self.settings.transfer,
            uniform=ids.uniform,
            randint=ids.randint,
        )
        self._at(file, now + attempt.duration, Daemon._done, job, file, attempt.row())

    def _done(self, job: Job, file: File, planned: tuple, now: float) -> None:
        if file.file_state != S.ACTIVE:
            return
        self._pending.pop(file.file_id, None)
        attempt = Attempt(*planned)
        file.filesize = attempt.filesize
        file.tx_duration = round(attempt.duration, 3)
        if attempt.ok:
            file.throughput = (
                round(attempt.filesize / MiB / attempt.duration, 6) if attempt.duration else 0.0
            )
            if job.archive_timeout > -1 and (job.job_type != S.MULTIHOP or file is job.files[-1]):
                file.archive_start_time = now
                self._move(job, file, S.ARCHIVING, now)
                self._plan_archiving(job, file, now)
                return
            file.finish_time = now
            file.reason = None
            self._move(job, file, S.FINISHED, now)
            self._next_hop(job, file, now)
            return
        self._failed(job, file, attempt.reason, attempt.recoverable, now)

    def _failed(
        self, job: Job, file: File, reason: str | None, recoverable: bool, now: float
    ) -> None:
        if recoverable and file.retry < self.settings.max_retries(job):
            if file.retries is None:
                file.retries = []
            file.retries.append(
                RetryEntry(
                    file_id=file.file_id,
                    attempt=file.retry + 1,
                    datetime=now,
                    reason=reason,
                    transfer_host=file.transfer_host,
                    log_file=file.log_file,
                )
            )
            file.retry += 1
            file.recoverable = True
            file.reason = reason
            file.start_time = file.transfer_host = file.log_file = None
            file.pid = None
            delay = job.retry_delay if job.retry_delay > 0 else self.settings.default_retry_delay
            file.not_before = now + delay
            self._move(job, file, S.SUBMITTED, now)
            self._enqueue(job, file, now)
            return
        file.recoverable = recoverable
        file.reason = reason
        file.finish_time = now
        self._move(job, file, S.FAILED, now)
        self._next_replica(job, file, now)

    def _next_replica(self, job: Job, file: File, now: float) -> None:
        """Replica jobs: after a failure an unused replica starts (fts3
        ``MySqlAPI::useFileReplica``): for ``auto`` the link with the fewest SUBMITTED
        files of the VO (the first free one in file order, else the least queued, ties
        to the smaller (source, destination); ``getBestNextReplica``), for any other
        strategy the lowest file id."""
        if job.job_type != S.MULTIPLE_REPLICA or job.job_state in S.JOB_TERMINAL_STATES:
            return
        spares = [f for f in job.files if f.file_state == S.NOT_USED]
        if spares and file.selection_strategy == "auto":
            queued: dict[tuple[str, str], int] = {}
            for spare in spares:
                link = (spare.source_se, spare.dest_se)
                queued[link] = self.state.index.submitted_files(*link, job.vo_name)
                if queued[link] == 0:
                    break
            best = min(sorted(queued), key=queued.__getitem__)
            spares = [f for f in spares if (f.source_se, f.dest_se) == best]
        candidate = spares[0] if spares else None
        if candidate is not None:
            candidate.finish_time = None
            self._move(job, candidate, S.STAGING if job.is_staging else S.SUBMITTED, now)
            self._enqueue(job, candidate, now)

    def _next_hop(self, job: Job, file: File, now: float) -> None:
        if job.job_type != S.MULTIHOP:
            return
        position = job.files.index(file)
        if position + 1 < len(job.files):
            hop = job.files[position + 1]
            if hop.file_state == S.NOT_USED:
                hop.finish_time = None
                self._move(job, hop, S.SUBMITTED, now)
                self._enqueue(job, hop, now)

    # --- staging and archiving ---------------------------------------------------

    def _stage(self, job: Job, file: File, now: float) -> None:
        if file.file_state != S.STAGING:
            return
        file.staging_start = now
        file.staging_host = self._host(file)
        file.bringonline_token = str(self.state.ids.uuid4())
        self._move(job, file, S.STARTED, now)
        source = MockUrl(file.source_surl)
        delay = float(source.int("staging_time")) if source.is_mock else 5.0
        if job.bring_online > 0 and delay > job.bring_online:
            self._at(
                file,
                now + job.bring_online,
                Daemon._staging_failed,
                job,
                file,
                "SOURCE",
                E.ETIMEDOUT,
                "Bring-online timeout has been exceeded",
            )
            return
        code = source.int("staging_errno") if source.is_mock else 0
        if code:
            self._at(
                file, now + delay, Daemon._staging_failed, job, file, "SOURCE", code, strerror(code)
            )
        else:
            self._at(file, now + delay, Daemon._staged, job, file)

    def _staged(self, job: Job, file: File, now: float) -> None:
        if file.file_state != S.STARTED:
            return
        file.staging_finished = now
        if file.source_surl == file.dest_surl:  # stage-in only
            file.finish_time = now
            self._move(job, file, S.FINISHED, now)
            return
        self._move(job, file, S.SUBMITTED, now)
        self._enqueue(job, file, now)

    def _staging_failed(
        self, job: Job, file: File, scope: str, code: int, message: str, now: float
    ) -> None:
        if file.file_state != S.STARTED:
            return
        file.staging_finished = now
        self._failed(job, file, f"{scope} [{code}] {message}", False, now)

    def _plan_archiving(self, job: Job, file: File, now: float) -> None:
        dest = MockUrl(file.dest_surl)
        delay = float(dest.int("archiving_time")) if dest.is_mock else 10.0
        if job.archive_timeout > 0 and delay > job.archive_timeout:
            self._at(
                file,
                now + job.archive_timeout,
                Daemon._archived,
                job,
                file,
                "DESTINATION [110] Archiving timeout has been exceeded",
            )
            return
        code = dest.int("archiving_errno") if dest.is_mock else 0
        reason = f"DESTINATION [{code}] {strerror(code)}" if code else None
        self._at(file, now + delay, Daemon._archived, job, file, reason)

    def _archived(self, job: Job, file: File, failure: str | None, now: float) -> None:
        if file.file_state != S.ARCHIVING:
            return
        file.archive_finish_time = now
        file.finish_time = now
        file.reason = failure
        self._move(job, file, S.FAILED if failure else S.FINISHED, now)

    # --- deletion jobs (legacy generation) -----------------------------------------

    def _delete_start(self, job: Job, entry: DmEntry, now: float) -> None:
        if entry.file_state != S.DELETE:
            return
        self.state.lifecycle.move_dm(entry, S.STARTED)
        entry.start_time = now
        entry.dmhost = self.settings.transfer_hosts[
            entry.file_id % len(self.settings.transfer_hosts)
        ]
        self.state.scheduler.at(now + 1.0, self._delete_done, job, entry)

    def _delete_done(self, job: Job, entry: DmEntry, now: float) -> None:
        if entry.file_state != S.STARTED:
            return
        url = MockUrl(entry.source_surl)
        code = url.int("errno") if url.is_mock else 0
        entry.finish_time, entry.tx_duration = now, round(now - (entry.start_time or now), 3)
        lifecycle = self.state.lifecycle
        if code:
            lifecycle.move_dm(entry, S.FAILED)
            entry.reason = f"SOURCE [{code}] {strerror(code)}"
        else:
            lifecycle.move_dm(entry, S.FINISHED)
        if job.job_state in S.JOB_TERMINAL_STATES:  # canceled meanwhile: it stays so
            return
        if all(e.file_state in S.FILE_TERMINAL_STATES for e in job.dm):
            outcomes = {e.file_state for e in job.dm}
            if outcomes == {S.FINISHED}:
                lifecycle.end_job(job, S.FINISHED, None, now)
            else:
                ended = S.FINISHEDDIRTY if S.FINISHED in outcomes else S.FAILED
                lifecycle.end_job(job, ended, S.REASON_FILES_FAILED, now)
            for e in job.dm:
                e.job_finished = now

    # --- queue expiry ------------------------------------------------------------

    def _queue_timeout(
        self, job: Job, applies_to: tuple[str, ...], reason: str, now: float
    ) -> None:
        if job.job_state not in applies_to:
            return
        lifecycle, path = self.state.lifecycle, queue_expiry(reason)
        for file in job.files:
            if file.file_state in S.FILE_QUEUED_STATES and not (
                file.file_state == S.NOT_USED and job.job_type == S.MULTIHOP
            ):
                lifecycle.cancel_file(file, path, now)
        lifecycle.rederive(job, now)

    # --- details the real agent writes ---------------------------------------------

    def _log_path(self, job: Job, file: File, now: float) -> str:
        minute = int(now // 60)
        if self._minute[0] != minute:  # format the date once a minute, not once a file
            moment = datetime.fromtimestamp(now, tz=timezone.utc)
            self._minute = (minute, f"{moment:%Y-%m-%d}", f"{moment:%Y-%m-%d-%H%M}")
        _, day, stamp = self._minute
        src, dst = _host(file.source_surl), _host(file.dest_surl)
        return (
            f"/var/log/fts3/transfers/{day}/{src}__{dst}/"
            f"{stamp}__{src}__{dst}__{file.file_id}__{job.job_id}"
        )


@functools.lru_cache(maxsize=256)
def _file_params(internal_job_params: str | None, timeout: int | None) -> str:
    """What the agent records per transfer: the same for every job with these
    parameters."""
    params = dict(p.split(":", 1) for p in (internal_job_params or "").split(",") if ":" in p)
    return "nostreams:{},timeout:{},buffersize:{}".format(
        params.get("nostreams", 1),
        params.get("timeout", timeout or 3600),
        params.get("buffersize", 0),
    )
