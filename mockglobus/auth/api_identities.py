"""The Auth REST API's caller, and its identity, identity provider and consent lookups."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mockcore.locking import locked, settled
from mockglobus.auth import errors
from mockglobus.auth.ids import as_uuid
from mockglobus.auth.part import AuthPart
from mockglobus.auth.scopes import AUTH_RS

if TYPE_CHECKING:
    from mockcore.state import ServiceState
    from mockglobus.auth.accounts import Accounts
    from mockglobus.auth.clients import ClientRegistry
    from mockglobus.auth.tables import Tables
    from mockglobus.auth.tokens import Tokens


@dataclass(frozen=True)
class Caller:
    """Who is calling the Auth REST API: a user through a bearer token, or a client
    through its own credentials (then ``identity_id == client_id``)."""

    identity_id: str
    client_id: str
    scopes: frozenset[str]
    by_token: bool

    def needs(self, scope_name: str) -> None:
        """403 unless a caller by token was granted the Auth scope ``scope_name``
        (``manage_projects``, ``view_consents``, ...); a client by its credentials may."""
        scope = f"urn:globus:auth:scope:auth.globus.org:{scope_name}"
        if self.by_token and scope not in self.scopes:
            raise errors.Forbidden(f"This call requires the {scope} scope")


class IdentityApi(AuthPart):
    """``/v2/api/identities``, ``identity_providers`` and consents, for a :class:`Caller`."""

    def __init__(
        self,
        state: ServiceState,
        tables: Tables,
        accounts: Accounts,
        clients: ClientRegistry,
        tokens: Tokens,
    ) -> None:
        super().__init__(state, tables)
        self.accounts = accounts
        self.clients = clients
        self.tokens = tokens

    @settled
    def caller(self, bearer: str | None, basic: tuple[str, str] | None) -> Caller:
        """Who calls the REST API; 401 UNAUTHORIZED when nobody can be told apart."""
        if bearer is not None:
            token = self.tokens.active(bearer)
            if token is None or token.kind != "access" or token.resource_server != AUTH_RS:
                raise errors.Unauthorized()
            return Caller(token.identity_id, token.client_id, frozenset(token.scopes), True)
        if basic is not None:
            try:
                client = self.clients.authenticate_client(*basic)
            except errors.InvalidClient:
                raise errors.Unauthorized() from None
            return Caller(client.id, client.id, frozenset(), False)
        raise errors.Unauthorized()

    @locked
    def get_identities(
        self, caller: Caller, *, ids: str | None, usernames: str | None, provision: bool
    ) -> list[dict[str, Any]]:
        if ids is not None and usernames is not None:
            raise errors.BadRequest("Only one of 'ids' or 'usernames' may be given")
        if ids is None and usernames is None:
            raise errors.BadRequest("One of 'ids' or 'usernames' is required")
        identities = self.tables.identities
        if ids is not None:
            wanted = [x.strip() for x in ids.split(",") if x.strip()]
            bad = [x for x in wanted if as_uuid(x) is None]
            if bad:
                raise errors.BadRequest(f"Invalid identity id(s): {', '.join(bad)}")
            return [
                identities[i].to_api()
                for i in (as_uuid(x) or "" for x in wanted)
                if i in identities
            ]
        out = []
        for name in (x.strip() for x in (usernames or "").split(",")):
            if not name:
                continue
            found = self.tables.by_username.get(name.lower())
            if found is None and provision and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", name):
                found = self.accounts.add_user(name, status="unused", organization=None).id
            if found is not None:
                out.append(identities[found].to_api())
        return out

    @locked
    def get_identity(self, caller: Caller, identity_id: str) -> dict[str, Any]:
        ident = self.tables.identities.get(as_uuid(identity_id) or "")
        if ident is None:
            raise errors.NotFound(f"Identity {identity_id} not found")
        return ident.to_api()

    @locked
    def get_identity_providers(
        self, caller: Caller, *, domains: str | None, ids: str | None
    ) -> list[dict[str, Any]]:
        if domains is not None and ids is not None:
            raise errors.BadRequest("Only one of 'domains' or 'ids' may be given")
        if domains is not None:
            wanted = {d.strip().lower() for d in domains.split(",") if d.strip()}
            hits = [p for p in self.tables.idps.values() if wanted & set(p.domains)]
        elif ids is not None:
            wanted = {as_uuid(i.strip()) or "" for i in ids.split(",") if i.strip()}
            hits = [p for p in self.tables.idps.values() if p.id in wanted]
        else:
            hits = list(self.tables.idps.values())
        return [p.to_api() for p in hits]

    @locked
    def get_consents(self, caller: Caller, identity_id: str, all_clients: bool) -> list[dict]:
        if all_clients:
            caller.needs("view_consents")
        identities, consents = self.tables.identities, self.tables.consents
        target = identities.get(as_uuid(identity_id) or "")
        if target is None:
            raise errors.NotFound(f"Identity {identity_id} not found")
        if target.account != identities[caller.identity_id].account:
            raise errors.Forbidden("You may only view your own consents")
        roots = {
            c.id
            for c in consents.values()
            if c.identity_id == target.account
            and c.parent is None
            and (all_clients or c.client_id == caller.client_id)
        }
        return [
            c.to_api()
            for c in consents.values()
            if c.identity_id == target.account and c.path[0] in roots
        ]
