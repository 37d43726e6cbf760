"""Submitting tasks (with their submission ids) and changing them: update, cancel, remove."""

from __future__ import annotations

from typing import Any

from mockcore.locking import settled
from mockcore.state import ServiceState
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller
from mockglobus.transfer.base import Lookups, object_body, result
from mockglobus.transfer.engine import TaskEngine
from mockglobus.transfer.submission import Submission, check_label, parse_deadline
from mockglobus.transfer.tables import Tables


class TaskOps:
    """The owner's side of a task's life: ``submission`` checks and records new tasks,
    the ``engine`` runs, cancels and forgets them."""

    def __init__(
        self,
        state: ServiceState,
        tables: Tables,
        lookups: Lookups,
        submission: Submission,
        engine: TaskEngine,
    ) -> None:
        self.state = state
        self.t = tables
        self.lookups = lookups
        self.submission = submission
        self.engine = engine

    @settled
    def get_submission_id(self, caller: Caller) -> dict[str, Any]:
        value = str(self.state.ids.uuid1())
        self.t.issued_submission_ids.add(value)
        return {"DATA_TYPE": "submission_id", "value": value}

    @settled
    def submit_transfer(self, caller: Caller, body: Any) -> dict[str, Any]:
        return self.submission.submit(caller, body, "TRANSFER")

    @settled
    def submit_delete(self, caller: Caller, body: Any) -> dict[str, Any]:
        return self.submission.submit(caller, body, "DELETE")

    @settled
    def update_task(self, caller: Caller, task_id: str, body: Any) -> dict[str, Any]:
        task = self.lookups.own_task(caller, task_id)
        body = object_body(body, "Expected a task document")
        unknown = set(body) - {"DATA_TYPE", "label", "deadline", "task_id"}
        if unknown:
            raise E.BadRequest(
                "Only label and deadline may be updated; got " + ", ".join(sorted(unknown))
            )
        if task.done:
            raise E.Conflict(f"Task {task.task_id} is complete and cannot be updated")
        if "label" in body:
            task.label = check_label(body["label"])
        if "deadline" in body:
            self.engine.set_deadline(task, parse_deadline(body["deadline"]), explicit=True)
        return result("Updated", "Updated task successfully")

    @settled
    def cancel_task(self, caller: Caller, task_id: str) -> dict[str, Any]:
        task = self.lookups.own_task(caller, task_id)
        if task.done:
            return result(
                "TaskComplete",
                "The task completed before the cancel request "
                "was processed; there is nothing to cancel.",
            )
        self.engine.cancel(task, self.lookups.now(), by_admin=None, message=None)
        return result("Canceled", "The task has been cancelled successfully.")

    @settled
    def remove_task(self, caller: Caller, task_id: str) -> dict[str, Any]:
        task = self.lookups.own_task(caller, task_id)
        if not task.done:
            raise E.Conflict(f"Task {task.task_id} is still running; cancel it first")
        self.engine.forget(task)
        return result("Removed", "The task has been removed successfully.")
