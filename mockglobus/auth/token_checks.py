"""Asking about a token: other services checking bearer tokens, introspect, validate, revoke."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockcore.locking import locked, settled
from mockglobus.auth import errors
from mockglobus.auth.entities import Client, Token, TokenInfo
from mockglobus.auth.ids import ISSUER
from mockglobus.auth.part import AuthPart
from mockglobus.auth.scopes import ScopeRequest, ScopeSyntaxError, parse_scopes, resource_server_of

if TYPE_CHECKING:
    from mockcore.state import ServiceState
    from mockglobus.auth.accounts import Accounts
    from mockglobus.auth.consents import Consents
    from mockglobus.auth.tables import Tables
    from mockglobus.auth.tokens import Tokens


class TokenChecks(AuthPart):
    """Answers about tokens, to resource servers (in-process) and to clients (over HTTP)."""

    def __init__(
        self,
        state: ServiceState,
        tables: Tables,
        accounts: Accounts,
        consents: Consents,
        tokens: Tokens,
    ) -> None:
        super().__init__(state, tables)
        self.accounts = accounts
        self.consents = consents
        self.tokens = tokens

    @settled
    def check_access_token(
        self, token: str | None, resource_server: str, required_scope: str | None = None
    ) -> TokenInfo:
        """Is ``token`` a live access token for ``resource_server``? If
        ``required_scope`` is given (e.g. a collection's data_access scope, or
        ``root[dependent]`` syntax), the token's user must have consented to it beneath
        the token's scope, else :class:`ConsentRequired` names what to request.

        Raises :class:`AuthenticationFailed` for a missing, unknown (forged), expired or
        revoked token, a refresh token, or one issued for another resource server.
        """
        if not token:
            raise errors.AuthenticationFailed("No Authorization header provided")
        found = self.tables.tokens.get(token)
        now = self.now()
        if found is None or found.kind != "access":
            raise errors.AuthenticationFailed("Token is not active")
        if found.revoked:
            raise errors.AuthenticationFailed("Token is not active")
        if found.expires_at is not None and now >= found.expires_at:
            raise errors.AuthenticationFailed("Token is not active")
        if found.resource_server != resource_server:
            raise errors.AuthenticationFailed(
                f"Token is not valid for resource server {resource_server}"
            )
        if required_scope:
            self._require(found, resource_server, required_scope)
        ident = self.tables.identities.get(found.identity_id)
        return TokenInfo(
            identity_id=found.identity_id,
            username=ident.username if ident else found.identity_id,
            client_id=found.client_id,
            scopes=frozenset(found.scopes),
            resource_server=found.resource_server,
            expires_at=float(found.expires_at or 0),
            issued_at=found.issued_at,
            name=ident.name if ident else None,
            email=ident.email if ident else None,
            identity_set=tuple(i.id for i in self.accounts.identity_set(found.identity_id))
            if ident
            else (),
            session_info=self.session_info(found),
        )

    def session_info(self, token: Token) -> dict[str, Any]:
        """The session ``token`` was issued in, as introspect's ``session_info``."""
        session = self.tables.sessions.get(token.session_id or "")
        return session.to_api() if session else {"session_id": None, "authentications": {}}

    def _require(self, token: Token, resource_server: str, required: str) -> None:
        try:
            wanted = parse_scopes(required)
        except ScopeSyntaxError as exc:
            raise ValueError(f"bad required_scope {required!r}: {exc}") from None
        root_scope = token.scopes[0]
        for req in wanted:
            if req.scope not in token.scopes:
                if resource_server_of(req.scope) == resource_server or req.scope in token.scopes:
                    raise errors.ConsentRequired(
                        [req.serialize()], f"Missing required {req.scope} consent"
                    )
                req = ScopeRequest(
                    root_scope, False, [ScopeRequest(req.scope, True, req.dependencies)]
                )
            node_id = token.consent_ids.get(req.scope)
            if node_id is None or node_id not in self.tables.consents:
                raise errors.ConsentRequired([req.serialize()], "Missing required consent")
            if not self._covered(node_id, req.dependencies):
                raise errors.ConsentRequired([req.serialize()])

    def _covered(self, node_id: int, deps: list[ScopeRequest]) -> bool:
        children = {c.scope_string: c for c in self.consents.children(node_id)}
        return all(
            d.scope in children and self._covered(children[d.scope].id, d.dependencies)
            for d in deps
        )

    @settled
    def oauth2_token_introspect(
        self, value: str | None, caller: Client, include: str | None
    ) -> dict[str, Any]:
        """``token/introspect``: only the token's audience (the client it was issued to,
        or its resource server) learns that it is active."""
        if not value:
            raise errors.InvalidRequest("Missing required parameter: token")
        token = self.tokens.active(value)
        # Only the audience may look: the client it was issued to, or its resource server.
        in_audience = (
            token is not None
            and caller.id == token.client_id
            or (token is not None and caller.rs_name == token.resource_server)
        )
        if token is None or not in_audience:
            return {"active": False}
        ident = self.tables.identities[token.identity_id]
        doc: dict[str, Any] = {
            "active": True,
            "token_type": "Bearer",
            "scope": " ".join(token.scopes),
            "client_id": token.client_id,
            "username": ident.username,
            "name": ident.name,
            "email": ident.email,
            "exp": int(token.expires_at or 0),
            "iat": int(token.issued_at),
            "nbf": int(token.issued_at),
            "sub": ident.id,
            "aud": [token.resource_server, token.client_id],
            "iss": ISSUER,
        }
        wanted = {w.strip() for w in (include or "").split(",") if w.strip()}
        unknown = wanted - {"identity_set", "session_info", "identity_set_detail"}
        if unknown:
            raise errors.InvalidRequest(f"Unknown include value(s): {', '.join(sorted(unknown))}")
        if "identity_set" in wanted:
            doc["identity_set"] = [i.id for i in self.accounts.identity_set(ident.id)]
        if "identity_set_detail" in wanted:
            doc["identity_set_detail"] = [i.to_api() for i in self.accounts.identity_set(ident.id)]
        if "session_info" in wanted:
            doc["session_info"] = self.session_info(token)
        return doc

    @locked
    def oauth2_revoke_token(self, value: str | None, caller: Client) -> dict[str, Any]:
        """``token/revoke``: only the client a token was issued to may revoke it; an
        unknown token is not an error (RFC 7009)."""
        if not value:
            raise errors.InvalidRequest("Missing required parameter: token")
        token = self.tables.tokens.get(value)
        if token is not None and token.client_id == caller.id:
            self.tokens.revoke(value)
        return {"active": False}

    @settled
    def oauth2_validate_token(self, value: str | None, caller: Client) -> dict[str, Any]:
        """``token/validate`` (globus-sdk 2's ``oauth2_validate_token``): is the token
        live and the caller's own?"""
        if not value:
            raise errors.InvalidRequest("Missing required parameter: token")
        token = self.tokens.active(value)
        return {"active": token is not None and token.client_id == caller.id}
