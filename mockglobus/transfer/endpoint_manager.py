"""``/endpoint_manager``: what administrators and activity monitors see of endpoints and tasks."""

from __future__ import annotations

from typing import Any

from mockglobus.locking import settled
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller
from mockglobus.transfer.base import MONITOR_ROLES, TransferPart, is_uuid
from mockglobus.transfer.query import TimeRange, bool_param, int_param
from mockglobus.transfer.task_queries import STATUSES
from mockglobus.transfer.tasks import ACTIVE, INACTIVE, Task


class EndpointManager(TransferPart):
    """Monitoring views over every task touching an endpoint the caller administers or monitors."""

    def _admin_sides(self, caller: Caller, task: Task, roles: tuple[str, ...]) -> list[str]:
        sides = []
        if self._admin_of(caller, self.t.collections.get(task.source_id), roles):
            sides.append("SOURCE")
        if task.destination_id and self._admin_of(
                caller, self.t.collections.get(task.destination_id), roles):
            sides.append("DESTINATION")
        return sides

    def _admin_task(self, caller: Caller, task_id: str,
                    roles: tuple[str, ...] = MONITOR_ROLES) -> Task:
        task = self.t.tasks.get(str(task_id))
        if task is None or not self._admin_sides(caller, task, roles):
            raise E.NotFound(f"Task {task_id} not found")
        return task

    @settled
    def monitored_endpoints(self, caller: Caller) -> dict[str, Any]:
        data = [self._doc(c, caller) for c in self.t.collections.values()
                if not c.deleted and set(self._roles(c, caller)) & set(MONITOR_ROLES)]
        return {"DATA_TYPE": "endpoint_list", "DATA": data}

    @settled
    def hosted_endpoint_list(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        host = self._collection(endpoint_id)
        self._require_monitor(caller, host)
        data = [self._doc(c, caller) for c in self.t.collections.values()
                if c.host_id == host.id and not c.deleted]
        return {"DATA_TYPE": "endpoint_list", "DATA": data}

    @settled
    def em_get_endpoint(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        coll = self._collection(endpoint_id)
        self._require_monitor(caller, coll)
        return self._doc(coll, caller)

    @settled
    def em_acl_list(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        coll = self._collection(endpoint_id)
        self._require_monitor(caller, coll)
        return self._access_list(coll)

    @settled
    def em_task_list(self, caller: Caller, args: dict[str, str | None]) -> dict[str, Any]:
        lim = int_param(args.get("limit"), "limit", default=1000, minimum=1, maximum=1000)
        statuses = {s for s in (args.get("filter_status") or "").upper().split(",") if s}
        if statuses - set(STATUSES):
            raise E.BadRequest(f"Invalid filter_status '{args.get('filter_status')}'")
        task_ids = [i for i in (args.get("filter_task_id") or "").split(",") if i]
        endpoint = args.get("filter_endpoint")
        others = [k for k in ("filter_status", "filter_owner_id", "filter_endpoint",
                              "filter_is_paused", "filter_completion_time",
                              "filter_min_faults", "filter_local_user",
                              "filter_endpoint_use") if args.get(k)]
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
        if owner and not any(t for t in self.t.tasks_by_owner.get(owner, [])) and not (
                self._identity_known(owner)):
            raise E.UserNotFound(owner)
        paused = args.get("filter_is_paused")
        want_paused = None if paused in (None, "") else bool_param(
            paused, "filter_is_paused", default=False)
        if want_paused is not None and not (statuses and statuses <= {ACTIVE, INACTIVE}):
            raise E.BadRequest("filter_is_paused requires filter_status ACTIVE,INACTIVE")
        completion = (TimeRange.parse(args["filter_completion_time"],
                                      "filter_completion_time")
                      if args.get("filter_completion_time") else None)
        min_faults = int_param(args.get("filter_min_faults"), "filter_min_faults",
                               default=0)
        # candidates from the indexes, newest first
        if task_ids:
            candidates = [self.t.tasks[i] for i in dict.fromkeys(task_ids)
                          if i in self.t.tasks]
        elif endpoint:
            coll = self._collection(endpoint)
            if not self._admin_of(caller, coll, MONITOR_ROLES):
                raise E.PermissionDenied(
                    f"You do not have a monitoring role on endpoint {coll.id}")
            if active_only:
                candidates = list(self.t.active_by_endpoint.get(coll.id, {}).values())
            else:
                candidates = list(self.t.tasks_by_endpoint.get(coll.id, []))
        else:
            seen: dict[str, Task] = {}
            for coll in self.t.collections.values():
                if set(self._roles(coll, caller)) & set(MONITOR_ROLES):
                    seen.update(self.t.active_by_endpoint.get(coll.id, {}))
            candidates = list(seen.values())
        candidates.sort(key=lambda t: -t.seq)
        after = self._last_key_seq(args.get("last_key"))
        out: list[Task] = []
        more = False
        for task in candidates:
            if after is not None and task.seq >= after:
                continue
            if not self._admin_sides(caller, task, MONITOR_ROLES):
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
        return {"DATA_TYPE": "task_list", "DATA": [self.task_doc(t, admin=True) for t in out],
                "has_next_page": more,
                "last_key": out[-1].list_key() if out else None}

    def _identity_known(self, identity_id: str) -> bool:
        auth = getattr(self.state, "auth", None)
        lookup = getattr(auth, "identity", None) or getattr(auth, "get_identity", None)
        if callable(lookup):
            try:
                return lookup(identity_id) is not None
            except Exception:  # noqa: BLE001
                return False
        return is_uuid(identity_id)

    @staticmethod
    def _last_key_seq(key: str | None) -> int | None:
        if not key:
            return None
        try:
            return int(key.rsplit(",", 1)[1])
        except (IndexError, ValueError):
            raise E.BadRequest(f"Invalid last_key '{key}'") from None

    @settled
    def em_get_task(self, caller: Caller, task_id: str) -> dict[str, Any]:
        return self.task_doc(self._admin_task(caller, task_id), admin=True)

    @settled
    def em_task_event_list(self, caller: Caller, task_id: str, *, limit: str | None = None,
                           offset: str | None = None, filter_is_error: str | None = None) -> dict:
        task = self._admin_task(caller, task_id)
        flt = None
        if filter_is_error not in (None, ""):
            if filter_is_error != "1":
                raise E.BadRequest("filter_is_error only accepts 1")
            flt = "is_error:1"
        return self._paged_events(task, limit, offset, flt)

    @settled
    def em_task_pause_info(self, caller: Caller, task_id: str) -> dict[str, Any]:
        info = self._pause_info(self._admin_task(caller, task_id))
        info["DATA_TYPE"] = "pause_info"
        return info

    @settled
    def em_successful_transfers(self, caller: Caller, task_id: str,
                                marker: str | None = None) -> dict[str, Any]:
        task = self._admin_task(caller, task_id)
        return self._marker_page(task, task.successful, "successful_transfers", marker)

    @settled
    def em_skipped_errors(self, caller: Caller, task_id: str,
                          marker: str | None = None) -> dict[str, Any]:
        task = self._admin_task(caller, task_id)
        return self._marker_page(task, task.skipped, "skipped_errors", marker)
