"""Auth as Transfer sees it: the one adapter from :class:`~.model.AuthModel` to
:class:`mockglobus.transfer.identity.TransferAuth`.

Every translation of an Auth refusal into a Transfer error happens here, once: an
Auth :class:`~.errors.ConsentRequired` becomes Transfer's 403 ``ConsentRequired``
(with the scopes to request), any other :class:`~.errors.TokenRejected` Transfer's 401
``AuthenticationFailed`` (with Auth's message), as the real Transfer service answers.

Group ids come from Groups (:meth:`mockglobus.groups.model.GroupsModel.group_ids_of`:
groups where any identity of the caller's account is an active member), asked anew
whenever a membership changed since the caller was resolved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockglobus.auth import errors as auth_errors
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller
from mockglobus.transfer.base import RESOURCE_SERVER, TRANSFER_SCOPE
from mockglobus.transfer.identity import KnownIdentity

if TYPE_CHECKING:
    from mockglobus.auth.entities import Token
    from mockglobus.auth.model import AuthModel
    from mockglobus.groups.model import GroupsModel


class AuthForTransfer:
    """Answers Transfer's questions from ``auth`` (in-process; no HTTP)."""

    #: At most this many resolved callers are kept (then the cache starts over).
    CACHE_SIZE = 10_000

    def __init__(self, auth: AuthModel, groups: GroupsModel | None = None) -> None:
        self.auth = auth
        self.groups = groups  # None: nobody belongs to any group
        # token -> (the caller, the Token record it came from, the generations then)
        self._callers: dict[str, tuple[Caller, Token, tuple[int, int]]] = {}

    def _generation(self) -> tuple[int, int]:
        """What a cached caller was built from: Auth's tables and Groups' memberships."""
        return (self.auth.tables.generation, self.groups.generation if self.groups else 0)

    def caller_for_token(self, token: str | None) -> Caller:
        """The caller a bearer token stands for. A caller resolved before is served
        again while its token record is the same one, neither revoked nor expired at
        the current virtual time, and nothing it was built from changed since
        (:attr:`~.tables.Tables.generation`, and Groups' memberships); otherwise Auth
        checks the token anew."""
        tables = self.auth.tables
        cached = self._callers.get(token) if token else None
        if cached is not None:
            caller, record, generation = cached
            if (
                tables.tokens.get(record.value) is record
                and not record.revoked
                and generation == self._generation()
                and (record.expires_at is None or self.auth.state.clock.time() < record.expires_at)
            ):
                return caller
            self._callers.pop(record.value, None)
        generation = self._generation()
        caller = self._resolve(token)  # raises for every token it refuses
        found = tables.tokens.get(token or "")
        if found is not None and token:
            if len(self._callers) >= self.CACHE_SIZE:
                self._callers.clear()
            self._callers[token] = (caller, found, generation)
        return caller

    def _resolve(self, token: str | None) -> Caller:
        try:
            info = self.auth.check_access_token(token, RESOURCE_SERVER)
        except auth_errors.ConsentRequired as exc:
            raise E.ConsentRequired(exc.required_scopes, exc.message) from None
        except auth_errors.TokenRejected as exc:
            raise E.AuthenticationFailed(exc.message) from None
        if TRANSFER_SCOPE not in info.scopes:
            raise E.AuthenticationFailed(
                f"Token is not valid for Transfer: it lacks the scope {TRANSFER_SCOPE}"
            )
        authentications = (info.session_info or {}).get("authentications") or {}
        mfa = any("mfa" in (a.get("amr") or []) for a in authentications.values())
        return Caller(
            info.identity_id,
            info.username,
            frozenset(info.scopes),
            self.group_ids_of(info.identity_id),
            info.client_id,
            token,
            session_ids=frozenset(info.identity_set),
            mfa=mfa,
        )

    def identity(self, username_or_id: str) -> KnownIdentity | None:
        try:
            found = self.auth.identity(username_or_id)
        except KeyError:
            return None
        return KnownIdentity(found.id, found.username)

    def require_consent(self, caller: Caller, scope: str) -> None:
        """Auth checks the consent live, beneath the caller's token; a caller without a
        token (built by a test) is told to consent beneath the Transfer scope."""
        if not caller.token:
            raise E.ConsentRequired([f"{TRANSFER_SCOPE}[*{scope}]"])
        try:
            self.auth.check_access_token(caller.token, RESOURCE_SERVER, scope)
        except auth_errors.ConsentRequired as exc:
            raise E.ConsentRequired(exc.required_scopes) from None
        except auth_errors.TokenRejected as exc:
            raise E.AuthenticationFailed(exc.message) from None

    def group_ids_of(self, identity_id: str) -> frozenset[str]:
        """Groups where any identity of ``identity_id``'s account is an active member."""
        if self.groups is None or not self.groups.t.active:
            return frozenset()
        found = self.auth.accounts.find(identity_id)
        ids = [i.id for i in self.auth.identity_set(identity_id)] if found else [identity_id]
        return self.groups.group_ids_of(ids)


__all__ = ["AuthForTransfer"]
