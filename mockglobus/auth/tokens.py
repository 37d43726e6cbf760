"""Making, finding and revoking access and refresh tokens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mockcore.locking import locked
from mockglobus.auth.entities import Client, Token
from mockglobus.auth.ids import HARNESS_CLIENT
from mockglobus.auth.part import AuthPart
from mockglobus.auth.scopes import AUTH_RS, TRANSFER_RS, TRANSFER_SCOPE, ScopeRequest
from mockglobus.auth.tables import ACCESS_TOKEN_LIFETIME

if TYPE_CHECKING:
    from mockcore.state import ServiceState
    from mockglobus.auth.accounts import Accounts
    from mockglobus.auth.consents import Consents
    from mockglobus.auth.scope_registry import ScopeRegistry
    from mockglobus.auth.tables import Settings, Tables


class Tokens(AuthPart):
    """One access token (and a refresh token when offline) per resource server."""

    def __init__(
        self,
        state: ServiceState,
        tables: Tables,
        settings: Settings,
        accounts: Accounts,
        scopes: ScopeRegistry,
        consents: Consents,
    ) -> None:
        super().__init__(state, tables)
        self.settings = settings
        self.accounts = accounts
        self.scopes = scopes
        self.consents = consents

    def new(self, kind: str, like: Token, now: float) -> Token:
        """A new ``kind`` ("access" or "refresh") token for what ``like`` was issued for."""
        token = Token(
            value=self.ids.token(48),
            kind=kind,
            identity_id=like.identity_id,
            client_id=like.client_id,
            resource_server=like.resource_server,
            scopes=like.scopes,
            consent_ids=dict(like.consent_ids),
            issued_at=now,
            expires_at=now + self.settings.access_token_lifetime if kind == "access" else None,
            grant_id=like.grant_id,
            session_id=like.session_id,
        )
        self.tables.tokens[token.value] = token
        return token

    def issue(
        self,
        identity_id: str,
        client: Client,
        requests: list[ScopeRequest],
        consent_ids: dict[str, int],
        *,
        offline: bool,
        session_id: str | None,
        grant_id: str,
    ) -> list[tuple[Token, Token | None]]:
        """One access token (and refresh token if offline) per resource server, the
        auth.globus.org one first."""
        by_rs: dict[str, list[str]] = {}
        for req in requests:
            rs = self.scopes.resource_server_of(req.scope)
            assert rs is not None  # parse_requested checked
            by_rs.setdefault(rs, []).append(req.scope)
        order = sorted(by_rs, key=lambda rs: rs != AUTH_RS)
        now = self.now()
        out = []
        for rs in order:
            template = Token(
                value="",
                kind="access",
                identity_id=identity_id,
                client_id=client.id,
                resource_server=rs,
                scopes=tuple(by_rs[rs]),
                consent_ids={s: consent_ids[s] for s in by_rs[rs] if s in consent_ids},
                issued_at=now,
                expires_at=None,
                grant_id=grant_id,
                session_id=session_id,
            )
            access = self.new("access", template, now)
            refresh = self.new("refresh", template, now) if offline else None
            out.append((access, refresh))
        return out

    def document(self, token: Token) -> dict[str, Any]:
        """An access token as the token endpoint answers with it."""
        assert token.expires_at is not None
        return {
            "access_token": token.value,
            "scope": " ".join(token.scopes),
            "expires_in": int(token.expires_at - self.now()),
            "token_type": "Bearer",
            "resource_server": token.resource_server,
        }

    def active(self, value: str | None) -> Token | None:
        """The token ``value`` if it is live (neither expired nor revoked), else None."""
        token = self.tables.tokens.get(value or "")
        if token is None or not token.active(self.now()):
            return None
        return token

    def revoke_grant(self, grant_id: str) -> None:
        """Revoke every token one grant issued."""
        for token in self.tables.tokens.values():
            if token.grant_id == grant_id:
                token.revoked = True

    @locked
    def mint_token(
        self,
        username_or_identity: str,
        resource_server: str = TRANSFER_RS,
        scopes: str | Iterable[str] | None = None,
    ) -> str:
        """A test helper: an access token for a user (or client identity) as if it had
        logged in through the harness client, consenting to ``scopes`` (default: the
        resource server's main scope). Dependent syntax records dependent consents."""
        ident = self.accounts.identity(username_or_identity)
        if scopes is None:
            scopes = {TRANSFER_RS: TRANSFER_SCOPE, AUTH_RS: "openid profile email"}.get(
                resource_server
            ) or next(
                (
                    s.scope_string
                    for s in self.tables.scopes.values()
                    if s.resource_server == resource_server
                ),
                None,
            )
            if scopes is None:
                raise ValueError(f"no known scope for resource server {resource_server}")
        text = scopes if isinstance(scopes, str) else " ".join(scopes)
        requests = self.scopes.parse_requested(text)
        for req in requests:
            if self.scopes.resource_server_of(req.scope) != resource_server:
                raise ValueError(f"scope {req.scope} is not for {resource_server}")
        client = self.tables.clients[HARNESS_CLIENT]
        consent_ids = {
            r.scope: self.consents.record(ident.account, client.id, r).id for r in requests
        }
        [(access, _)] = self.issue(
            ident.account,
            client,
            requests,
            consent_ids,
            offline=False,
            session_id=None,
            grant_id=self.ids.hex(8),
        )
        return access.value

    @locked
    def revoke(self, token: str) -> None:
        """Revoke a token as its owner would (a refresh token takes its grant with it)."""
        found = self.tables.tokens.get(token)
        if found is None:
            return
        if found.kind == "refresh":
            self.revoke_grant(found.grant_id)
        found.revoked = True


__all__ = ["ACCESS_TOKEN_LIFETIME", "Tokens"]
