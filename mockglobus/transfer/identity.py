"""What Transfer asks of Globus Auth, as one small protocol.

Transfer never imports Auth: it is handed a :class:`TransferAuth` (in the double,
:class:`mockglobus.auth.for_transfer.AuthForTransfer`, which translates every Auth
refusal into Transfer's own errors; in model tests, any small stub). Every method
answers at once, in-process; each raises only :mod:`mockglobus.transfer.errors`.

Not asked (not implemented by Transfer): group *details* and memberships beyond ids,
identity providers, and linked-identity policies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mockglobus.transfer.access import Caller


@dataclass(frozen=True)
class KnownIdentity:
    """An identity Auth knows: its id and username."""

    id: str
    username: str


class TransferAuth(Protocol):
    """What Transfer asks of Auth: who a bearer token names, identities, consents and
    group ids."""

    def caller_for_token(self, token: str | None) -> Caller:
        """The caller a Transfer bearer token names (identity, scopes, groups, identity
        set, MFA). Raises :class:`~.errors.AuthenticationFailed` for a missing, unknown,
        expired or revoked token, one for another resource server or one without the
        Transfer scope; :class:`~.errors.ConsentRequired` when the token's user must
        consent again."""
        ...

    def identity(self, username_or_id: str) -> KnownIdentity | None:
        """The identity with this id or username (case-insensitive), or None."""
        ...

    def require_consent(self, caller: Caller, scope: str) -> None:
        """Return if ``caller``'s user has consented to ``scope`` (a collection's
        ``data_access`` scope) beneath the Transfer scope of their token; else raise
        :class:`~.errors.ConsentRequired` naming the scopes to request."""
        ...

    def group_ids_of(self, identity_id: str) -> frozenset[str]:
        """Ids of the groups the identity's account belongs to (empty if unknown)."""
        ...


__all__ = ["KnownIdentity", "TransferAuth"]
