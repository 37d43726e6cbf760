"""Registering clients, their credentials and projects, and clients proving who they are."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import TYPE_CHECKING

from mockcore.locking import locked
from mockglobus.auth import errors
from mockglobus.auth.entities import CLIENT_TYPES, Client, Credential, Identity, Project
from mockglobus.auth.ids import CLIENTS_DOMAIN, as_uuid, stable_id
from mockglobus.auth.part import AuthPart

if TYPE_CHECKING:
    from mockcore.state import ServiceState
    from mockglobus.auth.tables import Settings, Tables


class ClientRegistry(AuthPart):
    """Clients (with their client identities and secrets) and projects; client
    authentication. In ``permissive`` mode an unknown client id that is a UUID registers
    itself on first use."""

    def __init__(self, state: ServiceState, tables: Tables, settings: Settings) -> None:
        super().__init__(state, tables)
        self.settings = settings

    @locked
    def add_client(
        self,
        name: str,
        client_type: str = "confidential_client",
        *,
        id: str | None = None,
        secret: str | None = None,
        project: str | None = None,
        redirect_uris: Iterable[str] = (),
        parent_client: str | None = None,
        resource_server: str | None = None,
        visibility: str = "private",
        fqdns: Iterable[str] = (),
        required_idp: str | None = None,
        preselect_idp: str | None = None,
        links: dict | None = None,
    ) -> Client:
        """Register a client (and its client identity). A confidential client gets a
        credential holding ``secret`` (a generated one if None); see ``client.credentials``."""
        if client_type not in CLIENT_TYPES:
            raise errors.BadRequest(
                f"client_type must be one of: {', '.join(sorted(CLIENT_TYPES))}"
            )
        client = Client(
            id=id or str(self.ids.uuid4()),
            name=name,
            client_type=client_type,
            project=project,
            redirect_uris=list(redirect_uris),
            parent_client=parent_client,
            resource_server=resource_server,
            visibility=visibility,
            fqdns=list(fqdns),
            required_idp=required_idp,
            preselect_idp=preselect_idp,
        )
        if links:
            client.links.update(links)
        if client.id in self.tables.clients:
            raise errors.Conflict(f"client {client.id} already exists")
        self.tables.clients[client.id] = client
        if not client.public_client:
            self.add_credential(client.id, "Auto-created at client creation", secret)
        ident = Identity(
            id=client.id,
            username=f"{client.id}@{CLIENTS_DOMAIN}",
            identity_provider=stable_id("idp", CLIENTS_DOMAIN),
            name=name,
            organization=None,
            identity_type="client",
            account=client.id,
        )
        self.tables.identities[ident.id] = ident
        self.tables.by_username[ident.username.lower()] = ident.id
        self.tables.changed()
        return client

    @locked
    def add_credential(self, client_id: str, name: str, secret: str | None = None) -> Credential:
        client = self.tables.clients[client_id]
        if secret is None:
            secret = base64.b64encode(bytes.fromhex(self.ids.hex(32))).decode()
        cred = Credential(
            id=str(self.ids.uuid4()), name=name, client=client.id, created=self.now(), secret=secret
        )
        client.credentials.append(cred)
        return cred

    @locked
    def secret_of(self, client_id: str) -> str:
        """The first credential's secret of a confidential client (a test helper)."""
        return self.tables.clients[client_id].credentials[0].secret

    @locked
    def add_project(
        self,
        display_name: str,
        contact_email: str,
        admin_ids: Iterable[str] = (),
        *,
        id: str | None = None,
        admin_group_ids: list[str] | None = None,
    ) -> Project:
        project = Project(
            id=id or str(self.ids.uuid4()),
            display_name=display_name,
            contact_email=contact_email,
            admin_ids=list(admin_ids),
            admin_group_ids=admin_group_ids,
        )
        self.tables.projects[project.id] = project
        return project

    def may_register_itself(self, client_id: str) -> bool:
        """Would an unknown ``client_id`` register itself on first use (permissive mode)?"""
        return self.settings.permissive and as_uuid(client_id) == client_id.lower()

    @locked
    def authenticate_client(self, client_id: str | None, secret: str | None) -> Client:
        """A confidential client proving itself with id and secret (HTTP Basic)."""
        if not client_id or secret is None:
            raise errors.InvalidClient("Client authentication is required")
        client = self.tables.clients.get(client_id)
        if client is None:
            if self.may_register_itself(client_id) and secret:
                return self.add_client(
                    f"Client {client_id[:8]}",
                    "client_identity",
                    id=client_id.lower(),
                    secret=secret,
                )
            raise errors.InvalidClient("Invalid client credentials")
        if client.public_client or not any(c.secret == secret for c in client.credentials):
            raise errors.InvalidClient("Invalid client credentials")
        return client

    @locked
    def public_client(self, client_id: str | None) -> Client:
        """A native app naming itself by ``client_id`` (it has no secret)."""
        if not client_id:
            raise errors.InvalidClient("Client authentication is required")
        client = self.tables.clients.get(client_id)
        if client is None:
            if self.may_register_itself(client_id):
                return self.native_app(client_id)
            raise errors.InvalidClient("Unknown client")
        if not client.public_client:
            raise errors.InvalidClient("Confidential clients must authenticate")
        return client

    @locked
    def native_app(self, client_id: str) -> Client:
        """Register an unknown native app that names itself ``client_id`` (permissive mode)."""
        return self.add_client(
            f"Native App {client_id[:8]}", "public_installed_client", id=client_id.lower()
        )

    @locked
    def login_client(self, basic: tuple[str, str] | None, client_id: str | None) -> Client:
        """The client calling the token endpoints: by HTTP Basic, else a native app by
        its ``client_id``."""
        if basic is not None:
            return self.authenticate_client(*basic)
        return self.public_client(client_id)
