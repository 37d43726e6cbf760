"""Globus Auth's state and rules: accounts, clients, consents, OAuth2 grants and tokens.

Knows nothing about HTTP. Every public method takes ``state.lock``; time comes from
``state.clock`` and every id, token and fake name from ``state.ids``.

:class:`AuthModel` is the composition root: it builds the shared
:class:`~.tables.Tables` and one part per module, handing each part the parts it calls
(``model.accounts``, ``model.client_registry``, ``model.scope_registry``,
``model.consents``, ``model.sessions``, ``model.authorization``, ``model.tokens``,
``model.oidc``, ``model.grants``, ``model.token_checks`` and the REST API's
``model.identity_api``, ``model.client_api`` and ``model.project_api``). The routes call
the parts; the few methods on :class:`AuthModel` itself delegate, for the rest of the
package and for tests.

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
refresh-token inactivity expiry. Groups are not Auth's: group membership is
:mod:`mockglobus.groups`' (which seeds the scenario's ``groups``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mockglobus.auth.accounts import Accounts
from mockglobus.auth.api_clients import ClientApi
from mockglobus.auth.api_identities import Caller, IdentityApi
from mockglobus.auth.api_projects import ProjectApi
from mockglobus.auth.authorize import AUTH_CODE_LIFETIME, Authorization, AuthorizeRequest
from mockglobus.auth.clients import ClientRegistry
from mockglobus.auth.consents import Consents
from mockglobus.auth.entities import Client, Credential, Identity, TokenInfo
from mockglobus.auth.grants import DEPENDENT_GRANT, Grants
from mockglobus.auth.ids import (
    CLIENTS_DOMAIN,
    GLOBUS_CLI_TEMPLATE,
    GLOBUSID_IDP,
    HARNESS_CLIENT,
    ISSUER,
    stable_id,
)
from mockglobus.auth.keys import DEFAULT_ALG, SigningKey, process_key
from mockglobus.auth.oidc import OpenIdConnect
from mockglobus.auth.scope_registry import BUILTIN_SCOPES, ScopeRegistry
from mockglobus.auth.scopes import TIMERS_SCOPE, TRANSFER_RS, TRANSFER_SCOPE
from mockglobus.auth.seed import DEFAULT_SCENARIO, seed
from mockglobus.auth.sessions import Sessions
from mockglobus.auth.tables import ACCESS_TOKEN_LIFETIME, Settings, Tables
from mockglobus.auth.token_checks import TokenChecks
from mockglobus.auth.tokens import Tokens

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from mockcore.state import ServiceState


class AuthModel:
    """Globus Auth's whole model: the tables, and the parts that keep its rules."""

    def __init__(
        self,
        state: ServiceState,
        *,
        scenario: str | dict | None = DEFAULT_SCENARIO,
        permissive: bool = True,
        faker_users: int = 3,
        id_token_alg: str = DEFAULT_ALG,
        signing_key: RSAPrivateKey | None = None,
        rotate_refresh_tokens: bool = False,
        access_token_lifetime: int = ACCESS_TOKEN_LIFETIME,
    ) -> None:
        self.state = state
        self.scenario = scenario
        self.faker_users = faker_users
        self.settings = Settings(
            permissive=permissive,
            rotate_refresh_tokens=rotate_refresh_tokens,
            access_token_lifetime=access_token_lifetime,
        )
        self.key = SigningKey(signing_key or process_key(), id_token_alg)
        self.tables = tables = Tables()
        settings = self.settings
        self.accounts = Accounts(state, tables)
        self.client_registry = ClientRegistry(state, tables, settings)
        self.scope_registry = ScopeRegistry(state, tables, settings)
        self.consents = Consents(state, tables, self.accounts, self.scope_registry)
        self.sessions = Sessions(state, tables, self.accounts)
        self.authorization = Authorization(
            state,
            tables,
            settings,
            self.accounts,
            self.client_registry,
            self.scope_registry,
            self.consents,
            self.sessions,
        )
        self.tokens = Tokens(
            state, tables, settings, self.accounts, self.scope_registry, self.consents
        )
        self.oidc = OpenIdConnect(state, tables, settings, self.key, self.accounts, self.tokens)
        self.grants = Grants(
            state,
            tables,
            settings,
            self.client_registry,
            self.scope_registry,
            self.consents,
            self.tokens,
            self.oidc,
        )
        self.token_checks = TokenChecks(state, tables, self.accounts, self.consents, self.tokens)
        self.identity_api = IdentityApi(
            state, tables, self.accounts, self.client_registry, self.tokens
        )
        self.project_api = ProjectApi(state, tables, self.client_registry)
        self.client_api = ClientApi(
            state, tables, self.client_registry, self.scope_registry, self.project_api
        )
        self.reset()

    def reset(self) -> None:
        """Forget everything and seed again (same seed, same accounts). The tables are
        emptied in place; the parts stay."""
        with self.state.lock:
            self.tables.clear()
            self._builtins()
            seed(self, self.scenario, self.faker_users)

    def _builtins(self) -> None:
        accounts, registry = self.accounts, self.client_registry
        accounts.add_identity_provider(
            "Globus ID", ["globusid.org"], short_name="globusid", id=GLOBUSID_IDP
        )
        accounts.add_identity_provider(
            "Globus Auth Clients",
            [CLIENTS_DOMAIN],
            short_name="clients",
            id=stable_id("idp", CLIENTS_DOMAIN),
        )
        for string, rs, name in BUILTIN_SCOPES:
            self.scope_registry.register(string, rs, name)
        # Timers' scope declares Transfer's beneath it (a timer submits as its user)
        timers_scope = self.scope_registry.declared(TIMERS_SCOPE)
        assert timers_scope is not None
        timers_scope.dependent_scopes.append(
            {
                "scope": self.scope_registry.id_of(TRANSFER_SCOPE),
                "optional": False,
                "requires_refresh_token": True,
            }
        )
        registry.add_client("Globus CLI", "public_installed_client", id=GLOBUS_CLI_TEMPLATE)
        registry.add_client(
            "Globus Transfer",
            "resource_server",
            id=stable_id("client", TRANSFER_RS),
            resource_server=TRANSFER_RS,
        )
        registry.add_client(
            "mockglobus test harness", "confidential_client", id=HARNESS_CLIENT, secret=None
        )

    # ------------------------------------------------------------------
    # What the rest of the package, the CLI and tests ask of Auth; each delegates
    # to the part that owns it.

    def check_access_token(
        self, token: str | None, resource_server: str, required_scope: str | None = None
    ) -> TokenInfo:
        """See :meth:`.token_checks.TokenChecks.check_access_token`."""
        return self.token_checks.check_access_token(token, resource_server, required_scope)

    def identity(self, username_or_id: str) -> Identity:
        """An identity by username (case-insensitive) or id; KeyError if unknown."""
        return self.accounts.identity(username_or_id)

    def identity_set(self, identity_id: str) -> list[Identity]:
        return self.accounts.identity_set(identity_id)

    def add_user(self, username: str, **options: Any) -> Identity:
        """See :meth:`.accounts.Accounts.add_user` (name, email, organization, id, status,
        link_to)."""
        return self.accounts.add_user(username, **options)

    @property
    def users(self) -> list[Identity]:
        """Primary identities of human accounts, in creation order."""
        return self.accounts.users

    @property
    def identities(self) -> dict[str, Identity]:
        return self.tables.identities

    @property
    def clients(self) -> dict[str, Client]:
        return self.tables.clients

    @property
    def harness_client(self) -> Client:
        """The client :meth:`mint_token` issues tokens to."""
        return self.tables.clients[HARNESS_CLIENT]

    def add_client(
        self,
        name: str,
        client_type: str = "confidential_client",
        *,
        id: str | None = None,
        secret: str | None = None,
    ) -> Client:
        """See :meth:`.clients.ClientRegistry.add_client` (which takes more details)."""
        return self.client_registry.add_client(name, client_type, id=id, secret=secret)

    def add_credential(self, client_id: str, name: str, secret: str | None = None) -> Credential:
        return self.client_registry.add_credential(client_id, name, secret)

    def secret_of(self, client_id: str) -> str:
        return self.client_registry.secret_of(client_id)

    def grant_consent(self, username_or_id: str, scope: str, client_id: str | None = None) -> None:
        self.consents.grant_consent(username_or_id, scope, client_id)

    def revoke_consent(self, username_or_id: str, scope: str, client_id: str | None = None) -> int:
        return self.consents.revoke_consent(username_or_id, scope, client_id)

    def has_consent(self, identity_id: str, scope: str, client_id: str | None = None) -> bool:
        return self.consents.has_consent(identity_id, scope, client_id)

    def mint_token(
        self,
        username_or_identity: str,
        resource_server: str = TRANSFER_RS,
        scopes: str | Iterable[str] | None = None,
    ) -> str:
        """See :meth:`.tokens.Tokens.mint_token`."""
        return self.tokens.mint_token(username_or_identity, resource_server, scopes)

    def revoke(self, token: str) -> None:
        self.tokens.revoke(token)

    def get_auth_code(
        self, authorize_url: str, username: str | None = None, *, mfa: bool = False
    ) -> str:
        """See :meth:`.authorize.Authorization.get_auth_code`."""
        return self.authorization.get_auth_code(authorize_url, username, mfa=mfa)

    def caller(self, bearer: str | None, basic: tuple[str, str] | None) -> Caller:
        return self.identity_api.caller(bearer, basic)

    def delete_client(self, caller: Caller, client_id: str) -> dict:
        return self.client_api.delete_client(caller, client_id)

    @property
    def browser_user(self) -> str | None:
        """Who the non-interactive browser is logged in as (see :mod:`.routes`)."""
        return self.tables.browser_user

    @browser_user.setter
    def browser_user(self, username: str | None) -> None:
        self.tables.browser_user = username

    @property
    def rotate_refresh_tokens(self) -> bool:
        return self.settings.rotate_refresh_tokens

    @rotate_refresh_tokens.setter
    def rotate_refresh_tokens(self, rotate: bool) -> None:
        self.settings.rotate_refresh_tokens = rotate


__all__ = [
    "ACCESS_TOKEN_LIFETIME",
    "AUTH_CODE_LIFETIME",
    "BUILTIN_SCOPES",
    "CLIENTS_DOMAIN",
    "DEPENDENT_GRANT",
    "GLOBUSID_IDP",
    "GLOBUS_CLI_TEMPLATE",
    "ISSUER",
    "AuthModel",
    "AuthorizeRequest",
    "Caller",
    "stable_id",
]
