"""What the parts of the Groups model share: the tables, and the lookups every part
makes (a group by id, a caller's role in it, writing a membership)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mockglobus.groups import errors as E
from mockglobus.groups.entities import Group, Membership, Subscription, rank

if TYPE_CHECKING:
    from mockcore.state import ServiceState
    from mockglobus.groups.identity import GroupsAuth, GroupsCaller


@dataclass
class Tables:
    """Every table of the Groups model. One object for the model's lifetime:
    :meth:`clear` empties it in place."""

    groups: dict[str, Group] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    #: identity id -> ``allow_add`` (``None``: never set)
    preferences: dict[str, bool | None] = field(default_factory=dict)
    #: identity id -> ids of the groups where it is an *active* member (any role)
    active: dict[str, set[str]] = field(default_factory=dict)
    #: Bumped whenever a membership or a group changes (or on reset): whoever caches
    #: who belongs to what (Transfer's caller cache) compares it.
    generation: int = 0

    def clear(self) -> None:
        generation = self.generation + 1
        self.__init__()  # type: ignore[misc]
        self.generation = generation


class Lookups:
    """The lookups and the one membership writer every part uses."""

    def __init__(self, state: ServiceState, tables: Tables, auth: GroupsAuth) -> None:
        self.state = state
        self.t = tables
        self.auth = auth

    def now(self) -> float:
        return self.state.clock.time()

    def new_id(self) -> str:
        return str(self.state.ids.uuid1())

    def group(self, group_id: str) -> Group:
        found = self.t.groups.get(str(group_id))
        if found is None:
            raise E.GroupNotFound(group_id)
        return found

    def mine(self, group: Group, caller: GroupsCaller) -> list[Membership]:
        """The memberships of the caller's identities in ``group`` (any status)."""
        return [group.memberships[i] for i in caller.identities if i in group.memberships]

    def role(self, group: Group, caller: GroupsCaller) -> str | None:
        """The caller's best role among its *active* memberships, or None."""
        best = None
        for m in self.mine(group, caller):
            if m.status == "active" and rank(m.role) > rank(best):
                best = m.role
        return best

    def can_view(self, group: Group, caller: GroupsCaller) -> bool:
        """Visible to every logged-in user, or to identities with an active, invited or
        pending membership (Groups OpenAPI, ``group_visibility``)."""
        if group.policies.group_visibility == "authenticated":
            return True
        return any(m.status in ("active", "invited", "pending") for m in self.mine(group, caller))

    def visible(self, group_id: str, caller: GroupsCaller) -> Group:
        group = self.group(group_id)
        if not self.can_view(group, caller):
            raise E.Forbidden(f"You do not have permission to view group {group.id}.")
        return group

    def require(self, group: Group, caller: GroupsCaller, *roles: str) -> str:
        role = self.role(group, caller)
        if role not in roles:
            wanted = " or ".join(roles)
            raise E.Forbidden(f"Only an active {wanted} of group {group.id} may do this.")
        return role

    def admins(self, group: Group) -> list[Membership]:
        return [m for m in group.memberships.values() if m.role == "admin" and m.status == "active"]

    def put(self, group: Group, membership: Membership) -> Membership:
        """Store ``membership`` (new or changed) and keep the active index in step."""
        membership.updated = self.now()
        group.memberships[membership.identity_id] = membership
        groups = self.t.active.setdefault(membership.identity_id, set())
        if membership.status == "active":
            groups.add(group.id)
        else:
            groups.discard(group.id)
        self.t.generation += 1
        return membership

    def forget(self, group: Group) -> None:
        """Drop ``group`` and every index entry of it."""
        for identity_id in group.memberships:
            self.t.active.get(identity_id, set()).discard(group.id)
        del self.t.groups[group.id]
        self.t.generation += 1


__all__ = ["Lookups", "Tables"]
