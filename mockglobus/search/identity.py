"""Who calls Search, and what Search asks of Globus Auth, as one small protocol.

Search never imports Auth: it is handed a :class:`SearchAuth` (in the double,
:class:`mockglobus.auth.for_search.AuthForSearch`, which turns Auth refusals into
Search errors; in model tests, any small stub). A caller is either anonymous (no
token: Search serves queries and reads of public data without one) or an identity with
its identity set and the groups it belongs to, which together are the principals it
matches in ``visible_to`` and in index roles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

PUBLIC = "public"
ALL_AUTHENTICATED = "all_authenticated_users"
IDENTITY_URN = "urn:globus:auth:identity:"
GROUP_URN = "urn:globus:groups:id:"


@dataclass(frozen=True)
class SearchCaller:
    """``identity_id`` None is an anonymous caller; ``identities`` is the identity set
    (linked identities count), ``group_ids`` the groups of the account."""

    identity_id: str | None = None
    username: str | None = None
    identities: frozenset[str] = frozenset()
    group_ids: frozenset[str] = frozenset()

    @property
    def anonymous(self) -> bool:
        return self.identity_id is None

    @property
    def principals(self) -> frozenset[str]:
        """What this caller matches in ``visible_to`` and role principals."""
        if self.identity_id is None:
            return frozenset({PUBLIC})
        ids = self.identities | {self.identity_id}
        return frozenset(
            {PUBLIC, ALL_AUTHENTICATED}
            | {IDENTITY_URN + i for i in ids}
            | {GROUP_URN + g for g in self.group_ids}
        )


ANONYMOUS = SearchCaller()


class SearchAuth(Protocol):
    """What Search asks of Auth."""

    def caller_for_token(self, token: str | None) -> SearchCaller:
        """The caller a Search bearer token names; :data:`ANONYMOUS` for no token.
        Raises :class:`~.errors.Unauthorized` for an unknown, expired or revoked token,
        or one issued for another resource server."""
        ...

    def group_ids_of(self, identity_id: str) -> frozenset[str]:
        """Ids of the groups the identity's account belongs to (empty if unknown)."""
        ...


__all__ = [
    "ALL_AUTHENTICATED",
    "ANONYMOUS",
    "GROUP_URN",
    "IDENTITY_URN",
    "PUBLIC",
    "SearchAuth",
    "SearchCaller",
]
