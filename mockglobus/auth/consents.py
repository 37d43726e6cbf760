"""The consent forest: what each identity allowed each client, dependent scopes beneath."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockcore.locking import locked
from mockglobus.auth.entities import Consent
from mockglobus.auth.ids import HARNESS_CLIENT
from mockglobus.auth.part import AuthPart
from mockglobus.auth.scopes import ScopeRequest

if TYPE_CHECKING:
    from mockcore.state import ServiceState
    from mockglobus.auth.accounts import Accounts
    from mockglobus.auth.scope_registry import ScopeRegistry
    from mockglobus.auth.tables import Tables


class Consents(AuthPart):
    """Consents are recorded when a user logs in (no consent page) and checked live."""

    def __init__(
        self, state: ServiceState, tables: Tables, accounts: Accounts, scopes: ScopeRegistry
    ) -> None:
        super().__init__(state, tables)
        self.accounts = accounts
        self.scopes = scopes

    def record(
        self, identity_id: str, client_id: str, req: ScopeRequest, parent: Consent | None = None
    ) -> Consent:
        """Find or record the consent for ``req`` (and everything beneath it: its
        dependencies as requested and as the scope declares them)."""
        tables = self.tables
        now = self.now()
        parent_id = parent.id if parent else None
        node = next(
            (
                c
                for c in tables.consents.values()
                if c.identity_id == identity_id
                and c.client_id == client_id
                and c.scope_string == req.scope
                and c.parent == parent_id
            ),
            None,
        )
        if node is None:
            tables.consent_seq += 1
            node = Consent(
                id=tables.consent_seq,
                identity_id=identity_id,
                client_id=client_id,
                scope_string=req.scope,
                scope_id=self.scopes.id_of(req.scope),
                parent=parent_id,
                path=[*(parent.path if parent else []), tables.consent_seq],
                created=now,
                last_used=now,
            )
            tables.consents[node.id] = node
            tables.changed()
        node.last_used = now
        declared = self.scopes.declared(req.scope)
        children = list(req.dependencies)
        if declared is not None:
            for dep in declared.dependent_scopes:
                dep_scope = tables.scopes.get(dep.get("scope", ""))
                if dep_scope is not None:
                    children.append(ScopeRequest(dep_scope.scope_string, bool(dep.get("optional"))))
        for child in children:
            self.record(identity_id, client_id, child, node)
        return node

    def children(self, node_id: int) -> list[Consent]:
        return [c for c in self.tables.consents.values() if c.parent == node_id]

    @locked
    def grant_consent(self, username_or_id: str, scope: str, client_id: str | None = None) -> None:
        """Record that an identity consented to ``scope`` (dependent syntax allowed) for a
        client (default: the test harness client that ``mint_token`` uses)."""
        ident = self.accounts.identity(username_or_id)
        client = client_id or HARNESS_CLIENT
        for req in self.scopes.parse_requested(scope):
            self.record(ident.account, client, req)

    @locked
    def revoke_consent(self, username_or_id: str, scope: str, client_id: str | None = None) -> int:
        """Withdraw consents to ``scope`` (and what hangs beneath); returns how many."""
        ident = self.accounts.identity(username_or_id)
        client = client_id or HARNESS_CLIENT
        consents = self.tables.consents
        doomed = [
            c.id
            for c in consents.values()
            if c.identity_id == ident.account and c.client_id == client and c.scope_string == scope
        ]
        removed = 0
        while doomed:
            cid = doomed.pop()
            if consents.pop(cid, None) is not None:
                removed += 1
                self.tables.changed()
                doomed.extend(c.id for c in self.children(cid))
        return removed

    @locked
    def has_consent(self, identity_id: str, scope: str, client_id: str | None = None) -> bool:
        """Has the account of ``identity_id`` consented to ``scope`` (at any depth, for
        ``client_id`` or, when None, for any client)?"""
        ident = self.tables.identities.get(identity_id)
        if ident is None:
            return False
        return any(
            c.identity_id == ident.account
            and c.scope_string == scope
            and (client_id is None or c.client_id == client_id)
            for c in self.tables.consents.values()
        )
