"""Who is calling, and what a caller sees of a collection (a :class:`Mount`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from mockglobus.transfer.endpoints import Collection
from mockglobus.transfer.vfs import Parts, User, View

CLIENT_SUFFIX = "@clients.auth.globus.org"


@dataclass(frozen=True)
class Caller:
    """An authenticated identity, as the Transfer routes learn it from a token."""

    identity_id: str
    username: str
    scopes: frozenset[str] = frozenset()
    group_ids: frozenset[str] = frozenset()
    client_id: str | None = None
    token: str | None = field(default=None, repr=False, compare=False)
    # the identities of the token's session (its identity set); the caller alone if unknown
    session_ids: frozenset[str] = frozenset()
    # whether the token's session holds an authentication made with MFA
    mfa: bool = False

    @property
    def identities(self) -> frozenset[str]:
        return self.session_ids | {self.identity_id}

    def local_name(self) -> str:
        """The account a "map every identity" collection gives this identity."""
        base = self.username.split("@", 1)[0].lower()
        if self.username.endswith(CLIENT_SUFFIX):
            base = "client-" + base.replace("-", "")[:8]
        base = re.sub(r"[^a-z0-9_.-]", "_", base) or "user"
        return base[:32]

    def has_data_access(self, collection_id: str) -> bool:
        needle = f"/scopes/{collection_id}/data_access"
        return any(needle in scope for scope in self.scopes)


@dataclass
class Mount:
    """A collection as one caller can use it: a view, a local account, a home, a gate."""

    collection: Collection
    view: View
    user: User
    home: Parts
    # Guest collections: the best ACL/role grant ("", "r", "rw") at a path.
    grant: Callable[[Parts], str] | None = None
    roles: list[str] = field(default_factory=list)

    def allows(self, parts: Parts, need: str) -> bool:
        if self.grant is None:
            return True
        have = self.grant(parts)
        return need in have if need == "r" else have == "rw"
