"""Which scopes exist and which resource server each serves; checking requested scope strings."""

from __future__ import annotations

from mockglobus.auth import errors
from mockglobus.auth.entities import Scope
from mockglobus.auth.ids import stable_id
from mockglobus.auth.part import AuthPart
from mockglobus.auth.scopes import (
    AUTH_RS,
    TRANSFER_RS,
    TRANSFER_SCOPE,
    ScopeRequest,
    ScopeSyntaxError,
    parse_scopes,
    resource_server_of,
)

_AUTH_SCOPE_NAMES = (
    "view_identity_set", "view_identities", "manage_projects", "view_clients",
    "view_clients_and_scopes", "view_consents", "view_authentications",
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
    ("urn:globus:auth:scope:transfer.api.globus.org:gcp_install", TRANSFER_RS,
     "Install Globus Connect Personal"),
    ("urn:globus:auth:scope:groups.api.globus.org:all", "groups.api.globus.org",
     "Manage your Globus groups"),
    ("urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships",
     "groups.api.globus.org", "View groups"),
    ("urn:globus:auth:scope:search.api.globus.org:all", "search.api.globus.org",
     "Globus Search"),
)


class ScopeRegistry(AuthPart):
    """The scopes Auth knows; in permissive mode any well-formed scope string is accepted."""

    def _register_scope(
        self, scope_string: str, resource_server: str, name: str, *,
        client: str | None = None, description: str = "", id: str | None = None,
        dependent_scopes: list[dict] | None = None, advertised: bool = False,
        allows_refresh_token: bool = True, required_domains: list[str] | None = None,
    ) -> Scope:
        if scope_string in self._scope_by_string:
            raise errors.Conflict(f"scope {scope_string!r} already exists")
        scope = Scope(
            id=id or stable_id("scope", scope_string), scope_string=scope_string,
            resource_server=resource_server, name=name, description=description or name,
            client=client, advertised=advertised, allows_refresh_token=allows_refresh_token,
            required_domains=list(required_domains or []),
            dependent_scopes=list(dependent_scopes or []),
        )
        self.scopes[scope.id] = scope
        self._scope_by_string[scope_string] = scope.id
        if client in self.clients:
            self.clients[client].scopes.append(scope.id)
        return scope

    def _scope_rs(self, scope: str) -> str | None:
        sid = self._scope_by_string.get(scope)
        if sid is not None:
            return self.scopes[sid].resource_server
        if self.permissive:
            return resource_server_of(scope)
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
                if self._scope_rs(req.scope) is None:
                    raise errors.InvalidScope(f"Unknown scope: {req.scope}")
                check(req.dependencies)

        check(requests)
        return requests

    def _scope_id(self, scope: str) -> str:
        return self._scope_by_string.get(scope) or stable_id("scope", scope)
