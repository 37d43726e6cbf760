"""Batch membership actions (``POST /v2/groups/{group_id}``), as one state machine.

:data:`TRANSITIONS` is every allowed move: for each action, the statuses it starts
from (``None``: no membership yet) and the status it leads to. :data:`MANAGERS_ONLY`
names the actions only an active admin or manager may take (``change_role``: admins
only); the other actions are an identity's own (its caller's identity set).

Rules (Groups OpenAPI text for ``BatchMembershipActions``, globus-sdk
``BatchMembershipActions``): only admins add, invite or promote to ``manager`` or
``admin``, and remove admins; managers remove managers and members; nobody removes
themselves (they ``leave``); the last active admin may neither leave nor be demoted;
an identity that ``left`` is not re-``add``-ed by others; ``add`` is refused for an
identity whose preference ``allow_add`` is false (invite it instead).

Ours, where the service is not documented: ``join`` works when the group is visible to
every logged-in user, takes no join requests (``join_requests: false``: no approval
needed) and is not high assurance; ``request_join`` needs ``join_requests: true``;
``left``, ``declined``, ``rejected`` and ``removed`` identities may be invited again
or request again. Per-item codes other than ``ALREADY_ACTIVE`` and ``NO_MEMBERSHIP``
(recorded) are ours.

A request naming an identity in two actions fails whole (400, ``ambiguous_identities``);
a request for a management action by a caller who may not take it fails whole (403);
every other refusal is per item, in the 200 answer's ``errors``.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from mockcore.locking import settled
from mockglobus.groups import errors as E
from mockglobus.groups.entities import ROLES, Group, Membership, rank

if TYPE_CHECKING:
    from mockcore.state import ServiceState
    from mockglobus.groups.identity import GroupsCaller
    from mockglobus.groups.tables import Lookups, Tables

_GONE = (None, "left", "declined", "rejected", "removed")

#: action -> (statuses it starts from, the status it leads to); None: no membership
TRANSITIONS: dict[str, tuple[tuple[str | None, ...], str]] = {
    "add": (("invited", "pending", "declined", "rejected", "removed", None), "active"),
    "invite": (_GONE, "invited"),
    "accept": (("invited",), "active"),
    "decline": (("invited",), "declined"),
    "join": (_GONE, "active"),
    "request_join": (_GONE, "pending"),
    "approve": (("pending",), "active"),
    "reject": (("pending",), "rejected"),
    "leave": (("active",), "left"),
    "remove": (("active", "invited"), "removed"),
    "change_role": (("active",), "active"),
}
ACTIONS = tuple(TRANSITIONS)
#: actions only an active admin or manager of the group may take
MANAGERS_ONLY = ("add", "invite", "approve", "reject", "remove", "change_role")


class Memberships:
    """Takes batch membership actions, each identity's on its own."""

    def __init__(self, state: ServiceState, tables: Tables, lookups: Lookups) -> None:
        self.state = state
        self.t = tables
        self.lookups = lookups

    @settled
    def batch_membership_action(
        self, caller: GroupsCaller, group_id: str, body: Any
    ) -> dict[str, Any]:
        group = self.lookups.group(group_id)
        actions = _parse(body)
        seen: dict[str, str] = {}
        ambiguous: list[str] = []
        for action, entries in actions.items():
            for entry in entries:
                other = seen.setdefault(entry["identity_id"], action)
                if other != action and entry["identity_id"] not in ambiguous:
                    ambiguous.append(entry["identity_id"])
        if ambiguous:
            raise E.AmbiguousIdentities(ambiguous)
        role = self.lookups.role(group, caller)
        for action in actions:
            needed = ("admin",) if action == "change_role" else ("admin", "manager")
            if action in MANAGERS_ONLY and role not in needed:
                raise E.Forbidden(
                    f"You are not permitted to {action.replace('_', ' ')} "
                    f"memberships of group {group.id}."
                )
        answer: dict[str, Any] = {}
        errors: dict[str, list[dict[str, Any]]] = {}
        for action, entries in actions.items():
            done = answer.setdefault(action, [])
            for entry in entries:
                try:
                    done.append(self._act(caller, role, group, action, entry).brief())
                except E.ItemRefused as refused:
                    errors.setdefault(action, []).append(refused.entry(entry["identity_id"]))
        if errors:
            answer["errors"] = errors
        return answer

    # ---------------------------------------------------------------- one item
    def _act(
        self,
        caller: GroupsCaller,
        role: str | None,
        group: Group,
        action: str,
        entry: dict[str, Any],
    ) -> Membership:
        target = entry["identity_id"]
        current = group.memberships.get(target)
        status = current.status if current else None
        own = target in caller.identities
        if action not in MANAGERS_ONLY and not own:
            raise E.ItemRefused(
                "NOT_ALLOWED", f"You may only {action.replace('_', ' ')} for your own identities."
            )
        if action == "remove" and own:
            raise E.ItemRefused("CANNOT_REMOVE_SELF", "Use 'leave' to end your own membership.")
        new_role = entry.get("role") or (current.role if current else "member")
        if action in ("add", "invite", "change_role"):
            if new_role not in ROLES:
                raise E.ItemRefused("INVALID_ROLE", f"Invalid role '{new_role}'.")
            if new_role != "member" and role != "admin":
                raise E.ItemRefused("NOT_ALLOWED", f"Only admins may give the role '{new_role}'.")
        if action == "remove" and current and rank(current.role) > rank(role):
            raise E.ItemRefused("NOT_ALLOWED", f"A {role} may not remove an {current.role}.")
        self._check_status(action, status)
        if (
            current is not None
            and current.role == "admin"
            and (action == "leave" or (action == "change_role" and new_role != "admin"))
            and len(self.lookups.admins(group)) == 1
        ):
            raise E.ItemRefused(
                "LAST_ADMIN", "The last admin of a group may not leave it or be demoted."
            )
        self._check_policy(group, action, target, current)
        return self._move(group, action, target, current, new_role, entry)

    @staticmethod
    def _check_status(action: str, status: str | None) -> None:
        if status in TRANSITIONS[action][0]:
            return
        if status == "active":
            raise E.ItemRefused(
                "ALREADY_ACTIVE", "The identity is already an active member of the group."
            )
        if status is None:
            raise E.ItemRefused("NO_MEMBERSHIP", "Identity has no membership in group.")
        if status == "left" and action == "add":
            raise E.ItemRefused(
                "IDENTITY_LEFT", "The identity left the group; it may be invited or rejoin."
            )
        if status in ("invited", "pending") and action in ("invite", "join", "request_join"):
            raise E.ItemRefused(
                f"ALREADY_{status.upper()}", f"The identity's membership is already {status}."
            )
        raise E.ItemRefused(
            "INVALID_STATUS", f"Cannot {action.replace('_', ' ')} a membership that is {status}."
        )

    def _check_policy(
        self, group: Group, action: str, target: str, current: Membership | None
    ) -> None:
        policies = group.policies
        if action == "add" and self.t.preferences.get(target) is False:
            raise E.ItemRefused(
                "ADD_NOT_ALLOWED", "The identity does not allow being added to groups; invite it."
            )
        if action == "join" and (
            policies.group_visibility != "authenticated"
            or policies.join_requests
            or policies.is_high_assurance
        ):
            raise E.ItemRefused("JOIN_NOT_ALLOWED", "This group may not be joined directly.")
        if action == "request_join" and not policies.join_requests:
            raise E.ItemRefused("JOIN_REQUESTS_NOT_ALLOWED", "This group takes no join requests.")

    def _move(
        self,
        group: Group,
        action: str,
        target: str,
        current: Membership | None,
        new_role: str,
        entry: dict[str, Any],
    ) -> Membership:
        _, status = TRANSITIONS[action]
        if current is None:
            username = self.lookups.auth.username_of(target)
            if username is None:
                raise E.ItemRefused("IDENTITY_NOT_FOUND", f"Identity {target} does not exist.")
            current = Membership(group.id, target, username, new_role, status, self.lookups.now())
        if action in ("add", "invite", "change_role"):
            current.role = new_role
        elif action in ("join", "request_join"):
            current.role = "member"
        current.status = status
        if "status_reason" in entry:
            current.status_reason = entry["status_reason"]
        if action == "invite":
            current.invite_time = self.lookups.now()
            current.invite_email_address = entry.get("invite_email_address")
        return self.lookups.put(group, current)


def _parse(body: Any) -> dict[str, list[dict[str, Any]]]:
    """The batch as {action: [entry, ...]}; FastAPI-style 422 for a malformed one."""
    if not isinstance(body, dict):
        raise E.ValidationFailed(["body"], "Input should be a valid dictionary", "dict_type")
    parsed: dict[str, list[dict[str, Any]]] = {}
    for action, entries in body.items():
        if action not in TRANSITIONS:
            raise E.ValidationFailed(
                ["body", action], "Extra inputs are not permitted", "extra_forbidden"
            )
        if not isinstance(entries, list):
            raise E.ValidationFailed(["body", action], "Input should be a valid list", "list_type")
        for n, entry in enumerate(entries):
            ident = entry.get("identity_id") if isinstance(entry, dict) else None
            if not isinstance(ident, str) or not _is_uuid(ident):
                raise E.ValidationFailed(
                    ["body", action, n, "identity_id"], "Input should be a valid UUID", "uuid_type"
                )
            for key in ("status_reason", "invite_email_address", "role"):
                if entry.get(key) is not None and not isinstance(entry[key], str):
                    raise E.ValidationFailed(
                        ["body", action, n, key], "Input should be a valid string", "string_type"
                    )
        parsed[action] = entries
    return parsed


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == 36


__all__ = ["ACTIONS", "MANAGERS_ONLY", "TRANSITIONS", "Memberships"]
