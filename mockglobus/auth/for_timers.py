"""Auth as Timers sees it: the one adapter from :class:`~.model.AuthModel` to
:class:`mockglobus.timers.identity.TimersAuth`.

A Timers request's bearer token must be a live access token for the Timers resource
server (``524230d7-ea86-4a52-8312-86065a9e0417``) carrying the Timers scope; any other
(a Transfer token, say) is refused with Timers' 401 and Auth's message.

A timer keeps its user's consent to the Timers scope (the consent the request's token
was issued under). At a run that consent must still hold the Transfer scope beneath it
(the Timers scope declares it, so logging in to Timers consents to it), and the run's
Transfer token is a dependent token of it, issued to the Timers resource server: the
Transfer double then checks a mapped collection's ``data_access`` consent beneath
*that* Transfer consent, i.e. ``timer[transfer[*data_access]]``, as the real service's
dependent token faces it. Consents are checked live (see :mod:`.model`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockglobus.auth import errors as auth_errors
from mockglobus.auth.entities import Token
from mockglobus.auth.ids import stable_id
from mockglobus.auth.scopes import TIMERS_RS, TIMERS_SCOPE, TRANSFER_RS, TRANSFER_SCOPE
from mockglobus.timers import errors as E
from mockglobus.timers.identity import Credential, TimersCaller
from mockglobus.transfer import errors as transfer_errors
from mockglobus.transfer.access import Caller

if TYPE_CHECKING:
    from mockglobus.auth.for_transfer import AuthForTransfer
    from mockglobus.auth.model import AuthModel


class AuthForTimers:
    """Answers Timers' questions from ``auth``; a run's Transfer caller comes from
    ``for_transfer``, as a Transfer request's would."""

    #: At most this many dependent Transfer tokens are kept for reuse (then it starts over).
    CACHE_SIZE = 10_000

    def __init__(self, auth: AuthModel, for_transfer: AuthForTransfer) -> None:
        self.auth = auth
        self.for_transfer = for_transfer
        self.client_id = stable_id("client", TIMERS_RS)  # who dependent tokens are issued to
        # consent id -> the dependent Transfer access token last issued beneath it
        self._tokens: dict[int, str] = {}

    def caller_for_token(self, token: str | None) -> TimersCaller:
        try:
            info = self.auth.check_access_token(token, TIMERS_RS)
        except auth_errors.TokenRejected as exc:
            raise E.AuthenticationFailed(exc.message) from None
        if TIMERS_SCOPE not in info.scopes:
            raise E.AuthenticationFailed(
                f"Token is not valid for Timers: it lacks the scope {TIMERS_SCOPE}"
            )
        record = self.auth.tables.tokens[token or ""]
        credential = Credential(
            info.identity_id,
            info.client_id,
            record.consent_ids.get(TIMERS_SCOPE, -1),
            record.session_id,
        )
        return TimersCaller(info.identity_id, info.username, credential)

    def transfer_caller(self, credential: Credential) -> Caller:
        with self.auth.state.lock:
            token = self._dependent_token(credential)
        try:
            return self.for_transfer.caller_for_token(token)
        except transfer_errors.TransferError as exc:  # Auth refused the token just issued
            raise E.AuthRequirements([self._needed()], exc.message) from None

    def _dependent_token(self, credential: Credential) -> str:
        tables = self.auth.tables
        root = tables.consents.get(credential.consent_id)
        if root is None or root.scope_string != TIMERS_SCOPE:
            raise E.AuthRequirements([self._needed()], "Missing required consent")
        transfer = next(
            (c for c in self.auth.consents.children(root.id) if c.scope_string == TRANSFER_SCOPE),
            None,
        )
        if transfer is None:
            raise E.AuthRequirements([self._needed()], "Missing required consent")
        now = self.auth.state.clock.time()
        cached = tables.tokens.get(self._tokens.get(transfer.id, ""))
        if (
            cached is not None
            and cached.active(now)
            and cached.consent_ids == {TRANSFER_SCOPE: transfer.id}
        ):
            return cached.value
        template = Token(
            value="",
            kind="access",
            identity_id=credential.identity_id,
            client_id=self.client_id,
            resource_server=TRANSFER_RS,
            scopes=(TRANSFER_SCOPE,),
            consent_ids={TRANSFER_SCOPE: transfer.id},
            issued_at=now,
            expires_at=None,
            grant_id=self.auth.state.ids.hex(8),
            session_id=credential.session_id,
        )
        if len(self._tokens) >= self.CACHE_SIZE:
            self._tokens.clear()
        access = self.auth.tokens.new("access", template, now)
        self._tokens[transfer.id] = access.value
        return access.value

    @staticmethod
    def _needed() -> str:
        return f"{TIMERS_SCOPE}[{TRANSFER_SCOPE}]"


__all__ = ["AuthForTimers"]
