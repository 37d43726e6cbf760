"""Making, answering with and revoking access and refresh tokens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mockglobus.auth.entities import Client, Token
from mockglobus.auth.part import AuthPart
from mockglobus.auth.scopes import AUTH_RS, TRANSFER_RS, TRANSFER_SCOPE, ScopeRequest
from mockglobus.locking import locked

ACCESS_TOKEN_LIFETIME = 172_800  # 48 h, as the real service


class Tokens(AuthPart):
    """One access token (and a refresh token when offline) per resource server."""

    def _new_token(self, kind: str, like: Token, now: float) -> Token:
        token = Token(
            value=self._ids.token(48), kind=kind, identity_id=like.identity_id,
            client_id=like.client_id, resource_server=like.resource_server, scopes=like.scopes,
            consent_ids=dict(like.consent_ids), issued_at=now,
            expires_at=now + self.access_token_lifetime if kind == "access" else None,
            grant_id=like.grant_id, session_id=like.session_id,
        )
        self.tokens[token.value] = token
        return token

    def _issue(
        self, identity_id: str, client: Client, requests: list[ScopeRequest],
        consent_ids: dict[str, int], *, offline: bool, session_id: str | None, grant_id: str,
    ) -> list[tuple[Token, Token | None]]:
        """One access token (and refresh token if offline) per resource server, the
        auth.globus.org one first."""
        by_rs: dict[str, list[str]] = {}
        for req in requests:
            rs = self._scope_rs(req.scope)
            assert rs is not None  # parse_requested checked
            by_rs.setdefault(rs, []).append(req.scope)
        order = sorted(by_rs, key=lambda rs: rs != AUTH_RS)
        now = self._now()
        out = []
        for rs in order:
            template = Token(
                value="", kind="access", identity_id=identity_id, client_id=client.id,
                resource_server=rs, scopes=tuple(by_rs[rs]),
                consent_ids={s: consent_ids[s] for s in by_rs[rs] if s in consent_ids},
                issued_at=now, expires_at=None, grant_id=grant_id, session_id=session_id,
            )
            access = self._new_token("access", template, now)
            refresh = self._new_token("refresh", template, now) if offline else None
            out.append((access, refresh))
        return out

    def _token_doc(self, token: Token) -> dict[str, Any]:
        assert token.expires_at is not None
        return {
            "access_token": token.value,
            "scope": " ".join(token.scopes),
            "expires_in": int(token.expires_at - self._now()),
            "token_type": "Bearer",
            "resource_server": token.resource_server,
        }

    def _response(
        self, tokens: list[tuple[Token, Token | None]], client: Client, auth_base: str, *,
        state: str | None, session_id: str | None, nonce: str | None = None,
    ) -> dict[str, Any]:
        docs = []
        for access, refresh in tokens:
            doc = self._token_doc(access)
            if refresh is not None:
                doc["refresh_token"] = refresh.value
            if state is not None:
                doc["state"] = state
            docs.append(doc)
        top = dict(docs[0])
        first = tokens[0][0]
        if "openid" in first.scopes:
            top["id_token"] = self._id_token(first, client, auth_base, session_id, nonce)
        top["other_tokens"] = docs[1:]
        return top

    def _revoke_grant(self, grant_id: str) -> None:
        for token in self.tokens.values():
            if token.grant_id == grant_id:
                token.revoked = True

    @locked
    def mint_token(
        self, username_or_identity: str, resource_server: str = TRANSFER_RS,
        scopes: str | Iterable[str] | None = None,
    ) -> str:
        """A test helper: an access token for a user (or client identity) as if it had
        logged in through the harness client, consenting to ``scopes`` (default: the
        resource server's main scope). Dependent syntax records dependent consents."""
        ident = self.identity(username_or_identity)
        if scopes is None:
            scopes = {TRANSFER_RS: TRANSFER_SCOPE, AUTH_RS: "openid profile email"}.get(
                resource_server
            ) or next(
                (s.scope_string for s in self.scopes.values()
                 if s.resource_server == resource_server), None,
            )
            if scopes is None:
                raise ValueError(f"no known scope for resource server {resource_server}")
        text = scopes if isinstance(scopes, str) else " ".join(scopes)
        requests = self.parse_requested(text)
        for req in requests:
            if self._scope_rs(req.scope) != resource_server:
                raise ValueError(f"scope {req.scope} is not for {resource_server}")
        client = self.harness_client
        consent_ids = {r.scope: self._consent(ident.account, client.id, r).id
                       for r in requests}
        [(access, _)] = self._issue(ident.account, client, requests, consent_ids,
                                    offline=False, session_id=None,
                                    grant_id=self._ids.hex(8))
        return access.value

    @locked
    def revoke(self, token: str) -> None:
        """Revoke a token as its owner would (a refresh token takes its grant with it)."""
        found = self.tokens.get(token)
        if found is None:
            return
        if found.kind == "refresh":
            self._revoke_grant(found.grant_id)
        found.revoked = True
