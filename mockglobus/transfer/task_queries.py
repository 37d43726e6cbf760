"""What an owner can ask about tasks: a task, the task list, events, transfers, skipped errors, pause info."""

from __future__ import annotations

import heapq
import itertools
from typing import Any

from mockcore.locking import settled
from mockcore.state import ServiceState
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller
from mockglobus.transfer.base import Lookups
from mockglobus.transfer.query import (
    StringMatch,
    TimeRange,
    bool_param,
    int_param,
    parse_orderby,
    sort_by,
    split_clauses,
)
from mockglobus.transfer.tables import Tables
from mockglobus.transfer.tasks import Task

TASK_FILTER_FIELDS = ("task_id", "type", "status", "label", "request_time", "completion_time")
TASK_ORDER_FIELDS = (
    "task_id",
    "type",
    "status",
    "label",
    "request_time",
    "completion_time",
    "deadline",
    "owner_id",
    "source_endpoint_id",
    "destination_endpoint_id",
    "bytes_transferred",
    "files",
    "faults",
)
STATUSES = ("ACTIVE", "INACTIVE", "SUCCEEDED", "FAILED")


class TaskQueries:
    """Read-only views; paged by offset/limit or by marker, like the real routes. The
    endpoint manager pages the same way (:meth:`paged_events`, :meth:`marker_page`,
    :meth:`pause_info`)."""

    def __init__(self, state: ServiceState, tables: Tables, lookups: Lookups) -> None:
        self.state = state
        self.t = tables
        self.lookups = lookups

    @settled
    def get_task(self, caller: Caller, task_id: str) -> dict[str, Any]:
        return self.lookups.task_doc(self.lookups.own_task(caller, task_id))

    @settled
    def task_list(
        self,
        caller: Caller,
        *,
        limit: str | None = None,
        offset: str | None = None,
        orderby: str | None = None,
        filter: str | None = None,
    ) -> dict[str, Any]:
        lim = int_param(limit, "limit", default=10, minimum=1, maximum=1000)
        off = int_param(offset, "offset", default=0)
        order = parse_orderby(orderby, TASK_ORDER_FIELDS)
        clauses = split_clauses(filter or "", TASK_FILTER_FIELDS)
        checks = self._task_checks(clauses)  # validates every clause first
        if not order and "task_id" not in clauses and set(clauses) <= {"status"}:
            total, page = self._indexed_page(caller.identity_id, clauses.get("status"), off, lim)
            return {
                "DATA_TYPE": "task_list",
                "DATA": [self.lookups.task_doc(t) for t in page],
                "length": len(page),
                "limit": lim,
                "offset": off,
                "total": total,
            }
        owned = self.t.tasks_by_owner.get(caller.identity_id, [])
        if "task_id" in clauses:
            ids = [i for i in clauses["task_id"].split(",") if i]
            if len(ids) > 50:
                raise E.BadRequest("At most 50 task ids may be given in a task_id filter")
            candidates = [
                self.t.tasks[i]
                for i in dict.fromkeys(ids)
                if i in self.t.tasks and self.t.tasks[i].owner_id == caller.identity_id
            ]
        else:
            candidates = owned
        chosen = [t for t in candidates if all(c(t) for c in checks)]
        if order:
            docs_key = self._task_sort_key
            chosen = sort_by(chosen, order, docs_key)
        else:
            chosen = list(reversed(chosen))  # newest first
        page = chosen[off : off + lim]
        return {
            "DATA_TYPE": "task_list",
            "DATA": [self.lookups.task_doc(t) for t in page],
            "length": len(page),
            "limit": lim,
            "offset": off,
            "total": len(chosen),
        }

    def _indexed_page(
        self, owner: str, status: str | None, off: int, lim: int
    ) -> tuple[int, list[Task]]:
        """The total and one page, newest first, read from the indexes of
        :class:`~.tables.Tables` without visiting the tasks before the page."""
        if status is None:
            lists = [self.t.tasks_by_owner.get(owner, [])]
        else:
            wanted = {v.upper() for v in status.split(",") if v}
            lists = [
                self.t.tasks_by_owner_status.get((owner, s), []) for s in STATUSES if s in wanted
            ]
        total = sum(len(x) for x in lists)
        if len(lists) == 1:  # one list in seq order: slice it from its end
            end = max(total - off, 0)
            return total, lists[0][max(end - lim, 0) : end][::-1]
        newest_first = heapq.merge(*(reversed(x) for x in lists), key=_seq, reverse=True)
        return total, list(itertools.islice(newest_first, off, off + lim))

    def _task_sort_key(self, task: Task, name: str) -> Any:
        if name in ("request_time", "completion_time", "deadline"):
            value = getattr(task, name)
            return None if value is None else (value, task.seq)
        if name == "source_endpoint_id":
            return task.source_id
        if name == "destination_endpoint_id":
            return task.destination_id
        if name == "bytes_transferred":
            return task.bytes_done
        return getattr(task, name)

    @staticmethod
    def _task_checks(clauses: dict[str, str]) -> list:
        checks = []
        for key, value in clauses.items():
            if key == "type":
                kinds = {v.upper() for v in value.split(",") if v}
                bad = kinds - {"TRANSFER", "DELETE"}
                if bad:
                    raise E.BadRequest(f"Invalid filter type '{','.join(sorted(bad))}'")
                checks.append(lambda t, k=kinds: t.type in k)
            elif key == "status":
                states = {v.upper() for v in value.split(",") if v}
                bad = states - set(STATUSES)
                if bad:
                    raise E.BadRequest(f"Invalid filter status '{','.join(sorted(bad))}'")
                checks.append(lambda t, s=states: t.status in s)
            elif key == "label":
                match = StringMatch.parse(value)
                checks.append(lambda t, m=match: m(t.label))
            elif key in ("request_time", "completion_time"):
                rng = TimeRange.parse(value, key)
                checks.append(lambda t, r=rng, f=key: r(getattr(t, f)))  # type: ignore[misc]
        return checks

    def paged_events(
        self, task: Task, limit: str | None, offset: str | None, filter: str | None
    ) -> dict[str, Any]:
        lim = int_param(limit, "limit", default=10, minimum=1, maximum=1000)
        off = int_param(offset, "offset", default=0)
        clauses = split_clauses(filter or "", ("is_error",))
        events = [] if task.history_deleted(self.lookups.now()) else list(reversed(task.events))
        if "is_error" in clauses:
            want = bool_param(clauses["is_error"], "is_error", default=True)
            events = [e for e in events if e.is_error == want]
        page = events[off : off + lim]
        return {
            "DATA_TYPE": "event_list",
            "DATA": [e.document() for e in page],
            "length": len(page),
            "limit": lim,
            "offset": off,
            "total": len(events),
        }

    @settled
    def task_event_list(
        self,
        caller: Caller,
        task_id: str,
        *,
        limit: str | None = None,
        offset: str | None = None,
        filter: str | None = None,
    ) -> dict:
        return self.paged_events(self.lookups.own_task(caller, task_id), limit, offset, filter)

    def marker_page(
        self, task: Task, rows: list[dict], data_type: str, marker: str | None
    ) -> dict[str, Any]:
        start = int_param(marker, "marker", default=0)
        if task.history_deleted(self.lookups.now()):
            rows = []
        size = 100
        page = rows[start : start + size]
        more = start + size < len(rows)
        return {
            "DATA_TYPE": data_type,
            "marker": start,
            "next_marker": start + size if more else None,
            "DATA": page,
        }

    @settled
    def task_successful_transfers(
        self, caller: Caller, task_id: str, marker: str | None = None
    ) -> dict[str, Any]:
        task = self.lookups.own_task(caller, task_id)
        return self.marker_page(task, task.successful, "successful_transfers", marker)

    @settled
    def task_skipped_errors(
        self, caller: Caller, task_id: str, marker: str | None = None
    ) -> dict[str, Any]:
        task = self.lookups.own_task(caller, task_id)
        return self.marker_page(task, task.skipped, "skipped_errors", marker)

    @settled
    def task_pause_info(self, caller: Caller, task_id: str) -> dict[str, Any]:
        return self.pause_info(self.lookups.own_task(caller, task_id))

    def pause_info(self, task: Task) -> dict[str, Any]:
        rules = [
            self.t.pause_rules[r].document(limited=True)
            for r in task.paused_by_rules
            if r in self.t.pause_rules
        ]
        admin_msg = task.admin_paused_message
        return {
            "DATA_TYPE": "pause_info_limited",
            "pause_rules": rules,
            "source_pause_message": admin_msg,
            "destination_pause_message": admin_msg if task.type == "TRANSFER" else None,
            "source_pause_message_share": None,
            "destination_pause_message_share": None,
        }

    @settled
    def my_effective_pause_rule_list(self, caller: Caller, endpoint_id: str) -> dict:
        coll = self.lookups.collection(endpoint_id)
        now = self.lookups.now()
        data = [
            r.document(limited=True)
            for r in self.t.pause_rules.values()
            if r.endpoint_id in (coll.id, coll.host_id)
            and r.active(now)
            and r.applies_to(caller.identity_id)
        ]
        return {"DATA_TYPE": "pause_rule_list", "DATA": data}


def _seq(task: Task) -> int:
    return task.seq
