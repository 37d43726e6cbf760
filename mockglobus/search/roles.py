"""Roles on an index: ``owner``, ``admin``, ``writer``, held by an identity or a group
(docs.globus.org/api/search/reference/role_create). Admins and owners manage roles;
only owners make owners; the last owner stays; at most ``Settings.max_roles``."""

from __future__ import annotations

import re
from typing import Any

from mockcore.locking import settled
from mockglobus.search import errors as E
from mockglobus.search.base import SearchPart
from mockglobus.search.identity import GROUP_URN, IDENTITY_URN, SearchCaller
from mockglobus.search.indexes import check_keys
from mockglobus.search.tables import ROLE_ORDER, Role

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class Roles(SearchPart):
    @settled
    def create_role(self, caller: SearchCaller, index_id: str, body: Any) -> dict[str, Any]:
        index = self.lookups.index(index_id)
        self.lookups.require(caller, index, "admin", "role_create")
        check_keys(body, ("role_name", "principal"), ("principal_type",))
        name, principal = body["role_name"], body["principal"]
        if name not in ROLE_ORDER:
            raise E.ValidationError(
                "json", {"role_name": ["Must be one of: owner, admin, writer."]}
            )
        if re.fullmatch(re.escape(IDENTITY_URN) + _UUID, principal):
            kind = "identity"
        elif re.fullmatch(re.escape(GROUP_URN) + _UUID, principal):
            kind = "group"
        else:
            raise E.ValidationError(
                "json",
                {
                    "principal": [
                        "Must be an identity or group URN (urn:globus:auth:identity:"
                        "<id> or urn:globus:groups:id:<id>)."
                    ]
                },
            )
        if name == "owner" and not self.lookups.has_role(caller, index, "owner"):
            raise E.Forbidden("role_create")
        for role in index.roles.values():
            if role.role_name == name and role.principal == principal.lower():
                return self.lookups.role_doc(role)  # already held: the same role
        if len(index.roles) >= self.settings.max_roles:
            raise E.LimitExceeded(
                f"Role limit exceeded: an index has at most {self.settings.max_roles} roles"
            )
        role = Role(
            self.t.next_role_id(), index.id, name, principal.lower(), kind, self.lookups.now()
        )
        index.roles[role.id] = role
        return self.lookups.role_doc(role)

    @settled
    def get_role_list(self, caller: SearchCaller, index_id: str) -> dict[str, Any]:
        index = self.lookups.index(index_id)
        self.lookups.require(caller, index, "admin", "role_list")
        return {"role_list": [self.lookups.role_doc(r) for r in index.roles.values()]}

    @settled
    def delete_role(self, caller: SearchCaller, index_id: str, role_id: str) -> dict[str, Any]:
        index = self.lookups.index(index_id)
        self.lookups.require(caller, index, "admin", "role_delete")
        role = index.roles.get(role_id)
        if role is None:
            raise E.NoSuchRole(role_id)
        owners = [r for r in index.roles.values() if r.role_name == "owner"]
        if role.role_name == "owner" and len(owners) == 1:
            raise E.LimitExceeded("Cannot delete the last owner role of an index")
        del index.roles[role_id]
        return {"deleted": self.lookups.role_doc(role), "success": True}


__all__ = ["Roles"]
