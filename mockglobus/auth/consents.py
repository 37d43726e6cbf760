"""The consent forest: what each identity allowed each client, dependent scopes beneath."""

from __future__ import annotations

from mockglobus.auth.entities import Consent
from mockglobus.auth.part import AuthPart
from mockglobus.auth.scopes import ScopeRequest
from mockglobus.locking import locked


class Consents(AuthPart):
    """Consents are recorded when a user logs in (no consent page) and checked live."""

    def _consent(
        self, identity_id: str, client_id: str, req: ScopeRequest, parent: Consent | None = None
    ) -> Consent:
        """Find or record the consent for ``req`` (and everything beneath it)."""
        now = self._now()
        parent_id = parent.id if parent else None
        node = next(
            (c for c in self.consents.values()
             if c.identity_id == identity_id and c.client_id == client_id
             and c.scope_string == req.scope and c.parent == parent_id),
            None,
        )
        if node is None:
            self._consent_seq += 1
            node = Consent(
                id=self._consent_seq, identity_id=identity_id, client_id=client_id,
                scope_string=req.scope, scope_id=self._scope_id(req.scope), parent=parent_id,
                path=[*(parent.path if parent else []), self._consent_seq], created=now,
                last_used=now,
            )
            self.consents[node.id] = node
        node.last_used = now
        declared = self.scopes.get(self._scope_by_string.get(req.scope, ""))
        children = list(req.dependencies)
        if declared is not None:
            for dep in declared.dependent_scopes:
                dep_scope = self.scopes.get(dep.get("scope", ""))
                if dep_scope is not None:
                    children.append(ScopeRequest(dep_scope.scope_string, bool(dep.get("optional"))))
        for child in children:
            self._consent(identity_id, client_id, child, node)
        return node

    def _children(self, node_id: int) -> list[Consent]:
        return [c for c in self.consents.values() if c.parent == node_id]

    @locked
    def grant_consent(self, username_or_id: str, scope: str, client_id: str | None = None) -> None:
        """Record that an identity consented to ``scope`` (dependent syntax allowed) for a
        client (default: the test harness client that :meth:`mint_token` uses)."""
        ident = self.identity(username_or_id)
        client = client_id or self.harness_client.id
        for req in self.parse_requested(scope):
            self._consent(ident.account, client, req)

    @locked
    def revoke_consent(self, username_or_id: str, scope: str, client_id: str | None = None) -> int:
        """Withdraw consents to ``scope`` (and what hangs beneath); returns how many."""
        ident = self.identity(username_or_id)
        client = client_id or self.harness_client.id
        doomed = [c.id for c in self.consents.values()
                  if c.identity_id == ident.account and c.client_id == client
                  and c.scope_string == scope]
        removed = 0
        while doomed:
            cid = doomed.pop()
            if self.consents.pop(cid, None) is not None:
                removed += 1
                doomed.extend(c.id for c in self._children(cid))
        return removed

    @locked
    def has_consent(self, identity_id: str, scope: str, client_id: str | None = None) -> bool:
        """Has the account of ``identity_id`` consented to ``scope`` (at any depth, for
        ``client_id`` or, when None, for any client)?"""
        ident = self.identities.get(identity_id)
        if ident is None:
            return False
        return any(
            c.identity_id == ident.account and c.scope_string == scope
            and (client_id is None or c.client_id == client_id)
            for c in self.consents.values()
        )
