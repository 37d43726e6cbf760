"""Running tasks on the virtual clock: submission, expansion, subtasks, retries,
pauses, deadlines and cancellation.

A task waits in its owner's queue (at most ``max_active_tasks_per_user`` transfers
and as many deletes run at once; the rest show ``nice_status: Queued``), starts
``startup_delay_s`` later, expands its items into subtasks (:class:`Op`) against the
source as it is at that moment, then runs them one after another: a file takes
``file_overhead_s + size / bytes_per_second``, anything else ``op_overhead_s``. Each
subtask acts on the virtual filesystems when it completes, so what a task does follows
from the files that exist and the permissions the owner has at that time.

Fatal errors (source FILE_NOT_FOUND / PERMISSION_DENIED unless ``skip_source_errors``,
destination PERMISSION_DENIED, EXTERNAL_CHECKSUM_MISMATCH, QUOTA_EXCEEDED with
``fail_on_quota_errors``) end the task FAILED; transient ones (injected faults,
disconnected GCP, quota without ``fail_on_quota_errors``, checksum verification
failures) are retried every ``retry_delay_s`` until the deadline.
"""

from __future__ import annotations

from functools import partial

from mockcore.state import ServiceState
from mockglobus.transfer.expansion import Expansion
from mockglobus.transfer.outcome import Outcome, describe
from mockglobus.transfer.subtasks import Subtasks
from mockglobus.transfer.tables import Settings, Tables
from mockglobus.transfer.tasks import ACTIVE, FAILED, INACTIVE, SUCCEEDED, Task

PAUSE_DEADLINE_S = 90 * 86_400.0
UNPAUSE_DEADLINE_S = 86_400.0


class TaskEngine:
    """Runs every task of one Transfer model on the virtual clock of ``state``: queues,
    pauses, deadlines and the end of tasks here; ``expansion`` plans a task's subtasks
    when it starts, ``subtasks`` runs each one. Tasks come from
    :class:`~.submission.Submission` (:meth:`enqueue`)."""

    def __init__(
        self,
        state: ServiceState,
        tables: Tables,
        settings: Settings,
        expansion: Expansion,
        subtasks: Subtasks,
    ) -> None:
        self.state = state
        self.t = tables
        self.settings = settings
        self.expansion = expansion
        self.subtasks = subtasks

    def enqueue(self, task: Task, when: float) -> None:
        """Take a task just recorded: its deadline, the pause rules that hold it, its
        place in its owner's queue."""
        self._schedule_deadline(task)
        self._evaluate_pause(task, when, quiet=True)
        self.t.queued[(task.owner_id, task.type)].append(task)
        self._dispatch(task.owner_id, task.type, when)

    def _dispatch(self, owner: str, kind: str, when: float) -> None:
        running = self.t.running[(owner, kind)]
        queue = self.t.queued[(owner, kind)]
        while queue and len(running) < self.settings.max_active_tasks_per_user:
            task = queue.popleft()
            if task.done:
                continue
            running.add(task.task_id)
            task.pending_event = self.state.scheduler.at(
                when + self.settings.startup_delay_s, partial(self._begin, task)
            )

    def _schedule_deadline(self, task: Task) -> None:
        if task.deadline_event is not None:
            task.deadline_event.cancel()
        task.deadline_event = self.state.scheduler.at(
            max(task.deadline, task.request_time), partial(self._expire, task)
        )

    def set_deadline(self, task: Task, deadline: float, *, explicit: bool) -> None:
        task.deadline = deadline
        task.explicit_deadline = task.explicit_deadline or explicit
        self._schedule_deadline(task)

    def _begin(self, task: Task, when: float) -> None:
        task.pending_event = None
        if task.done:
            return
        task.started = True
        task.nice_status = "OK"
        task.add_event(
            when,
            "STARTED",
            details={
                "type": "GridFTP Transfer" if task.type == "TRANSFER" else "Delete",
                "concurrency": 2,
                "parallelism": 4,
                "pipelining": 20,
            },
        )
        try:
            self.expansion.expand(task, when)
        except Outcome as out:
            self._fail(task, when, out)
            return
        task.expanded = True
        self._next(task, when)

    def _next(self, task: Task, when: float) -> None:
        if not task.running or task.pending_event is not None:
            return
        if task.cursor >= len(task.ops):
            self._succeed(task, when)
            return
        op = task.ops[task.cursor]
        s = self.settings
        took = (
            (s.file_overhead_s + op.size / s.bytes_per_second)
            if op.kind == "copy"
            else s.op_overhead_s
        )
        task.op_started_at = when
        task.pending_event = self.state.scheduler.at(when + took, partial(self._complete, task))

    def _complete(self, task: Task, when: float) -> None:
        task.pending_event = None
        if not task.running:
            return
        op = task.ops[task.cursor]
        op.attempts += 1
        try:
            self.subtasks.run(task, op, when)
        except Outcome as out:
            task.op_started_at = None
            if out.how == "skip":
                self.subtasks.record_skip(task, op, out, when)
                task.cursor += 1
                self._next(task, when)
            elif out.how == "retry":
                task.faults += 1
                task.subtasks_retrying = 1
                task.nice_status = out.code
                task.add_event(when, out.code, is_error=True, details=out.details)
                task.pending_event = self.state.scheduler.at(
                    when + self.settings.retry_delay_s, partial(self._retry, task)
                )
            elif out.how == "inactive":
                task.faults += 1
                task.nice_status = out.code
                task.inactive_reason = out.code
                task.add_event(when, out.code, is_error=True, details=out.details)
                self.t.move_task(task, INACTIVE)
            else:
                task.subtasks_failed += 1
                task.cursor += 1
                self._fail(task, when, out)
            return
        task.op_started_at = None
        task.cursor += 1
        task.subtasks_succeeded += 1
        if task.nice_status not in ("OK",):
            task.nice_status = "OK"
        self._maybe_progress(task, when)
        self._next(task, when)

    def _retry(self, task: Task, when: float) -> None:
        task.pending_event = None
        task.subtasks_retrying = 0
        self._next(task, when)

    def _maybe_progress(self, task: Task, when: float) -> None:
        last = next(
            (e.time for e in reversed(task.events) if e.code in ("PROGRESS", "STARTED")),
            task.request_time,
        )
        if when - last >= self.settings.progress_interval_s and task.type == "TRANSFER":
            task.add_event(
                when,
                "PROGRESS",
                details={
                    "bytes_transferred": task.bytes_done,
                    "files_transferred": task.files_transferred,
                },
            )

    def _close(self, task: Task, when: float, status: str) -> None:
        for handle in (task.pending_event, task.deadline_event):
            if handle is not None:
                handle.cancel()
        task.pending_event = task.deadline_event = None
        self.t.move_task(task, status)
        task.completion_time = when
        task.op_started_at = None
        task.nice_status = None
        task.subtasks_retrying = 0
        for eid in task.endpoint_ids:
            self.t.active_by_endpoint[eid].pop(task.task_id, None)
        key = (task.owner_id, task.type)
        self.t.running[key].discard(task.task_id)
        self._dispatch(task.owner_id, task.type, when)

    def _succeed(self, task: Task, when: float) -> None:
        if task.skipped:
            task.add_event(
                when,
                "SKIPPED_ERRORS",
                details=(
                    f"{len(task.skipped)} path(s) were skipped because of errors; see "
                    "skipped_errors"
                ),
            )
        task.add_event(
            when,
            "SUCCEEDED",
            details={
                "files_succeeded": task.files_transferred,
                "bytes_transferred": task.bytes_done,
            },
        )
        self._close(task, when, SUCCEEDED)

    def _fail(self, task: Task, when: float, out: Outcome) -> None:
        task.faults += 1
        task.add_event(when, out.code, is_error=True, details=out.details)
        task.fatal_error = {"code": out.code, "description": describe(out.code)}
        task.subtasks_failed += task.subtasks_pending
        self._close(task, when, FAILED)

    def _expire(self, task: Task, when: float) -> None:
        task.deadline_event = None
        if task.done:
            return
        task.add_event(
            when,
            "EXPIRED",
            is_error=True,
            details="The task reached its deadline before completing",
        )
        task.fatal_error = {"code": "EXPIRED", "description": "The task expired"}
        task.subtasks_expired += task.subtasks_pending + task.subtasks_retrying
        task.subtasks_retrying = 0
        self._close(task, when, FAILED)

    def cancel(self, task: Task, when: float, *, by_admin: str | None, message: str | None) -> None:
        if by_admin:
            task.canceled_by_admin = by_admin
            task.canceled_by_admin_message = message
            details = f"Canceled by an administrator of the {by_admin.lower()} endpoint"
            if message:
                details += f": {message}"
        else:
            details = "Canceled by the task owner"
        task.add_event(when, "CANCELED", is_error=True, details=details)
        task.fatal_error = {"code": "CANCELED", "description": "The task was canceled"}
        task.subtasks_canceled += task.subtasks_pending + task.subtasks_retrying
        task.subtasks_retrying = 0
        self._close(task, when, FAILED)

    def forget(self, task: Task) -> None:
        self.t.remove_task(task)

    def reactivate(self, task: Task, when: float) -> None:
        if task.status != INACTIVE:
            return
        self.t.move_task(task, ACTIVE)
        task.inactive_reason = None
        task.nice_status = "OK"
        self._next(task, when)

    def _matching_rules(self, task: Task, when: float) -> list[str]:
        ids = []
        sides = [
            (
                task.source_id,
                "pause_task_delete" if task.type == "DELETE" else "pause_task_transfer_read",
            )
        ]
        if task.destination_id:
            sides.append((task.destination_id, "pause_task_transfer_write"))
        for eid, flag in sides:
            coll = self.t.collections.get(eid)
            targets = {eid, coll.host_id} if coll is not None else {eid}
            for rule in self.t.pause_rules.values():
                if (
                    rule.endpoint_id in targets
                    and rule.flags.get(flag)
                    and rule.active(when)
                    and rule.applies_to(task.owner_id)
                    and rule.id not in ids
                ):
                    ids.append(rule.id)
        return ids

    def _evaluate_pause(self, task: Task, when: float, *, quiet: bool = False) -> None:
        was = task.is_paused
        task.paused_by_rules = self._matching_rules(task, when)
        self._pause_changed(task, was, when, quiet=quiet)

    def _pause_changed(self, task: Task, was: bool, when: float, *, quiet: bool = False) -> None:
        now_paused = task.is_paused
        if was == now_paused:
            return
        if now_paused:
            if task.pending_event is not None and task.started:
                task.pending_event.cancel()
                task.pending_event = None
                task.op_started_at = None
                task.subtasks_retrying = 0
            task.add_event(
                when, "PAUSED", details="The task was paused by a pause rule or an administrator"
            )
            self.set_deadline(task, when + PAUSE_DEADLINE_S, explicit=False)
        else:
            task.add_event(when, "UNPAUSED", details="The task was resumed")
            self.set_deadline(task, when + UNPAUSE_DEADLINE_S, explicit=False)
            if task.started and task.expanded:
                self._next(task, when)
            elif task.started and not task.expanded and task.pending_event is None:
                self._begin(task, when)

    def rules_changed(self, endpoint_id: str, when: float) -> None:
        affected: dict[str, Task] = {}
        affected.update(self.t.active_by_endpoint.get(endpoint_id, {}))
        for coll in self.t.collections.values():  # guests of a paused host are paused too
            if coll.host_id == endpoint_id:
                affected.update(self.t.active_by_endpoint.get(coll.id, {}))
        for task in list(affected.values()):
            if not task.done:
                self._evaluate_pause(task, when)

    def set_admin_pause(self, task: Task, message: str | None, when: float) -> None:
        was = task.is_paused
        task.admin_paused_message = message
        self._pause_changed(task, was, when)


__all__ = ["PAUSE_DEADLINE_S", "UNPAUSE_DEADLINE_S", "TaskEngine"]
