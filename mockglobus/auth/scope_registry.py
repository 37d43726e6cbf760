"""Which scopes exist and which resource server each serves; checking requested scope strings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockglobus.auth import errors
from mockglobus.auth.entities import Scope
from mockglobus.auth.ids import stable_id
from mockglobus.auth.part import AuthPart
from mockglobus.auth.scopes import (
    AUTH_RS,
    GROUPS_RS,
    SEARCH_RS,
    TIMERS_RS,
    TIMERS_SCOPE,
    TRANSFER_RS,
    TRANSFER_SCOPE,
    ScopeRequest,
    ScopeSyntaxError,
    parse_scopes,
    resource_server_of,
)

if TYPE_CHECKING:
    from mockcore.state import ServiceState
    from mockglobus.auth.tables import Settings, Tables

_AUTH_SCOPE_NAMES = (
    "view_identity_set",
    "view_identities",
    "manage_projects",
    "view_clients",
    "view_clients_and_scopes",
    "view_consents",
    "view_authentications",
)
BUILTIN_SCOPES: tuple[tuple[str, str, str], ...] = (
    ("openid", AUTH_RS, "OpenID Connect"),
    ("profile", AUTH_RS, "Profile"),
    ("email", AUTH_RS, "Email address"),
    *(
        (f"urn:globus:auth:scope:auth.globus.org:{n}", AUTH_RS, n.replace("_", " ").title())
        for n in _AUTH_SCOPE_NAMES
    ),
    (TRANSFER_SCOPE, TRANSFER_RS, "Manage data using Globus"),
    (
        "urn:globus:auth:scope:transfer.api.globus.org:gcp_install",
        TRANSFER_RS,
        "Install Globus Connect Personal",
    ),
    (
        "urn:globus:auth:scope:groups.api.globus.org:all",
        GROUPS_RS,
        "Manage your Globus groups",
    ),
    (
        "urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships",
        GROUPS_RS,
        "View groups",
    ),
    ("urn:globus:auth:scope:search.api.globus.org:all", SEARCH_RS, "Globus Search"),
    ("urn:globus:auth:scope:search.api.globus.org:search", SEARCH_RS, "Search indexes"),
    ("urn:globus:auth:scope:search.api.globus.org:ingest", SEARCH_RS, "Ingest into indexes"),
    (
        "urn:globus:auth:scope:search.api.globus.org:globus_connect_server",
        SEARCH_RS,
        "Globus Connect Server search",
    ),
    (TIMERS_SCOPE, TIMERS_RS, "Globus Timers"),
)


class ScopeRegistry(AuthPart):
    """The scopes Auth knows; in permissive mode any well-formed scope string is accepted."""

    def __init__(self, state: ServiceState, tables: Tables, settings: Settings) -> None:
        super().__init__(state, tables)
        self.settings = settings

    def register(
        self,
        scope_string: str,
        resource_server: str,
        name: str,
        *,
        client: str | None = None,
        description: str = "",
        id: str | None = None,
        dependent_scopes: list[dict] | None = None,
        advertised: bool = False,
        allows_refresh_token: bool = True,
        required_domains: list[str] | None = None,
    ) -> Scope:
        """Add a scope (served by ``client``'s resource server, when given)."""
        tables = self.tables
        if scope_string in tables.scope_by_string:
            raise errors.Conflict(f"scope {scope_string!r} already exists")
        scope = Scope(
            id=id or stable_id("scope", scope_string),
            scope_string=scope_string,
            resource_server=resource_server,
            name=name,
            description=description or name,
            client=client,
            advertised=advertised,
            allows_refresh_token=allows_refresh_token,
            required_domains=list(required_domains or []),
            dependent_scopes=list(dependent_scopes or []),
        )
        tables.scopes[scope.id] = scope
        tables.scope_by_string[scope_string] = scope.id
        if client is not None and client in tables.clients:
            tables.clients[client].scopes.append(scope.id)
        return scope

    def unregister(self, scope: Scope) -> None:
        """Forget ``scope`` (and take it off its client)."""
        tables = self.tables
        del tables.scopes[scope.id]
        del tables.scope_by_string[scope.scope_string]
        owner = tables.clients.get(scope.client or "")
        if owner and scope.id in owner.scopes:
            owner.scopes.remove(scope.id)

    def declared(self, scope_string: str) -> Scope | None:
        """The registered scope with this string, or None."""
        return self.tables.scopes.get(self.tables.scope_by_string.get(scope_string, ""))

    def resource_server_of(self, scope_string: str) -> str | None:
        """Who serves ``scope_string``: its registered resource server or, in permissive
        mode, the one its form names; None for a scope this double refuses."""
        scope = self.declared(scope_string)
        if scope is not None:
            return scope.resource_server
        if self.settings.permissive:
            return resource_server_of(scope_string)
        return None

    def parse_requested(self, text: str | None) -> list[ScopeRequest]:
        """Parse and check a requested scope string; ``invalid_scope`` if unusable."""
        if not text or not text.strip():
            raise errors.InvalidScope("No scopes were requested")
        try:
            requests = parse_scopes(text)
        except ScopeSyntaxError as exc:
            raise errors.InvalidScope(f"Malformed scope string: {exc}") from None

        def check(reqs: list[ScopeRequest]) -> None:
            for req in reqs:
                if self.resource_server_of(req.scope) is None:
                    raise errors.InvalidScope(f"Unknown scope: {req.scope}")
                check(req.dependencies)

        check(requests)
        return requests

    def id_of(self, scope_string: str) -> str:
        """The id of ``scope_string``: the registered one, else the stable one derived."""
        return self.tables.scope_by_string.get(scope_string) or stable_id("scope", scope_string)
