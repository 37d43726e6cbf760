"""Globus Auth's state and rules: accounts, clients, consents, OAuth2 grants and tokens.

Knows nothing about HTTP. Every public method takes ``state.lock``; time comes from
``state.clock`` and every id, token and fake name from ``state.ids``.

:class:`AuthModel` builds the tables; the rules live one part per module:
``accounts``, ``clients``, ``scope_registry``, ``consents``, ``sessions``, ``authorize``,
``grants``,
``tokens``, ``token_checks``, ``oidc`` and the REST API's ``api_identities``,
``api_clients`` and ``api_projects``.

Other services of this package ask :meth:`AuthModel.check_access_token` whether a
bearer token is good for them (in-process, never over HTTP).

Behaviour chosen where the real service is not documented (see the package README):

* refresh tokens do not rotate by default (the refresh grant answers with the same
  refresh token); ``rotate_refresh_tokens=True`` issues a new one and retires the old;
* an authorization code lives 600 virtual seconds and works once; replaying it fails
  with ``invalid_grant`` and revokes what the first exchange issued (RFC 6749 10.5);
* in ``permissive`` mode (the default) an unknown client id that is a UUID registers
  itself on first use: with its Basic-auth secret as a confidential client, without one
  as a native app; unknown but well-formed scope strings are accepted. ``permissive=False``
  refuses both with ``invalid_client`` / ``invalid_scope``;
* client-credentials tokens have no session: introspect's ``session_info`` is
  ``{"session_id": null, "authentications": {}}`` for them;
* the user logging in consents to every requested scope (no consent page), and consents
  are checked live, so consent given after a token was issued counts for that token;
* session requirements (``session_required_identities``/``_single_domain``/``_policies``/
  ``_mfa``, ``prompt=login``) are met or refused as :mod:`.sessions` describes; a token
  shows its session as it is now (a later login to the same session renews what
  introspect's ``session_info`` says about the earlier tokens too).

Not implemented: policies other than at login (a resource server does not enforce them),
refresh-token inactivity expiry, and Groups (group membership comes from the scenario
only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockglobus.auth.accounts import Accounts
from mockglobus.auth.api_clients import ClientApi
from mockglobus.auth.api_identities import Caller, IdentityApi
from mockglobus.auth.api_projects import ProjectApi
from mockglobus.auth.authorize import AUTH_CODE_LIFETIME, Authorization, AuthorizeRequest
from mockglobus.auth.clients import Clients
from mockglobus.auth.consents import Consents
from mockglobus.auth.entities import (
    AuthorizationCode,
    Client,
    Consent,
    Identity,
    IdentityProvider,
    Policy,
    Project,
    Scope,
    Session,
    Token,
)
from mockglobus.auth.grants import DEPENDENT_GRANT, Grants
from mockglobus.auth.ids import CLIENTS_DOMAIN, GLOBUS_CLI_TEMPLATE, GLOBUSID_IDP, ISSUER, stable_id
from mockglobus.auth.keys import DEFAULT_ALG, SigningKey, process_key
from mockglobus.auth.oidc import OpenIdConnect
from mockglobus.auth.scope_registry import BUILTIN_SCOPES, ScopeRegistry
from mockglobus.auth.scopes import TRANSFER_RS
from mockglobus.auth.sessions import Sessions
from mockglobus.auth.token_checks import TokenChecks
from mockglobus.auth.tokens import ACCESS_TOKEN_LIFETIME, Tokens

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from mockcore.state import ServiceState


class AuthModel(
    Accounts, Clients, ScopeRegistry, Consents, Sessions, Authorization, Grants, Tokens,
    TokenChecks, OpenIdConnect, IdentityApi, ClientApi, ProjectApi,
):
    """Globus Auth's whole model: each base class holds one part of the rules; this class
    builds the tables they share."""

    def __init__(
        self,
        state: ServiceState,
        *,
        scenario: str | dict | None = "default",
        permissive: bool = True,
        faker_users: int = 3,
        id_token_alg: str = DEFAULT_ALG,
        signing_key: RSAPrivateKey | None = None,
        rotate_refresh_tokens: bool = False,
        access_token_lifetime: int = ACCESS_TOKEN_LIFETIME,
    ) -> None:
        self.state = state
        self.scenario = scenario
        self.permissive = permissive
        self.faker_users = faker_users
        self.key = SigningKey(signing_key or process_key(), id_token_alg)
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.access_token_lifetime = access_token_lifetime
        self.reset()

    def reset(self) -> None:
        """Forget everything and seed again (same seed, same accounts)."""
        from mockglobus.auth.seed import seed

        with self.state.lock:
            self.idps: dict[str, IdentityProvider] = {}
            self.identities: dict[str, Identity] = {}
            self._by_username: dict[str, str] = {}
            self.clients: dict[str, Client] = {}
            self.projects: dict[str, Project] = {}
            self.scopes: dict[str, Scope] = {}
            self._scope_by_string: dict[str, str] = {}
            self.policies: dict[str, Policy] = {}
            self.consents: dict[int, Consent] = {}
            self.sessions: dict[str, Session] = {}
            #: The session of the non-interactive browser (see :mod:`.sessions`).
            self.browser_session: str | None = None
            self.codes: dict[str, AuthorizationCode] = {}
            self.tokens: dict[str, Token] = {}
            self.groups: dict[str, set[str]] = {}  # group id -> account ids of members
            self._consent_seq = 100_000
            #: Username the non-interactive "browser" is logged in as: when set, the
            #: authorize URL redirects at once instead of showing the login page.
            self.browser_user: str | None = None
            self.default_user: str | None = None
            self._builtins()
            seed(self, self.scenario, self.faker_users)

    def _builtins(self) -> None:
        self.add_identity_provider("Globus ID", ["globusid.org"], short_name="globusid",
                                   id=GLOBUSID_IDP)
        self.add_identity_provider("Globus Auth Clients", [CLIENTS_DOMAIN],
                                   short_name="clients", id=stable_id("idp", CLIENTS_DOMAIN))
        for string, rs, name in BUILTIN_SCOPES:
            self._register_scope(string, rs, name)
        self.add_client("Globus CLI", "public_installed_client", id=GLOBUS_CLI_TEMPLATE)
        self.add_client("Globus Transfer", "resource_server", id=stable_id("client", TRANSFER_RS),
                        resource_server=TRANSFER_RS)
        self.harness_client = self.add_client(
            "mockglobus test harness", "confidential_client", id=stable_id("client", "harness"),
            secret=None,
        )


__all__ = [
    "ACCESS_TOKEN_LIFETIME", "AUTH_CODE_LIFETIME", "BUILTIN_SCOPES", "CLIENTS_DOMAIN",
    "DEPENDENT_GRANT", "GLOBUSID_IDP", "GLOBUS_CLI_TEMPLATE", "ISSUER", "AuthModel",
    "AuthorizeRequest", "Caller", "stable_id",
]
