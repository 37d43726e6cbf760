"""``POST /v2/oauth2/token``: the four grants (authorization code, refresh, client credentials, dependent token)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mockcore.locking import settled
from mockglobus.auth import errors
from mockglobus.auth.entities import Client, Consent, Token
from mockglobus.auth.ids import ISSUER
from mockglobus.auth.part import AuthPart

if TYPE_CHECKING:
    from mockcore.state import ServiceState
    from mockglobus.auth.clients import ClientRegistry
    from mockglobus.auth.consents import Consents
    from mockglobus.auth.oidc import OpenIdConnect
    from mockglobus.auth.scope_registry import ScopeRegistry
    from mockglobus.auth.tables import Settings, Tables
    from mockglobus.auth.tokens import Tokens

DEPENDENT_GRANT = "urn:globus:auth:grant_type:dependent_token"
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


class Grants(AuthPart):
    """Each grant checks its input and issues tokens through :class:`~.tokens.Tokens`."""

    def __init__(
        self,
        state: ServiceState,
        tables: Tables,
        settings: Settings,
        clients: ClientRegistry,
        scopes: ScopeRegistry,
        consents: Consents,
        tokens: Tokens,
        oidc: OpenIdConnect,
    ) -> None:
        super().__init__(state, tables)
        self.settings = settings
        self.clients = clients
        self.scopes = scopes
        self.consents = consents
        self.tokens = tokens
        self.oidc = oidc

    @settled
    def oauth2_token(
        self, form: dict[str, str], basic: tuple[str, str] | None, auth_base: str = ISSUER
    ) -> dict[str, Any] | list[dict[str, Any]]:
        """``POST /v2/oauth2/token``: the response document of any supported grant."""
        grant = form.get("grant_type")
        if not grant:
            raise errors.InvalidRequest("Missing required parameter: grant_type")
        client = self.clients.login_client(basic, form.get("client_id"))
        handlers: dict[
            str, Callable[[Client, dict[str, str], str], dict[str, Any] | list[dict[str, Any]]]
        ] = {
            "authorization_code": self._grant_code,
            "refresh_token": self._grant_refresh,
            "client_credentials": self._grant_client_credentials,
            DEPENDENT_GRANT: self._grant_dependent,
        }
        handler = handlers.get(grant)
        if handler is None:
            raise errors.UnsupportedGrantType(f"Unsupported grant_type: {grant}")
        if grant not in client.grant_types:
            raise errors.UnauthorizedClient(f"This client is not allowed to use the {grant} grant")
        return handler(client, form, auth_base)

    def _grant_code(self, client: Client, form: dict[str, str], auth_base: str) -> dict[str, Any]:
        value = form.get("code")
        if not value:
            raise errors.InvalidRequest("Missing required parameter: code")
        code = self.tables.codes.get(value)
        now = self.now()
        if code is None or code.client_id != client.id:
            raise errors.InvalidGrant("Invalid authorization code")
        if code.used:
            if code.grant_id:
                self.tokens.revoke_grant(code.grant_id)
            raise errors.InvalidGrant("Authorization code has already been used")
        if now >= code.expires_at:
            raise errors.InvalidGrant("Authorization code has expired")
        if form.get("redirect_uri") != code.redirect_uri:
            raise errors.InvalidGrant("redirect_uri does not match the authorization request")
        if code.challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier or not _VERIFIER.fullmatch(verifier):
                raise errors.InvalidGrant("Invalid code_verifier")
            if code.challenge_method == "S256":
                digest = hashlib.sha256(verifier.encode("ascii")).digest()
                expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            else:
                expected = verifier
            if expected != code.challenge:
                raise errors.InvalidGrant("Invalid code_verifier")
        code.used = True
        requests = self.scopes.parse_requested(code.scope)
        grant_id = self.ids.hex(8)
        code.grant_id = grant_id
        tokens = self.tokens.issue(
            code.identity_id,
            client,
            requests,
            code.consent_ids,
            offline=code.offline,
            session_id=code.session_id,
            grant_id=grant_id,
        )
        return self._response(
            tokens,
            client,
            auth_base,
            state=code.state or "_default",
            session_id=code.session_id,
            nonce=code.nonce,
        )

    def _grant_refresh(
        self, client: Client, form: dict[str, str], auth_base: str
    ) -> dict[str, Any]:
        value = form.get("refresh_token")
        if not value:
            raise errors.InvalidRequest("Missing required parameter: refresh_token")
        old = self.tables.tokens.get(value)
        now = self.now()
        if old is None or old.kind != "refresh" or not old.active(now):
            raise errors.InvalidGrant("Invalid refresh token")
        if old.client_id != client.id:
            raise errors.InvalidGrant("Refresh token was issued to another client")
        access = self.tokens.new("access", old, now)
        doc = self.tokens.document(access)
        refresh = old
        if self.settings.rotate_refresh_tokens:
            old.revoked = True
            refresh = self.tokens.new("refresh", old, now)
        doc["refresh_token"] = refresh.value
        doc["other_tokens"] = []
        return doc

    def _grant_client_credentials(
        self, client: Client, form: dict[str, str], auth_base: str
    ) -> dict[str, Any]:
        requests = self.scopes.parse_requested(form.get("scope"))
        consent_ids = {r.scope: self.consents.record(client.id, client.id, r).id for r in requests}
        tokens = self.tokens.issue(
            client.id,
            client,
            requests,
            consent_ids,
            offline=False,
            session_id=None,
            grant_id=self.ids.hex(8),
        )
        return self._response(tokens, client, auth_base, state=None, session_id=None)

    def _grant_dependent(
        self, client: Client, form: dict[str, str], auth_base: str
    ) -> list[dict[str, Any]]:
        value = form.get("token")
        if not value:
            raise errors.InvalidRequest("Missing required parameter: token")
        upstream = self.tables.tokens.get(value)
        now = self.now()
        if upstream is None or upstream.kind != "access" or not upstream.active(now):
            raise errors.InvalidGrant("Invalid token")
        if upstream.resource_server != client.rs_name:
            raise errors.InvalidGrant("The token was not issued for this client's resource server")
        available: dict[str, Consent] = {}
        for node_id in upstream.consent_ids.values():
            for child in self.consents.children(node_id):
                available.setdefault(child.scope_string, child)
        if form.get("scope"):
            wanted = [r.scope for r in self.scopes.parse_requested(form["scope"])]
            missing = [s for s in wanted if s not in available]
            if missing:
                raise errors.InvalidScope("No consent for dependent scope(s): " + " ".join(missing))
        else:
            wanted = list(available)
        offline = form.get("access_type") == "offline"
        grant_id = self.ids.hex(8)
        by_rs: dict[str, list[str]] = {}
        for scope in wanted:
            by_rs.setdefault(self.scopes.resource_server_of(scope) or scope, []).append(scope)
        docs = []
        for rs, scopes in by_rs.items():
            template = Token(
                value="",
                kind="access",
                identity_id=upstream.identity_id,
                client_id=client.id,
                resource_server=rs,
                scopes=tuple(scopes),
                consent_ids={s: available[s].id for s in scopes},
                issued_at=now,
                expires_at=None,
                grant_id=grant_id,
                session_id=upstream.session_id,
            )
            access = self.tokens.new("access", template, now)
            doc = self.tokens.document(access)
            doc["token_type"] = "bearer"  # the recorded dependent-token response is lower case
            if offline:
                doc["refresh_token"] = self.tokens.new("refresh", template, now).value
            docs.append(doc)
        return docs

    def _response(
        self,
        tokens: list[tuple[Token, Token | None]],
        client: Client,
        auth_base: str,
        *,
        state: str | None,
        session_id: str | None,
        nonce: str | None = None,
    ) -> dict[str, Any]:
        """The token endpoint's answer: the first resource server's tokens at the top
        (with an id_token when openid was granted), the others in ``other_tokens``."""
        docs = []
        for access, refresh in tokens:
            doc = self.tokens.document(access)
            if refresh is not None:
                doc["refresh_token"] = refresh.value
            if state is not None:
                doc["state"] = state
            docs.append(doc)
        top = dict(docs[0])
        first = tokens[0][0]
        if "openid" in first.scopes:
            top["id_token"] = self.oidc.id_token(first, client, auth_base, session_id, nonce)
        top["other_tokens"] = docs[1:]
        return top
