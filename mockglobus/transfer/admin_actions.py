"""Endpoint-manager actions on other users' tasks: admin cancel, pause and resume."""

from __future__ import annotations

from typing import Any

from mockcore.locking import settled
from mockcore.state import ServiceState
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller
from mockglobus.transfer.base import MANAGER_ROLES, Lookups, object_body
from mockglobus.transfer.endpoint_manager import EndpointManager
from mockglobus.transfer.engine import TaskEngine
from mockglobus.transfer.tables import AdminAction, Tables
from mockglobus.transfer.tasks import Task


class AdminActions:
    """Needs the activity_manager (or administrator) role on a side of every task named
    (which sides: ``manager``); the ``engine`` cancels, pauses and resumes."""

    def __init__(
        self,
        state: ServiceState,
        tables: Tables,
        lookups: Lookups,
        manager: EndpointManager,
        engine: TaskEngine,
    ) -> None:
        self.state = state
        self.t = tables
        self.lookups = lookups
        self.manager = manager
        self.engine = engine

    def _admin_batch(
        self, caller: Caller, body: Any, kind: str, need_message: bool
    ) -> tuple[list[Task], str, list[list[str]]]:
        body = object_body(body, f"Expected an {kind} document")
        ids = body.get("task_id_list")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise E.BadRequest("task_id_list must be a non-empty list of task ids")
        message = body.get("message", "")
        if need_message and (not isinstance(message, str) or not message.strip()):
            raise E.BadRequest("message is required")
        tasks: list[Task] = []
        sides: list[list[str]] = []
        for tid in ids:
            task = self.t.tasks.get(tid)
            side = self.manager.admin_sides(caller, task, MANAGER_ROLES) if task else []
            if task is None or not side:
                raise E.PermissionDenied(
                    f"You do not have the activity_manager role for task {tid}"
                )
            tasks.append(task)
            sides.append(side)
        return tasks, message or "", sides

    def _action(
        self, kind: str, message: str, tasks: list[Task], caller: Caller, now: float
    ) -> AdminAction:
        return AdminAction(
            next(self.t.admin_ids),
            kind,
            message,
            [t.task_id for t in tasks],
            caller.identity_id,
            now,
        )

    @settled
    def endpoint_manager_cancel_tasks(self, caller: Caller, body: Any) -> dict[str, Any]:
        tasks, message, sides = self._admin_batch(caller, body, "admin_cancel", True)
        now = self.lookups.now()
        for task, side in zip(tasks, sides, strict=True):
            if not task.done:
                who = "BOTH" if len(side) == 2 else side[0]
                self.engine.cancel(task, now, by_admin=who, message=message)
        action = self._action("admin_cancel", message, tasks, caller, now)
        self.t.admin_actions[action.id] = action  # only cancels have a status route
        return action.document()

    @settled
    def endpoint_manager_cancel_status(self, caller: Caller, action_id: str) -> dict[str, Any]:
        try:
            action = self.t.admin_actions[int(action_id)]
        except (KeyError, ValueError):
            raise E.NotFound(f"Admin cancel '{action_id}' not found") from None
        if action.kind != "admin_cancel" or action.created_by != caller.identity_id:
            raise E.NotFound(f"Admin cancel '{action_id}' not found")
        return action.document()

    @settled
    def endpoint_manager_pause_tasks(self, caller: Caller, body: Any) -> dict[str, Any]:
        return self._set_pause(caller, body, "admin_pause", pausing=True)

    @settled
    def endpoint_manager_resume_tasks(self, caller: Caller, body: Any) -> dict[str, Any]:
        return self._set_pause(caller, body, "admin_resume", pausing=False)

    def _set_pause(self, caller: Caller, body: Any, kind: str, *, pausing: bool) -> dict[str, Any]:
        """Pausing needs a message (the owner is shown it); resuming does not."""
        tasks, message, _ = self._admin_batch(caller, body, kind, need_message=pausing)
        now = self.lookups.now()
        for task in tasks:
            if not task.done:
                self.engine.set_admin_pause(task, message if pausing else None, now)
        return self._action(kind, message, tasks, caller, now).document()
