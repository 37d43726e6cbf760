"""OpenID Connect: id tokens, userinfo, discovery document and signing keys."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mockcore.locking import settled
from mockglobus.auth import errors
from mockglobus.auth.entities import Client, Identity, Token
from mockglobus.auth.part import AuthPart
from mockglobus.auth.scopes import AUTH_RS

if TYPE_CHECKING:
    from mockcore.state import ServiceState
    from mockglobus.auth.accounts import Accounts
    from mockglobus.auth.keys import SigningKey
    from mockglobus.auth.tables import Settings, Tables
    from mockglobus.auth.tokens import Tokens


class OpenIdConnect(AuthPart):
    """What OIDC adds on top of OAuth2: claims about the user, signed with ``key``."""

    def __init__(
        self,
        state: ServiceState,
        tables: Tables,
        settings: Settings,
        key: SigningKey,
        accounts: Accounts,
        tokens: Tokens,
    ) -> None:
        super().__init__(state, tables)
        self.settings = settings
        self.key = key
        self.accounts = accounts
        self.tokens = tokens

    def id_token(
        self,
        token: Token,
        client: Client,
        issuer: str,
        session_id: str | None,
        nonce: str | None = None,
    ) -> str:
        """The signed id_token that comes with ``token`` when its scopes include openid."""
        now = int(self.now())
        claims: dict[str, Any] = {"sub": token.identity_id}
        if nonce is not None:
            claims["nonce"] = nonce
        claims.update(self._user_claims(token.identity_id, token.scopes, session_id))
        claims.update(
            {
                "iss": issuer.rstrip("/"),
                "aud": client.id,
                "iat": now,
                "exp": now + self.settings.access_token_lifetime,
                "at_hash": self.key.at_hash(token.value),
            }
        )
        return self.key.sign(claims)

    def _user_claims(
        self, identity_id: str, scopes: Iterable[str], session_id: str | None
    ) -> dict[str, Any]:
        scopes = set(scopes)
        ident = self.tables.identities[identity_id]
        session = self.tables.sessions.get(session_id or "")

        def last_auth(i: Identity) -> int | None:
            if session is None or i.id not in session.authentications:
                return None
            return session.authentications[i.id]["auth_time"]

        def idp_name(i: Identity) -> str:
            idp = self.tables.idps.get(i.identity_provider)
            return idp.name if idp else ""

        claims: dict[str, Any] = {}
        if "profile" in scopes:
            claims.update(
                {
                    "preferred_username": ident.username,
                    "name": ident.name,
                    "organization": ident.organization,
                    "identity_provider": ident.identity_provider,
                    "identity_provider_display_name": idp_name(ident),
                    "last_authentication": last_auth(ident),
                }
            )
        if "email" in scopes:
            claims["email"] = ident.email
        if "urn:globus:auth:scope:auth.globus.org:view_identity_set" in scopes:
            claims["identity_set"] = [
                {
                    "sub": i.id,
                    "username": i.username,
                    "name": i.name,
                    "email": i.email,
                    "organization": i.organization,
                    "identity_provider": i.identity_provider,
                    "identity_provider_display_name": idp_name(i),
                    "last_authentication": last_auth(i),
                }
                for i in self.accounts.identity_set(ident.id)
            ]
        return claims

    @settled
    def userinfo(self, bearer: str | None) -> dict[str, Any]:
        """``GET``/``POST /v2/oauth2/userinfo`` with the caller's bearer token."""
        token = self.tokens.active(bearer)
        if token is None or token.kind != "access" or token.resource_server != AUTH_RS:
            raise errors.Unauthorized()
        if "openid" not in token.scopes:
            raise errors.Forbidden("The openid scope is required to call userinfo")
        doc = {"sub": token.identity_id}
        doc.update(self._user_claims(token.identity_id, token.scopes, token.session_id))
        return doc

    def get_openid_configuration(self, base: str) -> dict[str, Any]:
        """The discovery document, its URLs on ``base`` (the host the caller used)."""
        base = base.rstrip("/")
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/v2/oauth2/authorize",
            "userinfo_endpoint": f"{base}/v2/oauth2/userinfo",
            "token_endpoint": f"{base}/v2/oauth2/token",
            "revocation_endpoint": f"{base}/v2/oauth2/token/revoke",
            "jwks_uri": f"{base}/jwk.json",
            "response_types_supported": ["code", "token", "token id_token", "id_token"],
            "id_token_signing_alg_values_supported": [self.key.alg],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "claims_supported": [
                "at_hash",
                "aud",
                "email",
                "exp",
                "name",
                "nonce",
                "preferred_username",
                "iat",
                "iss",
                "sub",
            ],
            "subject_types_supported": ["public"],
        }

    def get_jwk(self) -> dict[str, Any]:
        """The public half of the signing key, as a JWK set (``/jwk.json``)."""
        return self.key.jwks()
