"""The Globus Groups service's state and rules (API v2); knows nothing about HTTP.

:class:`GroupsModel` builds the :class:`~.tables.Tables`, the shared
:class:`~.tables.Lookups` and the :class:`~.memberships.Memberships` part (batch
membership actions), and serves the rest itself: groups (create, get, update, delete,
``my_groups``, children, status counts), policies, identity preferences, membership
fields and subscriptions. Methods are named after the ``globus_sdk.GroupsClient``
methods they serve, take a :class:`~.identity.GroupsCaller` and return plain documents
or raise a :class:`~.errors.GroupsError`. Every public method holds the state's lock.

Groups is the one source of group membership for the double: Transfer asks
:meth:`GroupsModel.group_ids_of` (through :mod:`mockglobus.auth.for_transfer`) at each
request, so a membership change counts at the next request (the real services cache
for a short while). Only *active* memberships count, of any identity of the account.

Roles (Groups OpenAPI): admins do everything (update, policies, delete, roles, add or
remove anyone); managers add, invite, approve, reject and remove managers and members;
members manage nothing. A group is visible to every logged-in user
(``group_visibility: authenticated``) or only to identities with an active, invited or
pending membership (``private``: others get 403); ``memberships`` are shown to active
members (``group_members_visibility: members``) or to admins and managers only
(``managers``), an empty list to anyone else.

Not implemented: session enforcement of high-assurance groups (sessions are always
fresh: ``session_timeouts`` is ``{}``), the 1000-membership limit on creating groups,
subgroup membership inheritance, e-mail of invitations, the ``community-context``
header, and the write scope of ``view_my_groups_and_memberships`` beyond "reads only".
"""

from __future__ import annotations

from typing import Any

from mockcore.locking import locked, settled
from mockcore.state import ServiceState
from mockglobus.auth.ids import stable_id
from mockglobus.auth.scopes import GROUPS_RS
from mockglobus.groups import errors as E
from mockglobus.groups.entities import (
    GROUP_VISIBILITIES,
    INCLUDES,
    MEMBER_VISIBILITIES,
    MEMBERSHIP_FIELDS,
    ROLES,
    SIGNUP_FIELDS,
    STATUSES,
    Group,
    Membership,
    Policies,
    Subscription,
)
from mockglobus.groups.identity import GroupsAuth, GroupsCaller
from mockglobus.groups.memberships import ACTIONS, MANAGERS_ONLY, TRANSITIONS, Memberships
from mockglobus.groups.tables import Lookups, Tables

ALL_SCOPE = f"urn:globus:auth:scope:{GROUPS_RS}:all"
VIEW_SCOPE = f"urn:globus:auth:scope:{GROUPS_RS}:view_my_groups_and_memberships"


class GroupsModel:
    """Groups, their memberships and policies, and subscriptions."""

    def __init__(
        self, state: ServiceState, auth: GroupsAuth, *, scenario: dict[str, Any] | None = None
    ) -> None:
        self.state = state
        self.auth = auth
        self.scenario_groups = list((scenario or {}).get("groups") or [])
        self.t = Tables()
        self.lookups = Lookups(state, self.t, auth)
        self.memberships = Memberships(state, self.t, self.lookups)
        self.reset()

    def reset(self) -> None:
        with self.state.lock:
            self.t.clear()
            for entry in self.scenario_groups:
                self._seed(entry)

    # ------------------------------------------------------------------ for others
    @property
    def generation(self) -> int:
        """Moves on at every change of a group or a membership."""
        return self.t.generation

    @locked
    def group_ids_of(self, identity_ids: str | tuple[str, ...] | list[str]) -> frozenset[str]:
        """Ids of the groups where any of ``identity_ids`` (one id, or an identity set)
        is an *active* member."""
        ids = (identity_ids,) if isinstance(identity_ids, str) else identity_ids
        found: set[str] = set()
        for identity_id in ids:
            found |= self.t.active.get(identity_id, set())
        return frozenset(found)

    def part(self, owner: type) -> Any:
        """This model's instance of the part class ``owner`` (for the routes)."""
        return self.memberships if owner is Memberships else self

    # ------------------------------------------------------------------ groups
    @settled
    def create_group(self, caller: GroupsCaller, body: Any) -> dict[str, Any]:
        """``POST /v2/groups``: the caller's identity becomes its active admin."""
        self._write_scope(caller)
        body = _object(body)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise E.ValidationFailed(["body", "name"], "Field required", "missing")
        parent_id = body.get("parent_id")
        if parent_id is not None:
            parent = self.lookups.group(str(parent_id))
            self.lookups.require(parent, caller, "admin")
        group = Group(
            self.lookups.new_id(),
            name,
            self.lookups.now(),
            description=_text(body, "description"),
            terms_and_conditions=_text(body, "terms_and_conditions"),
            parent_id=parent_id,
        )
        if body.get("policies") is not None:
            self._apply_policies(group.policies, body["policies"])
        self.t.groups[group.id] = group
        username = self.auth.username_of(caller.identity_id) or caller.username
        self.lookups.put(
            group,
            Membership(
                group.id, caller.identity_id, username, "admin", "active", self.lookups.now()
            ),
        )
        return self._document(group, caller, ("my_memberships",))

    @settled
    def get_group(
        self, caller: GroupsCaller, group_id: str, include: str | None = None
    ) -> dict[str, Any]:
        group = self.lookups.visible(group_id, caller)
        return self._document(group, caller, _includes(include))

    @settled
    def update_group(self, caller: GroupsCaller, group_id: str, body: Any) -> dict[str, Any]:
        """``PUT /v2/groups/{id}``: admins only. ``subscription_admin_verified_id`` may
        only be cleared (or kept) here; setting it is
        :meth:`set_subscription_admin_verified`'s."""
        self._write_scope(caller)
        group = self.lookups.visible(group_id, caller)
        self.lookups.require(group, caller, "admin")
        body = _object(body)
        if "name" in body:
            if not isinstance(body["name"], str) or not body["name"].strip():
                raise E.ValidationFailed(["body", "name"], "Input should be a valid string")
            group.name = body["name"]
        for key in ("description", "terms_and_conditions"):
            if key in body:
                setattr(group, key, _text(body, key))
        if "subscription_admin_verified_id" in body:
            wanted = body["subscription_admin_verified_id"]
            if wanted not in (None, group.subscription_admin_verified_id):
                raise E.Forbidden(
                    "Set subscription_admin_verified_id with "
                    "PUT /v2/groups/{group_id}/subscription_admin_verified."
                )
            group.subscription_admin_verified_id = wanted
        self.t.generation += 1
        return self._document(group, caller, ("my_memberships",))

    @settled
    def delete_group(self, caller: GroupsCaller, group_id: str) -> dict[str, Any]:
        """``DELETE /v2/groups/{id}``: admins only; the answer is the group as it was.
        A group with subgroups is refused (409)."""
        self._write_scope(caller)
        group = self.lookups.visible(group_id, caller)
        self.lookups.require(group, caller, "admin")
        if any(g.parent_id == group.id for g in self.t.groups.values()):
            raise E.Conflict(f"Group {group.id} has subgroups; delete them first.")
        doc = self._document(group, caller, ("my_memberships",))
        if group.subscription is not None:
            del self.t.subscriptions[group.subscription.id]
        self.lookups.forget(group)
        return doc

    @settled
    def get_my_groups(self, caller: GroupsCaller, statuses: str | None = None) -> list[Any]:
        """``GET /v2/groups/my_groups``: groups where any of the caller's identities
        has a membership in one of ``statuses`` (default ``active``), each with those
        memberships as ``my_memberships``."""
        wanted = _enum_list(statuses or "active", STATUSES, "statuses")
        found = []
        for group in self.t.groups.values():
            mine = [m for m in self.lookups.mine(group, caller) if m.status in wanted]
            if mine:
                doc = group.document()
                doc["my_memberships"] = [m.brief() for m in mine]
                found.append(doc)
        return found

    @settled
    def get_group_children(
        self, caller: GroupsCaller, group_id: str, include: str | None = None
    ) -> dict[str, Any]:
        """``GET /v2/groups/{id}/children`` (no SDK method): the visible subgroups."""
        self.lookups.visible(group_id, caller)
        includes = _includes(include)
        return {
            "children": [
                self._document(g, caller, includes)
                for g in self.t.groups.values()
                if g.parent_id == group_id and self.lookups.can_view(g, caller)
            ]
        }

    @settled
    def get_group_statuses(self, caller: GroupsCaller) -> dict[str, Any]:
        """``GET /v2/groups/statuses`` (no SDK method): membership counts per status of
        the groups the caller administers or manages."""
        counts: dict[str, Any] = {}
        for group in self.t.groups.values():
            if self.lookups.role(group, caller) in ("admin", "manager"):
                tally = dict.fromkeys(STATUSES, 0)
                for m in group.memberships.values():
                    tally[m.status] += 1
                counts[group.id] = tally
        return counts

    # ------------------------------------------------------------------ policies
    @settled
    def get_group_policies(self, caller: GroupsCaller, group_id: str) -> dict[str, Any]:
        return self.lookups.visible(group_id, caller).policies.document()

    @settled
    def set_group_policies(self, caller: GroupsCaller, group_id: str, body: Any) -> dict[str, Any]:
        """``PUT /v2/groups/{id}/policies``: admins only; absent or null keys keep
        their value."""
        self._write_scope(caller)
        group = self.lookups.visible(group_id, caller)
        self.lookups.require(group, caller, "admin")
        self._apply_policies(group.policies, body)
        self.t.generation += 1
        return group.policies.document()

    @staticmethod
    def _apply_policies(policies: Policies, body: Any) -> None:
        body = _object(body)
        checked = Policies(**vars(policies))
        checks = {
            "is_high_assurance": lambda v: isinstance(v, bool),
            "authentication_assurance_timeout": lambda v: (
                isinstance(v, int) and not isinstance(v, bool) and v >= 0
            ),
            "group_visibility": lambda v: v in GROUP_VISIBILITIES,
            "group_members_visibility": lambda v: v in MEMBER_VISIBILITIES,
            "join_requests": lambda v: isinstance(v, bool),
            "signup_fields": lambda v: isinstance(v, list) and all(f in SIGNUP_FIELDS for f in v),
        }
        for key, value in body.items():
            if key not in checks or value is None:
                continue  # FastAPI ignores unknown keys; null keeps the value
            if not checks[key](value):
                raise E.ValidationFailed(["body", key], f"Invalid value for {key}: {value!r}")
            setattr(checked, key, list(value) if key == "signup_fields" else value)
        policies.__dict__.update(vars(checked))

    # ------------------------------------------------------------------ identities
    @settled
    def get_identity_preferences(self, caller: GroupsCaller) -> dict[str, Any]:
        """``GET /v2/preferences``: ``{identity_id: {"allow_add": ...}}`` for every
        identity of the caller."""
        return {i: {"allow_add": self.t.preferences.get(i)} for i in caller.identities}

    @settled
    def set_identity_preferences(self, caller: GroupsCaller, body: Any) -> dict[str, Any]:
        """``PUT /v2/preferences``: the same mapping, for the caller's identities (a
        bare ``{"allow_add": ...}`` sets the caller's own identity)."""
        self._write_scope(caller)
        body = _object(body)
        if "allow_add" in body:
            body = {caller.identity_id: body}
        for identity_id, prefs in body.items():
            if identity_id not in caller.identities:
                raise E.Forbidden(f"Identity {identity_id} is not one of yours.")
            allow = prefs.get("allow_add") if isinstance(prefs, dict) else "?"
            if allow is not None and not isinstance(allow, bool):
                raise E.ValidationFailed(
                    ["body", identity_id, "allow_add"], "Input should be a valid boolean"
                )
            self.t.preferences[identity_id] = allow
        return {i: {"allow_add": self.t.preferences.get(i)} for i in caller.identities}

    @settled
    def get_membership_fields(self, caller: GroupsCaller, group_id: str) -> dict[str, Any]:
        """``GET /v2/groups/{id}/membership_fields``: the caller's own identities'."""
        group = self.lookups.visible(group_id, caller)
        return {m.identity_id: dict(m.membership_fields) for m in self.lookups.mine(group, caller)}

    @settled
    def set_membership_fields(
        self, caller: GroupsCaller, group_id: str, body: Any
    ) -> dict[str, Any]:
        """``PUT /v2/groups/{id}/membership_fields``: ``{identity_id: fields}`` for the
        caller's identities with a membership, or bare fields for the first of them."""
        self._write_scope(caller)
        group = self.lookups.visible(group_id, caller)
        mine = {m.identity_id: m for m in self.lookups.mine(group, caller)}
        if not mine:
            raise E.Forbidden(f"You have no membership in group {group.id}.")
        body = _object(body)
        if not set(body) <= set(caller.identities):
            body = {next(iter(mine)): body}
        for identity_id, fields in body.items():
            if identity_id not in mine:
                raise E.Forbidden(f"Identity {identity_id} has no membership in group {group.id}.")
            fields = _object(fields)
            for key, value in fields.items():
                if key not in MEMBERSHIP_FIELDS:
                    raise E.ValidationFailed(
                        ["body", identity_id, key], "Extra inputs are not permitted"
                    )
                if value is not None and not isinstance(value, str):
                    raise E.ValidationFailed(
                        ["body", identity_id, key], "Input should be a valid string"
                    )
            mine[identity_id].membership_fields.update(fields)
            self.lookups.put(group, mine[identity_id])
        return {i: dict(m.membership_fields) for i, m in mine.items()}

    # ------------------------------------------------------------------ subscriptions
    @locked
    def add_subscription(
        self,
        group_id: str,
        *,
        name: str = "Example Subscription",
        subscriber_name: str = "Example University",
        is_high_assurance: bool = False,
        is_baa: bool = False,
        connectors: dict[str, dict[str, bool]] | None = None,
        subscription_id: str | None = None,
    ) -> Subscription:
        """Make ``group_id`` the group of a subscription (a "plus" group): a test helper,
        as subscriptions are sold, not made through the API."""
        group = self.lookups.group(group_id)
        sub = Subscription(
            subscription_id or self.lookups.new_id(),
            group.id,
            name,
            subscriber_name,
            is_high_assurance,
            is_baa,
            dict(connectors or {}),
        )
        if sub.id in self.t.subscriptions:
            raise ValueError(f"subscription {sub.id} exists")
        self.t.subscriptions[sub.id] = sub
        group.subscription = sub
        if is_high_assurance:
            group.policies.is_high_assurance = True
            group.policies.authentication_assurance_timeout = 1800
        self.t.generation += 1
        return sub

    @settled
    def get_group_by_subscription_id(
        self, caller: GroupsCaller, subscription_id: str
    ) -> dict[str, Any]:
        sub = self.t.subscriptions.get(subscription_id)
        if sub is None:
            raise E.NotFound(f"Subscription {subscription_id} not found.")
        return {
            "group_id": sub.group_id,
            "subscription_id": sub.id,
            "subscription_info": sub.restricted_info(),
        }

    @settled
    def set_subscription_admin_verified(
        self, caller: GroupsCaller, group_id: str, body: Any
    ) -> dict[str, Any]:
        """``PUT /v2/groups/{id}/subscription_admin_verified``: admins of the group; to
        set a subscription, admin of its group too; to change one, admin of the old
        subscription's group."""
        self._write_scope(caller)
        group = self.lookups.visible(group_id, caller)
        self.lookups.require(group, caller, "admin")
        body = _object(body)
        if "subscription_admin_verified_id" not in body:
            raise E.ValidationFailed(
                ["body", "subscription_admin_verified_id"], "Field required", "missing"
            )
        wanted, old = body["subscription_admin_verified_id"], group.subscription_admin_verified_id
        if wanted is not None and not isinstance(wanted, str):
            raise E.ValidationFailed(
                ["body", "subscription_admin_verified_id"], "Input should be a valid UUID"
            )
        if wanted != old:
            for sub_id in (wanted, old):
                sub = self.t.subscriptions.get(sub_id) if sub_id else None
                if sub_id == wanted and wanted is not None and sub is None:
                    raise E.NotFound(f"Subscription {wanted} not found.")
                if sub is not None:  # admin of the new one's group, and of the old one's
                    self.lookups.require(self.lookups.group(sub.group_id), caller, "admin")
        group.subscription_admin_verified_id = wanted
        self.t.generation += 1
        return {"group_id": group.id, "subscription_admin_verified_id": wanted}

    # ------------------------------------------------------------------ documents
    def _document(
        self, group: Group, caller: GroupsCaller, includes: tuple[str, ...]
    ) -> dict[str, Any]:
        doc = group.document()
        if "my_memberships" in includes:
            doc["my_memberships"] = [m.brief() for m in self.lookups.mine(group, caller)]
        if "memberships" in includes:
            doc["memberships"] = (
                [m.document() for m in group.memberships.values()]
                if self._sees_members(group, caller)
                else []
            )
        if "allowed_actions" in includes:
            doc["allowed_actions"] = self._allowed_actions(group, caller)
        if "child_ids" in includes:
            doc["child_ids"] = [g.id for g in self.t.groups.values() if g.parent_id == group.id]
        return doc

    def _sees_members(self, group: Group, caller: GroupsCaller) -> bool:
        role = self.lookups.role(group, caller)
        if group.policies.group_members_visibility == "members":
            return role is not None
        return role in ("admin", "manager")

    def _allowed_actions(self, group: Group, caller: GroupsCaller) -> dict[str, list[str]]:
        """Per action, the caller's identities that may take it (on someone, or on
        themselves for the identity's own actions)."""
        allowed: dict[str, list[str]] = {}
        for action in ACTIONS:
            if action in MANAGERS_ONLY:
                needed = ("admin",) if action == "change_role" else ("admin", "manager")
                who = [
                    m.identity_id
                    for m in self.lookups.mine(group, caller)
                    if m.status == "active" and m.role in needed
                ]
            else:
                starts = TRANSITIONS[action][0]
                who = [
                    i
                    for i in caller.identities
                    if (group.memberships[i].status if i in group.memberships else None) in starts
                ]
            allowed[action] = who
        return allowed

    @staticmethod
    def _write_scope(caller: GroupsCaller) -> None:
        """Changes need the ``all`` scope (``view_my_groups_and_memberships`` reads)."""
        if caller.scopes and ALL_SCOPE not in caller.scopes:
            raise E.Forbidden(f"This action requires the scope {ALL_SCOPE}.", sorted(caller.scopes))

    # ------------------------------------------------------------------ seeding
    def _seed(self, entry: dict[str, Any]) -> None:
        """A scenario group: ``{name, id, description, members: [...], managers: [...],
        admins: [...], policies: {...}, subscription: {id, name, ...}}``; people by
        username or id (their identity, as Auth knows it)."""
        gid = entry.get("id") or stable_id("group", entry["name"])
        group = Group(
            gid,
            entry["name"],
            self.lookups.now(),
            description=entry.get("description"),
            parent_id=entry.get("parent_id"),
        )
        if entry.get("policies"):
            self._apply_policies(group.policies, entry["policies"])
        self.t.groups[gid] = group
        for role in ROLES:
            for who in entry.get(f"{role}s") or []:
                identity_id = self.auth.identity_id_of(who)
                if identity_id is None:
                    raise ValueError(f"scenario group {entry['name']!r}: no identity {who!r}")
                username = self.auth.username_of(identity_id) or who
                self.lookups.put(
                    group,
                    Membership(gid, identity_id, username, role, "active", self.lookups.now()),
                )
        if entry.get("subscription"):
            sub = dict(entry["subscription"])
            self.add_subscription(gid, subscription_id=sub.pop("id", None), **sub)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise E.ValidationFailed(["body"], "Input should be a valid dictionary", "dict_type")
    return body


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise E.ValidationFailed(["body", key], "Input should be a valid string", "string_type")
    return value


def _enum_list(text: str, allowed: tuple[str, ...], name: str) -> tuple[str, ...]:
    values = tuple(v.strip() for v in text.split(",") if v.strip())
    for v in values:
        if v not in allowed:
            raise E.ValidationFailed(
                ["query", name],
                f"Input should be {', '.join(repr(a) for a in allowed)}",
                "enum",
            )
    return values


def _includes(text: str | None) -> tuple[str, ...]:
    return _enum_list(text, INCLUDES, "include") if text else ()


__all__ = ["ALL_SCOPE", "VIEW_SCOPE", "GroupsModel"]
