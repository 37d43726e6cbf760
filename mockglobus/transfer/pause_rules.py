"""Pause rules: endpoint managers pausing operations and tasks on their endpoints."""

from __future__ import annotations

from functools import partial
from typing import Any

from mockcore.locking import settled
from mockcore.state import ServiceState
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller
from mockglobus.transfer.base import MONITOR_ROLES, Lookups, is_uuid, object_body, result
from mockglobus.transfer.endpoints import PAUSE_FLAGS, PauseRule
from mockglobus.transfer.engine import TaskEngine
from mockglobus.transfer.query import parse_time
from mockglobus.transfer.tables import Tables


class PauseRules:
    """Every change tells the ``engine``, which re-evaluates the paused state of affected
    tasks."""

    def __init__(
        self, state: ServiceState, tables: Tables, lookups: Lookups, engine: TaskEngine
    ) -> None:
        self.state = state
        self.t = tables
        self.lookups = lookups
        self.engine = engine

    def _pause_rule(self, caller: Caller, rule_id: str) -> PauseRule:
        rule = self.t.pause_rules.get(rule_id)
        if rule is None:
            raise E.NotFound(f"Pause rule '{rule_id}' not found")
        coll = self.lookups.collection(rule.endpoint_id, allow_deleted=True)
        if not self.lookups.admin_of(caller, coll, MONITOR_ROLES):
            raise E.NotFound(f"Pause rule '{rule_id}' not found")
        return rule

    @settled
    def endpoint_manager_pause_rule_list(
        self,
        caller: Caller,
        filter_endpoint: str | None = None,
        filter_host_endpoint: str | None = None,
    ) -> dict[str, Any]:
        data = []
        for rule in self.t.pause_rules.values():
            coll = self.t.collections.get(rule.endpoint_id)
            if coll is None or not self.lookups.admin_of(caller, coll, MONITOR_ROLES):
                continue
            if filter_endpoint and rule.endpoint_id != filter_endpoint:
                continue
            if filter_host_endpoint and coll.host_id != filter_host_endpoint:
                continue
            data.append(rule.document())
        return {"DATA_TYPE": "pause_rule_list", "DATA": data}

    def _apply_rule_fields(self, rule: PauseRule, body: dict[str, Any]) -> None:
        for flag in PAUSE_FLAGS:
            if flag in body:
                if not isinstance(body[flag], bool):
                    raise E.BadRequest(f"{flag} must be a boolean")
                rule.flags[flag] = body[flag]
        if "pause_task_transfer_delete" in body:  # listed by the docs; treat as delete
            rule.flags["pause_task_delete"] = bool(body["pause_task_transfer_delete"])
        if "message" in body:
            if not isinstance(body["message"], str) or not body["message"].strip():
                raise E.BadRequest("message must be a non-empty string")
            rule.message = body["message"]
        if "identity_id" in body:
            if body["identity_id"] is not None and not is_uuid(body["identity_id"]):
                raise E.BadRequest("identity_id must be a UUID or null")
            rule.identity_id = body["identity_id"]
        if "start_time" in body:
            if body["start_time"] is None:
                rule.start_time = None
            else:
                try:
                    rule.start_time = parse_time(str(body["start_time"]))
                except ValueError:
                    raise E.BadRequest(f"Invalid start_time '{body['start_time']}'") from None

    @settled
    def endpoint_manager_create_pause_rule(self, caller: Caller, body: Any) -> dict[str, Any]:
        body = object_body(body, "Expected a pause_rule document")
        endpoint_id = body.get("endpoint_id")
        if not isinstance(endpoint_id, str):
            raise E.BadRequest("endpoint_id is required")
        coll = self.lookups.collection(endpoint_id)
        self.lookups.require_manager(caller, coll)
        if not isinstance(body.get("message"), str) or not body["message"].strip():
            raise E.BadRequest("message is required")
        rule = PauseRule(
            self.lookups.new_uuid(), coll.id, coll.display_name, "", caller.identity_id
        )
        self._apply_rule_fields(rule, body)
        self.t.pause_rules[rule.id] = rule
        self.engine.rules_changed(coll.id, self.lookups.now())
        if rule.start_time is not None and rule.start_time > self.lookups.now():
            self.state.scheduler.at(rule.start_time, partial(self.engine.rules_changed, coll.id))
        return rule.document()

    @settled
    def endpoint_manager_get_pause_rule(self, caller: Caller, rule_id: str) -> dict[str, Any]:
        return self._pause_rule(caller, rule_id).document()

    @settled
    def endpoint_manager_update_pause_rule(
        self, caller: Caller, rule_id: str, body: Any
    ) -> dict[str, Any]:
        rule = self._pause_rule(caller, rule_id)
        body = object_body(body, "Expected a pause_rule document")
        coll = self.lookups.collection(rule.endpoint_id, allow_deleted=True)
        self.lookups.require_manager(caller, coll)
        rule.modified_by_id = caller.identity_id
        self._apply_rule_fields(
            rule, {k: v for k, v in body.items() if k not in ("endpoint_id", "id")}
        )
        self.engine.rules_changed(rule.endpoint_id, self.lookups.now())
        return rule.document()

    @settled
    def endpoint_manager_delete_pause_rule(self, caller: Caller, rule_id: str) -> dict[str, Any]:
        rule = self._pause_rule(caller, rule_id)
        coll = self.lookups.collection(rule.endpoint_id, allow_deleted=True)
        self.lookups.require_manager(caller, coll)
        del self.t.pause_rules[rule.id]
        self.engine.rules_changed(rule.endpoint_id, self.lookups.now())
        return result("Deleted", f"Pause rule '{rule.id}' deleted successfully")
