"""Managing clients, their credentials and their scopes through the Auth REST API."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from mockcore.locking import locked
from mockglobus.auth import errors
from mockglobus.auth.api_identities import Caller
from mockglobus.auth.entities import Client, Scope
from mockglobus.auth.ids import as_uuid
from mockglobus.auth.part import AuthPart

if TYPE_CHECKING:
    from mockcore.state import ServiceState
    from mockglobus.auth.api_projects import ProjectApi
    from mockglobus.auth.clients import ClientRegistry
    from mockglobus.auth.scope_registry import ScopeRegistry
    from mockglobus.auth.tables import Tables


class ClientApi(AuthPart):
    """A caller sees the clients it is, it created, or whose project it administers."""

    def __init__(
        self,
        state: ServiceState,
        tables: Tables,
        clients: ClientRegistry,
        scopes: ScopeRegistry,
        projects: ProjectApi,
    ) -> None:
        super().__init__(state, tables)
        self.clients = clients
        self.scopes = scopes
        self.projects = projects

    def _visible_client(self, caller: Caller, client: Client) -> bool:
        if client.id == caller.client_id and not caller.by_token:
            return True
        if client.parent_client == caller.client_id and not caller.by_token:
            return True
        project = self.tables.projects.get(client.project or "")
        if project is None:
            return False
        identities = self.tables.identities
        account = identities[caller.identity_id].account
        admins = {identities[a].account for a in project.admin_ids if a in identities}
        return account in admins or caller.identity_id in project.admin_ids

    def _client_or_404(self, caller: Caller, client_id: str) -> Client:
        client = self.tables.clients.get(as_uuid(client_id) or "")
        if client is None or not self._visible_client(caller, client):
            raise errors.NotFound(f"Client {client_id} not found")
        return client

    @locked
    def get_clients(self, caller: Caller) -> list[dict[str, Any]]:
        if caller.by_token:
            caller.needs("manage_projects")
        return [c.to_api() for c in self.tables.clients.values() if self._visible_client(caller, c)]

    @locked
    def get_client(self, caller: Caller, client_id: str) -> dict[str, Any]:
        return self._client_or_404(caller, client_id).to_api()

    @locked
    def get_client_by_fqdn(self, caller: Caller, fqdn: str) -> dict[str, Any]:
        for client in self.tables.clients.values():
            if fqdn.lower() in (f.lower() for f in client.fqdns) and self._visible_client(
                caller, client
            ):
                return client.to_api()
        raise errors.NotFound(f"No client with fqdn {fqdn}")

    @locked
    def create_native_app_instance(self, template_id: str, name: str) -> dict[str, Any]:
        """``POST /v2/api/clients`` with a ``template_id`` (no authentication): a new
        confidential client templated on a native app, with its first secret."""
        template = self.tables.clients.get(as_uuid(template_id) or "")
        if template is None or not template.public_client:
            raise errors.BadRequest(f"Invalid template_id: {template_id}")
        if not name or "\n" in name:
            raise errors.BadRequest("name is required and may not contain line breaks")
        client = self.clients.add_client(name, "confidential_client", parent_client=template.id)
        cred = client.credentials[0]
        return {
            "client": client.to_api(),
            "included": {"client_credential": cred.to_api(with_secret=True)},
        }

    @locked
    def create_client(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip() or "\n" in name:
            raise errors.BadRequest("name is required and may not contain line breaks")
        public, ctype = body.get("public_client"), body.get("client_type")
        if (public is None) == (ctype is None):
            raise errors.BadRequest("Exactly one of public_client or client_type is required")
        if ctype is None:
            ctype = "public_installed_client" if public else "confidential_client"
        project = body.get("project")
        parent = None
        if caller.by_token:
            caller.needs("manage_projects")
            if project is None or project not in self.tables.projects:
                raise errors.BadRequest("A valid project is required")
            self.projects.check_admin(caller, self.tables.projects[project])
        else:
            parent = caller.client_id
            project = project or self.tables.clients[caller.client_id].project
        client = self.clients.add_client(
            name.strip(),
            ctype,
            project=project,
            parent_client=parent,
            redirect_uris=body.get("redirect_uris") or [],
            visibility=body.get("visibility") or "private",
            required_idp=body.get("required_idp"),
            preselect_idp=body.get("preselect_idp"),
            links=body.get("links") or None,
        )
        if not client.public_client:
            # Real Auth leaves credential creation to the credentials route.
            client.credentials.clear()
        return client.to_api()

    @locked
    def update_client(self, caller: Caller, client_id: str, body: dict[str, Any]) -> dict:
        client = self._client_or_404(caller, client_id)
        for key in ("name", "visibility", "required_idp", "preselect_idp"):
            if key in body:
                setattr(client, key, body[key])
        if "redirect_uris" in body:
            client.redirect_uris = list(body["redirect_uris"] or [])
        if "links" in body and body["links"]:
            client.links.update(body["links"])
        for key in ("public_client", "client_type"):
            if key in body and body[key] != getattr(client, key):
                raise errors.BadRequest(f"{key} cannot be changed")
        return client.to_api()

    @locked
    def delete_client(self, caller: Caller, client_id: str) -> dict[str, Any]:
        client = self._client_or_404(caller, client_id)
        del self.tables.clients[client.id]
        for token in self.tables.tokens.values():
            if token.client_id == client.id:
                token.revoked = True
        return client.to_api()

    @locked
    def get_client_credentials(self, caller: Caller, client_id: str) -> list[dict[str, Any]]:
        return [c.to_api() for c in self._client_or_404(caller, client_id).credentials]

    @locked
    def create_client_credential(
        self, caller: Caller, client_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        client = self._client_or_404(caller, client_id)
        if client.public_client:
            raise errors.BadRequest("Public clients cannot have credentials")
        name = body.get("name") or ""
        return self.clients.add_credential(client.id, name).to_api(with_secret=True)

    @locked
    def delete_client_credential(
        self, caller: Caller, client_id: str, credential_id: str
    ) -> dict[str, Any]:
        client = self._client_or_404(caller, client_id)
        for cred in client.credentials:
            if cred.id == credential_id:
                client.credentials.remove(cred)
                return cred.to_api()
        raise errors.NotFound(f"Credential {credential_id} not found")

    @locked
    def get_scopes(
        self, caller: Caller, *, ids: str | None, scope_strings: str | None
    ) -> list[dict[str, Any]]:
        if ids is not None and scope_strings is not None:
            raise errors.BadRequest("Only one of 'ids' or 'scope_strings' may be given")
        if ids is not None:
            wanted = {as_uuid(i.strip()) for i in ids.split(",")}
            return [s.to_api() for s in self.tables.scopes.values() if s.id in wanted]
        if scope_strings is not None:
            wanted_s = {s.strip() for s in scope_strings.split(",")}
            return [s.to_api() for s in self.tables.scopes.values() if s.scope_string in wanted_s]
        return [
            s.to_api()
            for s in self.tables.scopes.values()
            if s.client is not None
            and self.tables.clients.get(s.client) is not None
            and self._visible_client(caller, self.tables.clients[s.client])
        ]

    @locked
    def get_scope(self, caller: Caller, scope_id: str) -> dict[str, Any]:
        scope = self.tables.scopes.get(as_uuid(scope_id) or "")
        if scope is None:
            raise errors.NotFound(f"Scope {scope_id} not found")
        return scope.to_api()

    @locked
    def create_scope(self, caller: Caller, client_id: str, body: dict[str, Any]) -> dict:
        client = self._client_or_404(caller, client_id)
        suffix = body.get("scope_suffix")
        if not isinstance(suffix, str) or not re.fullmatch(r"[A-Za-z0-9._-]+", suffix):
            raise errors.BadRequest("scope_suffix is required (letters, digits, . _ -)")
        if not body.get("name") or not body.get("description"):
            raise errors.BadRequest("name and description are required")
        deps = []
        for dep in body.get("dependent_scopes") or []:
            if dep.get("scope") not in self.tables.scopes:
                raise errors.BadRequest(f"Unknown dependent scope {dep.get('scope')}")
            deps.append(
                {
                    "scope": dep["scope"],
                    "optional": bool(dep.get("optional")),
                    "requires_refresh_token": bool(dep.get("requires_refresh_token")),
                }
            )
        scope = self.scopes.register(
            f"https://auth.globus.org/scopes/{client.id}/{suffix}",
            client.rs_name,
            body["name"],
            client=client.id,
            description=body["description"],
            id=str(self.ids.uuid4()),
            dependent_scopes=deps,
            advertised=bool(body.get("advertised")),
            allows_refresh_token=body.get("allows_refresh_token", True),
            required_domains=body.get("required_domains"),
        )
        return scope.to_api()

    @locked
    def update_scope(self, caller: Caller, scope_id: str, body: dict[str, Any]) -> dict:
        scope = self._owned_scope(caller, scope_id)
        for key in (
            "name",
            "description",
            "advertised",
            "allows_refresh_token",
            "required_domains",
            "dependent_scopes",
        ):
            if key in body:
                setattr(scope, key, body[key])
        return scope.to_api()

    @locked
    def delete_scope(self, caller: Caller, scope_id: str) -> dict[str, Any]:
        scope = self._owned_scope(caller, scope_id)
        self.scopes.unregister(scope)
        return scope.to_api()

    def _owned_scope(self, caller: Caller, scope_id: str) -> Scope:
        scope = self.tables.scopes.get(as_uuid(scope_id) or "")
        if scope is None or scope.client is None:
            raise errors.NotFound(f"Scope {scope_id} not found")
        self._client_or_404(caller, scope.client)
        return scope
