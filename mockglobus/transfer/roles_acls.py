"""Roles on endpoints and access rules (ACLs) on guest collections."""

from __future__ import annotations

from typing import Any

from mockcore.locking import settled
from mockcore.state import ServiceState
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller
from mockglobus.transfer.base import Lookups, checked_path, is_uuid, object_body, result
from mockglobus.transfer.endpoints import PRINCIPAL_TYPES_ACL, ROLES, AclRule, Collection, Role
from mockglobus.transfer.tables import Tables
from mockglobus.transfer.vfs import join, split_path


class RolesAndAcls:
    """Role assignments and access rules, each managed by the roles allowed to."""

    def __init__(self, state: ServiceState, tables: Tables, lookups: Lookups) -> None:
        self.state = state
        self.t = tables
        self.lookups = lookups

    @settled
    def endpoint_role_list(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        coll = self.lookups.collection(endpoint_id)
        self.lookups.require_role(coll, caller, *ROLES)
        return {"DATA_TYPE": "role_list", "DATA": [r.document() for r in coll.roles.values()]}

    @settled
    def add_endpoint_role(self, caller: Caller, endpoint_id: str, body: Any) -> dict[str, Any]:
        coll = self.lookups.collection(endpoint_id)
        self.lookups.require_role(coll, caller, "administrator")
        body = object_body(body, "Expected a role document")
        ptype, principal, role = (
            body.get("principal_type"),
            body.get("principal"),
            body.get("role"),
        )
        if ptype not in ("identity", "group"):
            raise E.BadRequest("principal_type must be 'identity' or 'group'")
        if not isinstance(principal, str) or not is_uuid(principal):
            raise E.BadRequest(f"Invalid principal '{principal}': must be a UUID")
        if role not in ROLES:
            raise E.BadRequest(f"Invalid role '{role}'; valid roles are: {', '.join(ROLES)}")
        for existing in coll.roles.values():
            if (existing.principal_type, existing.principal, existing.role) == (
                ptype,
                principal,
                role,
            ):
                raise E.Conflict(f"A role '{role}' for {ptype} {principal} already exists")
        new = Role(self.lookups.new_uuid(), ptype, principal, role)
        coll.roles[new.id] = new
        doc = new.document()
        doc.update(code="Created", message="Role assigned successfully")
        return doc

    @settled
    def get_endpoint_role(self, caller: Caller, endpoint_id: str, role_id: str) -> dict[str, Any]:
        coll = self.lookups.collection(endpoint_id)
        self.lookups.require_role(coll, caller, *ROLES)
        role = coll.roles.get(role_id)
        if role is None:
            raise E.NotFound(f"Role '{role_id}' not found on endpoint {coll.id}")
        return role.document()

    @settled
    def delete_endpoint_role(
        self, caller: Caller, endpoint_id: str, role_id: str
    ) -> dict[str, Any]:
        coll = self.lookups.collection(endpoint_id)
        self.lookups.require_role(coll, caller, "administrator")
        if coll.roles.pop(role_id, None) is None:
            raise E.NotFound(f"Role '{role_id}' not found on endpoint {coll.id}")
        return result("Deleted", f"Role '{role_id}' deleted successfully")

    def _acl_collection(self, caller: Caller, endpoint_id: str) -> Collection:
        coll = self.lookups.collection(endpoint_id)
        if not coll.is_guest:
            raise E.NotSupported(f"Endpoint {coll.id} does not support access rules")
        self.lookups.require_role(coll, caller, "administrator", "access_manager")
        return coll

    @settled
    def endpoint_acl_list(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        coll = self._acl_collection(caller, endpoint_id)
        return self.lookups.access_list(coll)

    @settled
    def get_endpoint_acl_rule(
        self, caller: Caller, endpoint_id: str, rule_id: str
    ) -> dict[str, Any]:
        coll = self._acl_collection(caller, endpoint_id)
        rule = coll.acl.get(rule_id)
        if rule is None:
            raise E.NotFound(f"Access rule '{rule_id}' not found")
        return rule.document()

    @settled
    def add_endpoint_acl_rule(self, caller: Caller, endpoint_id: str, body: Any) -> dict[str, Any]:
        coll = self._acl_collection(caller, endpoint_id)
        body = object_body(body, "Expected an access document")
        ptype, principal = body.get("principal_type"), body.get("principal", "")
        if ptype not in PRINCIPAL_TYPES_ACL:
            raise E.BadRequest(
                f"Invalid principal_type '{ptype}'; valid types are: "
                + ", ".join(PRINCIPAL_TYPES_ACL)
            )
        if ptype in ("identity", "group"):
            if not isinstance(principal, str) or not is_uuid(principal):
                raise E.BadRequest(f"Invalid principal '{principal}': must be a UUID")
        else:
            principal = ""
        perms = body.get("permissions")
        if perms not in ("r", "rw"):
            raise E.BadRequest("permissions must be 'r' or 'rw'")
        path = body.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise E.BadRequest("path must be an absolute path (starting with '/')")
        checked_path(path)
        if not path.endswith("/"):
            raise E.BadRequest("path must be a directory path ending in '/'")
        norm = join(tuple(split_path(path)), trailing=True) if split_path(path) else "/"
        for rule in coll.acl.values():
            if (rule.principal_type, rule.principal, rule.path) == (ptype, principal, norm):
                raise E.AclExists(
                    f"Access rule for {ptype} '{principal}' on '{norm}' already exists"
                )
        rule = AclRule(
            self.lookups.new_uuid(),
            ptype,
            principal,
            norm,
            perms,
            self.lookups.now(),
            expiration_date=body.get("expiration_date"),
            notify_email=body.get("notify_email"),
        )
        coll.acl[rule.id] = rule
        return result(
            "Created",
            "Access rule created successfully.",
            "access_create_result",
            access_id=rule.id,
        )

    @settled
    def update_endpoint_acl_rule(
        self, caller: Caller, endpoint_id: str, rule_id: str, body: Any
    ) -> dict[str, Any]:
        coll = self._acl_collection(caller, endpoint_id)
        rule = coll.acl.get(rule_id)
        if rule is None:
            raise E.NotFound(f"Access rule '{rule_id}' not found")
        body = object_body(body, "Expected an access document")
        if "permissions" in body:
            if body["permissions"] not in ("r", "rw"):
                raise E.BadRequest("permissions must be 'r' or 'rw'")
            rule.permissions = body["permissions"]
        if "expiration_date" in body:
            rule.expiration_date = body["expiration_date"]
        return result("Updated", f"Access rule '{rule_id}' updated successfully")

    @settled
    def delete_endpoint_acl_rule(self, caller: Caller, endpoint_id: str, rule_id: str) -> dict:
        coll = self._acl_collection(caller, endpoint_id)
        if coll.acl.pop(rule_id, None) is None:
            raise E.NotFound(f"Access rule '{rule_id}' not found")
        return result("Deleted", f"Access rule '{rule_id}' deleted successfully")
