"""The records of the Groups model (groups, memberships, policies, subscriptions), the
enums of the API, and the documents the API answers with.

Shapes follow the Groups OpenAPI (GroupRead, MembershipRead, GroupPolicyRead) and the
responses globus-sdk records (``globus_sdk/testing/data/groups/_common.py``). Enum
values: ``globus_sdk.services.groups.data`` (``GroupRole``, ``GroupMemberVisibility``,
``GroupVisibility``, ``GroupRequiredSignupFields``, membership statuses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

ROLES = ("member", "manager", "admin")
STATUSES = ("active", "invited", "pending", "rejected", "removed", "left", "declined")
GROUP_VISIBILITIES = ("authenticated", "private")
MEMBER_VISIBILITIES = ("members", "managers")
SIGNUP_FIELDS = (
    "institution",
    "current_project_name",
    "address",
    "city",
    "state",
    "country",
    "address1",
    "address2",
    "zip",
    "phone",
    "department",
    "field_of_science",
)
MEMBERSHIP_FIELDS = (*SIGNUP_FIELDS, "first_name", "last_name", "organization")
INCLUDES = ("memberships", "my_memberships", "policies", "allowed_actions", "child_ids")
DEFAULT_SESSION_LIMIT = 28_800


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat()


def rank(role: str | None) -> int:
    """0 for no role, then member < manager < admin."""
    return ROLES.index(role) + 1 if role in ROLES else 0


@dataclass
class Policies:
    """A group's policies (GroupPolicyRead); ``is_high_assurance`` groups show
    ``enforce_session`` and ``session_limit`` (the assurance timeout) on the group."""

    is_high_assurance: bool = False
    authentication_assurance_timeout: int | None = DEFAULT_SESSION_LIMIT
    group_visibility: str = "private"
    group_members_visibility: str = "managers"
    join_requests: bool = False
    signup_fields: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        return {
            "is_high_assurance": self.is_high_assurance,
            "authentication_assurance_timeout": self.authentication_assurance_timeout,
            "group_visibility": self.group_visibility,
            "group_members_visibility": self.group_members_visibility,
            "join_requests": self.join_requests,
            "signup_fields": list(self.signup_fields),
        }


@dataclass
class Membership:
    """One identity's membership of one group (there is at most one per pair)."""

    group_id: str
    identity_id: str
    username: str
    role: str
    status: str
    updated: float
    status_reason: str | None = None
    invite_email_address: str | None = None
    invite_time: float | None = None
    membership_fields: dict[str, Any] = field(default_factory=dict)

    def brief(self) -> dict[str, Any]:
        """As in ``my_memberships`` and batch action results (recorded shape)."""
        return {
            "group_id": self.group_id,
            "identity_id": self.identity_id,
            "username": self.username,
            "role": self.role,
            "status": self.status,
        }

    def document(self) -> dict[str, Any]:
        """As in ``memberships`` (``include=memberships``)."""
        return {
            **self.brief(),
            "status_reason": self.status_reason,
            "invite_email_address": self.invite_email_address,
            "invite_time": iso(self.invite_time) if self.invite_time is not None else None,
            "updated": iso(self.updated),
            "membership_fields": dict(self.membership_fields),
        }


@dataclass
class Subscription:
    """A Globus subscription, and the group of its administrators (a "plus" group)."""

    id: str
    group_id: str
    name: str
    subscriber_name: str
    is_high_assurance: bool = False
    is_baa: bool = False
    connectors: dict[str, dict[str, bool]] = field(default_factory=dict)

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "subscriber_name": self.subscriber_name,
            "is_high_assurance": self.is_high_assurance,
            "is_baa": self.is_baa,
            "connectors": {k: dict(v) for k, v in self.connectors.items()},
        }

    def restricted_info(self) -> dict[str, Any]:
        """What ``subscription_info/{id}`` shows (no names: recorded)."""
        info = self.info()
        return {k: info[k] for k in ("is_high_assurance", "is_baa", "connectors")}


@dataclass
class Group:
    id: str
    name: str
    created: float
    description: str | None = None
    terms_and_conditions: str | None = None
    parent_id: str | None = None
    policies: Policies = field(default_factory=Policies)
    memberships: dict[str, Membership] = field(default_factory=dict)  # by identity id
    subscription: Subscription | None = None
    subscription_admin_verified_id: str | None = None

    def document(self) -> dict[str, Any]:
        """The GroupRead fields every answer carries; the ``include`` ones are added by
        the model."""
        policies = self.policies
        return {
            "name": self.name,
            "description": self.description,
            "parent_id": self.parent_id,
            "id": self.id,
            "group_type": "plus" if self.subscription else "regular",
            "enforce_session": policies.is_high_assurance,
            "session_limit": policies.authentication_assurance_timeout
            if policies.authentication_assurance_timeout is not None
            else DEFAULT_SESSION_LIMIT,
            "session_timeouts": {},
            "terms_and_conditions": self.terms_and_conditions,
            "policies": policies.document(),
            "subscription_id": self.subscription.id if self.subscription else None,
            "subscription_info": self.subscription.info() if self.subscription else None,
            "subscription_admin_verified_id": self.subscription_admin_verified_id,
        }


__all__ = [
    "GROUP_VISIBILITIES",
    "INCLUDES",
    "MEMBERSHIP_FIELDS",
    "MEMBER_VISIBILITIES",
    "ROLES",
    "SIGNUP_FIELDS",
    "STATUSES",
    "Group",
    "Membership",
    "Policies",
    "Subscription",
    "iso",
    "rank",
]
