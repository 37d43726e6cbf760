"""What Groups asks of Globus Auth, as one small protocol.

Groups never imports Auth: it is handed a :class:`GroupsAuth` (in the double,
:class:`mockglobus.auth.for_groups.AuthForGroups`, which turns every Auth refusal into
Groups' 401; in model tests, any small stub). Every method answers at once, in-process,
and raises only :mod:`mockglobus.groups.errors`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class GroupsCaller:
    """Who calls Groups: the token's identity, its identity set (primary first, the
    caller's identity included) and the token's scopes."""

    identity_id: str
    username: str
    identity_ids: tuple[str, ...] = ()
    scopes: frozenset[str] = frozenset()
    token: str | None = field(default=None, repr=False, compare=False)

    @property
    def identities(self) -> tuple[str, ...]:
        return self.identity_ids or (self.identity_id,)


class GroupsAuth(Protocol):
    """What Groups asks of Auth: who a bearer token names, and identities."""

    def caller_for_token(self, token: str | None) -> GroupsCaller:
        """The caller a Groups bearer token names. Raises
        :class:`~mockglobus.groups.errors.Unauthorized` for a missing, unknown, expired
        or revoked token, or one issued for another resource server."""
        ...

    def username_of(self, identity_id: str) -> str | None:
        """The username of the identity with this id, or None if Auth does not know it."""
        ...

    def identity_id_of(self, username_or_id: str) -> str | None:
        """The id of the identity with this username (case-insensitive) or id, or None."""
        ...

    def identity_set(self, identity_id: str) -> tuple[str, ...]:
        """Ids of the identity set (primary first) holding ``identity_id``; just the id
        itself if Auth does not know it."""
        ...


__all__ = ["GroupsAuth", "GroupsCaller"]
