"""The fake Globus Groups service (API v2): groups, memberships and their batch actions,
policies, identity preferences, membership fields and subscription groups.

``model`` holds the state and rules (no HTTP), ``memberships`` the batch membership
actions (a declared state machine), ``routes`` the thin Flask blueprint, ``errors`` every
error once; ``identity`` says what Groups asks of Auth (:class:`GroupsAuth`).
"""

from mockglobus.groups.errors import GroupsError
from mockglobus.groups.identity import GroupsAuth, GroupsCaller
from mockglobus.groups.memberships import TRANSITIONS
from mockglobus.groups.model import ALL_SCOPE, VIEW_SCOPE, GroupsModel

__all__ = [
    "ALL_SCOPE",
    "TRANSITIONS",
    "VIEW_SCOPE",
    "GroupsAuth",
    "GroupsCaller",
    "GroupsError",
    "GroupsModel",
]
