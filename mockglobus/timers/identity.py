"""What Timers asks of Globus Auth, as one small protocol.

Timers never imports Auth: it is handed a :class:`TimersAuth` (in the double,
:class:`mockglobus.auth.for_timers.AuthForTimers`). A request's bearer token names a
:class:`TimersCaller`, whose :class:`Credential` the timer keeps, as the real service
keeps a refresh token it got as a dependent token of the user's Timers token. At each
run the credential is turned into a Transfer caller (a dependent Transfer token:
Timers scope → Transfer ``all`` → optional collection ``data_access``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mockglobus.transfer.access import Caller

#: Timers' resource server and scope (globus-sdk ``scopes/data/timers.py``).
TIMERS_RS = "524230d7-ea86-4a52-8312-86065a9e0417"
TIMERS_SCOPE = f"https://auth.globus.org/scopes/{TIMERS_RS}/timer"


@dataclass(frozen=True)
class Credential:
    """What a timer keeps to act as its user later: the user's consent to the Timers
    scope it was created under (the root of the dependent consents), and the session."""

    identity_id: str
    client_id: str
    consent_id: int
    session_id: str | None = None


@dataclass(frozen=True)
class TimersCaller:
    """Who a Timers request comes from, and the credential a timer would keep."""

    identity_id: str
    username: str
    credential: Credential


class TimersAuth(Protocol):
    def caller_for_token(self, token: str | None) -> TimersCaller:
        """The caller a Timers bearer token names; raises
        :class:`~.errors.AuthenticationFailed` for a missing, unknown, expired or
        revoked token, one for another resource server, or one without the Timers
        scope."""
        ...

    def transfer_caller(self, credential: Credential) -> Caller:
        """The Transfer caller a timer acts as at a run (a dependent Transfer token of
        ``credential``); raises :class:`~.errors.AuthRequirements` when the user's
        consent to Transfer beneath the Timers scope is gone."""
        ...


__all__ = ["TIMERS_RS", "TIMERS_SCOPE", "Credential", "TimersAuth", "TimersCaller"]
