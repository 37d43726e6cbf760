"""Registering clients, their credentials and projects, and clients proving who they are."""

from __future__ import annotations

import base64
from collections.abc import Iterable

from mockglobus.auth import errors
from mockglobus.auth.entities import CLIENT_TYPES, Client, Credential, Identity, Project
from mockglobus.auth.ids import CLIENTS_DOMAIN, as_uuid, stable_id
from mockglobus.auth.part import AuthPart
from mockglobus.locking import locked


class Clients(AuthPart):
    """Clients (with their client identities and secrets) and projects; client authentication."""

    @locked
    def add_client(
        self, name: str, client_type: str = "confidential_client", *, id: str | None = None,
        secret: str | None = None, project: str | None = None,
        redirect_uris: Iterable[str] = (), parent_client: str | None = None,
        resource_server: str | None = None, visibility: str = "private",
        fqdns: Iterable[str] = (), required_idp: str | None = None,
        preselect_idp: str | None = None, links: dict | None = None,
    ) -> Client:
        """Register a client (and its client identity). A confidential client gets a
        credential holding ``secret`` (a generated one if None); see ``client.credentials``."""
        if client_type not in CLIENT_TYPES:
            raise errors.BadRequest(
                f"client_type must be one of: {', '.join(sorted(CLIENT_TYPES))}"
            )
        client = Client(
            id=id or str(self._ids.uuid4()), name=name, client_type=client_type,
            project=project, redirect_uris=list(redirect_uris), parent_client=parent_client,
            resource_server=resource_server, visibility=visibility, fqdns=list(fqdns),
            required_idp=required_idp, preselect_idp=preselect_idp,
        )
        if links:
            client.links.update(links)
        if client.id in self.clients:
            raise errors.Conflict(f"client {client.id} already exists")
        self.clients[client.id] = client
        if not client.public_client:
            self.add_credential(client.id, "Auto-created at client creation", secret)
        ident = Identity(
            id=client.id, username=f"{client.id}@{CLIENTS_DOMAIN}",
            identity_provider=stable_id("idp", CLIENTS_DOMAIN), name=name,
            organization=None, identity_type="client", account=client.id,
        )
        self.identities[ident.id] = ident
        self._by_username[ident.username.lower()] = ident.id
        return client

    @locked
    def add_credential(self, client_id: str, name: str, secret: str | None = None) -> Credential:
        client = self.clients[client_id]
        if secret is None:
            secret = base64.b64encode(bytes.fromhex(self._ids.hex(32))).decode()
        cred = Credential(id=str(self._ids.uuid4()), name=name, client=client.id,
                          created=self._now(), secret=secret)
        client.credentials.append(cred)
        return cred

    @locked
    def secret_of(self, client_id: str) -> str:
        """The first credential's secret of a confidential client (a test helper)."""
        return self.clients[client_id].credentials[0].secret

    @locked
    def add_project(
        self, display_name: str, contact_email: str, admin_ids: Iterable[str] = (),
        *, id: str | None = None, admin_group_ids: list[str] | None = None,
    ) -> Project:
        project = Project(id=id or str(self._ids.uuid4()), display_name=display_name,
                          contact_email=contact_email, admin_ids=list(admin_ids),
                          admin_group_ids=admin_group_ids)
        self.projects[project.id] = project
        return project

    @locked
    def authenticate_client(self, client_id: str | None, secret: str | None) -> Client:
        """A confidential client proving itself with id and secret (HTTP Basic)."""
        if not client_id or secret is None:
            raise errors.InvalidClient("Client authentication is required")
        client = self.clients.get(client_id)
        if client is None:
            if self.permissive and as_uuid(client_id) == client_id.lower() and secret:
                return self.add_client(f"Client {client_id[:8]}", "client_identity",
                                       id=client_id.lower(), secret=secret)
            raise errors.InvalidClient("Invalid client credentials")
        if client.public_client or not any(c.secret == secret for c in client.credentials):
            raise errors.InvalidClient("Invalid client credentials")
        return client

    @locked
    def public_client(self, client_id: str | None) -> Client:
        """A native app naming itself by ``client_id`` (it has no secret)."""
        if not client_id:
            raise errors.InvalidClient("Client authentication is required")
        client = self.clients.get(client_id)
        if client is None:
            if self.permissive and as_uuid(client_id) == client_id.lower():
                return self.add_client(f"Native App {client_id[:8]}",
                                       "public_installed_client", id=client_id.lower())
            raise errors.InvalidClient("Unknown client")
        if not client.public_client:
            raise errors.InvalidClient("Confidential clients must authenticate")
        return client
