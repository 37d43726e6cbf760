"""``/endpoint_manager``: what administrators and activity monitors see of endpoints and tasks."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import Any

from mockcore.locking import settled
from mockcore.state import ServiceState
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller
from mockglobus.transfer.base import MONITOR_ROLES, Lookups
from mockglobus.transfer.identity import TransferAuth
from mockglobus.transfer.query import TimeRange, bool_param, int_param
from mockglobus.transfer.tables import Tables
from mockglobus.transfer.task_queries import STATUSES, TaskQueries
from mockglobus.transfer.tasks import ACTIVE, INACTIVE, Task


class EndpointManager:
    """Monitoring views over every task touching an endpoint the caller administers or
    monitors; pages like the owner's views (``queries``); ``auth`` says whether an
    identity exists."""

    def __init__(
        self,
        state: ServiceState,
        tables: Tables,
        lookups: Lookups,
        queries: TaskQueries,
        auth: TransferAuth,
    ) -> None:
        self.state = state
        self.t = tables
        self.lookups = lookups
        self.queries = queries
        self.auth = auth

    def admin_sides(self, caller: Caller, task: Task, roles: tuple[str, ...]) -> list[str]:
        sides = []
        if self.lookups.admin_of(caller, self.t.collections.get(task.source_id), roles):
            sides.append("SOURCE")
        if task.destination_id and self.lookups.admin_of(
            caller, self.t.collections.get(task.destination_id), roles
        ):
            sides.append("DESTINATION")
        return sides

    def _admin_task(
        self, caller: Caller, task_id: str, roles: tuple[str, ...] = MONITOR_ROLES
    ) -> Task:
        task = self.t.tasks.get(str(task_id))
        if task is None or not self.admin_sides(caller, task, roles):
            raise E.NotFound(f"Task {task_id} not found")
        return task

    @settled
    def endpoint_manager_monitored_endpoints(self, caller: Caller) -> dict[str, Any]:
        data = [
            self.lookups.endpoint_doc(c, caller)
            for c in self.t.collections.values()
            if not c.deleted and set(self.lookups.roles(c, caller)) & set(MONITOR_ROLES)
        ]
        return {"DATA_TYPE": "endpoint_list", "DATA": data}

    @settled
    def endpoint_manager_hosted_endpoint_list(
        self, caller: Caller, endpoint_id: str
    ) -> dict[str, Any]:
        host = self.lookups.collection(endpoint_id)
        self.lookups.require_monitor(caller, host)
        data = [
            self.lookups.endpoint_doc(c, caller)
            for c in self.t.collections.values()
            if c.host_id == host.id and not c.deleted
        ]
        return {"DATA_TYPE": "endpoint_list", "DATA": data}

    @settled
    def endpoint_manager_get_endpoint(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        coll = self.lookups.collection(endpoint_id)
        self.lookups.require_monitor(caller, coll)
        return self.lookups.endpoint_doc(coll, caller)

    @settled
    def endpoint_manager_acl_list(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        coll = self.lookups.collection(endpoint_id)
        self.lookups.require_monitor(caller, coll)
        return self.lookups.access_list(coll)

    @settled
    def endpoint_manager_task_list(
        self, caller: Caller, args: dict[str, str | None]
    ) -> dict[str, Any]:
        lim = int_param(args.get("limit"), "limit", default=1000, minimum=1, maximum=1000)
        statuses = {s for s in (args.get("filter_status") or "").upper().split(",") if s}
        if statuses - set(STATUSES):
            raise E.BadRequest(f"Invalid filter_status '{args.get('filter_status')}'")
        task_ids = [i for i in (args.get("filter_task_id") or "").split(",") if i]
        endpoint = args.get("filter_endpoint")
        others = [
            k
            for k in (
                "filter_status",
                "filter_owner_id",
                "filter_endpoint",
                "filter_is_paused",
                "filter_completion_time",
                "filter_min_faults",
                "filter_local_user",
                "filter_endpoint_use",
            )
            if args.get(k)
        ]
        if task_ids and others:
            raise E.BadRequest("filter_task_id cannot be combined with other filters")
        if len(task_ids) > 50:
            raise E.BadRequest("At most 50 task ids may be given in filter_task_id")
        active_only = bool(statuses) and statuses <= {ACTIVE, INACTIVE}
        if not (task_ids or endpoint or active_only):
            raise E.BadRequest(
                "filter_endpoint or filter_task_id is required unless filter_status "
                "is limited to ACTIVE,INACTIVE"
            )
        use = args.get("filter_endpoint_use")
        if use and use not in ("source", "destination"):
            raise E.BadRequest("filter_endpoint_use must be 'source' or 'destination'")
        if use and not endpoint:
            raise E.BadRequest("filter_endpoint_use requires filter_endpoint")
        owner = args.get("filter_owner_id")
        if (
            owner
            and not any(t for t in self.t.tasks_by_owner.get(owner, []))
            and (self.auth.identity(owner) is None)
        ):
            raise E.UserNotFound(owner)
        paused = args.get("filter_is_paused")
        want_paused = (
            None if paused in (None, "") else bool_param(paused, "filter_is_paused", default=False)
        )
        if want_paused is not None and not (statuses and statuses <= {ACTIVE, INACTIVE}):
            raise E.BadRequest("filter_is_paused requires filter_status ACTIVE,INACTIVE")
        completion_text = args.get("filter_completion_time")
        completion = (
            TimeRange.parse(completion_text, "filter_completion_time") if completion_text else None
        )
        min_faults = int_param(args.get("filter_min_faults"), "filter_min_faults", default=0)
        # candidates from the indexes, newest first
        listed: list[Task] | None = None  # an endpoint's tasks, already in seq order
        if task_ids:
            candidates = [self.t.tasks[i] for i in dict.fromkeys(task_ids) if i in self.t.tasks]
        elif endpoint:
            coll = self.lookups.collection(endpoint)
            if not self.lookups.admin_of(caller, coll, MONITOR_ROLES):
                raise E.PermissionDenied(f"You do not have a monitoring role on endpoint {coll.id}")
            if active_only:
                candidates = list(self.t.active_by_endpoint.get(coll.id, {}).values())
            else:
                candidates, listed = [], self.t.tasks_by_endpoint.get(coll.id, [])
        else:
            seen: dict[str, Task] = {}
            for coll in self.t.collections.values():
                if set(self.lookups.roles(coll, caller)) & set(MONITOR_ROLES):
                    seen.update(self.t.active_by_endpoint.get(coll.id, {}))
            candidates = list(seen.values())
        candidates.sort(key=lambda t: -t.seq)
        after = self._last_key_seq(args.get("last_key"))
        newest_first: Iterable[Task] = candidates
        if listed is not None:  # start below last_key and walk back, without a copy
            stop = len(listed) if after is None else bisect.bisect_left(listed, after, key=_seq)
            newest_first = (listed[i] for i in range(stop - 1, -1, -1))
        out: list[Task] = []
        more = False
        for task in newest_first:
            if after is not None and task.seq >= after:
                continue
            if not self.admin_sides(caller, task, MONITOR_ROLES):
                continue
            if statuses and task.status not in statuses:
                continue
            if owner and task.owner_id != owner:
                continue
            if use == "source" and task.source_id != endpoint:
                continue
            if use == "destination" and task.destination_id != endpoint:
                continue
            if want_paused is not None and task.is_paused != want_paused:
                continue
            if completion is not None and not completion(task.completion_time):
                continue
            if task.faults < min_faults:
                continue
            if len(out) == lim:
                more = True
                break
            out.append(task)
        return {
            "DATA_TYPE": "task_list",
            "DATA": [self.lookups.task_doc(t, admin=True) for t in out],
            "has_next_page": more,
            "last_key": out[-1].list_key() if out else None,
        }

    @staticmethod
    def _last_key_seq(key: str | None) -> int | None:
        if not key:
            return None
        try:
            return int(key.rsplit(",", 1)[1])
        except (IndexError, ValueError):
            raise E.BadRequest(f"Invalid last_key '{key}'") from None

    @settled
    def endpoint_manager_get_task(self, caller: Caller, task_id: str) -> dict[str, Any]:
        return self.lookups.task_doc(self._admin_task(caller, task_id), admin=True)

    @settled
    def endpoint_manager_task_event_list(
        self,
        caller: Caller,
        task_id: str,
        *,
        limit: str | None = None,
        offset: str | None = None,
        filter_is_error: str | None = None,
    ) -> dict:
        task = self._admin_task(caller, task_id)
        flt = None
        if filter_is_error not in (None, ""):
            if filter_is_error != "1":
                raise E.BadRequest("filter_is_error only accepts 1")
            flt = "is_error:1"
        return self.queries.paged_events(task, limit, offset, flt)

    @settled
    def endpoint_manager_task_pause_info(self, caller: Caller, task_id: str) -> dict[str, Any]:
        info = self.queries.pause_info(self._admin_task(caller, task_id))
        info["DATA_TYPE"] = "pause_info"
        return info

    @settled
    def endpoint_manager_task_successful_transfers(
        self, caller: Caller, task_id: str, marker: str | None = None
    ) -> dict[str, Any]:
        task = self._admin_task(caller, task_id)
        return self.queries.marker_page(task, task.successful, "successful_transfers", marker)

    @settled
    def endpoint_manager_task_skipped_errors(
        self, caller: Caller, task_id: str, marker: str | None = None
    ) -> dict[str, Any]:
        task = self._admin_task(caller, task_id)
        return self.queries.marker_page(task, task.skipped, "skipped_errors", marker)


def _seq(task: Task) -> int:
    return task.seq
