"""Identity providers, identities and identity sets (accounts)."""

from __future__ import annotations

from mockcore.locking import locked
from mockglobus.auth.entities import Identity, IdentityProvider
from mockglobus.auth.ids import stable_id
from mockglobus.auth.part import AuthPart


class Accounts(AuthPart):
    """Who exists: identity providers, identities, and the accounts that link them."""

    @locked
    def add_identity_provider(
        self,
        name: str,
        domains: list[str],
        *,
        short_name: str | None = None,
        id: str | None = None,
    ) -> IdentityProvider:
        idp = IdentityProvider(
            id=id or stable_id("idp", *domains),
            name=name,
            short_name=short_name or domains[0].split(".")[0],
            domains=list(domains),
        )
        self.tables.idps[idp.id] = idp
        return idp

    @locked
    def idp_for_domain(self, domain: str, *, create: bool = True) -> IdentityProvider | None:
        domain = domain.lower()
        for idp in self.tables.idps.values():
            if domain in idp.domains:
                return idp
        if not create:
            return None
        org = self.ids.faker.company()
        return self.add_identity_provider(org, [domain])

    @locked
    def add_user(
        self,
        username: str,
        *,
        name: str | None = None,
        email: str | None = None,
        organization: str | None = None,
        id: str | None = None,
        status: str = "used",
        link_to: str | None = None,
    ) -> Identity:
        """Add an identity; ``link_to`` (a username or id) puts it in that identity set."""
        username = username.strip()
        if "@" not in username:
            raise ValueError(f"username {username!r} must look like user@domain")
        if username.lower() in self.tables.by_username:
            raise ValueError(f"username {username!r} already exists")
        idp = self.idp_for_domain(username.rsplit("@", 1)[1])
        assert idp is not None
        identity = Identity(
            id=id or stable_id("identity", username.lower()),
            username=username,
            identity_provider=idp.id,
            name=name,
            email=email,
            organization=organization if organization is not None else idp.name,
            status=status,
        )
        identity.account = identity.id
        if link_to is not None:
            identity.account = self.identity(link_to).account
        self.tables.identities[identity.id] = identity
        self.tables.by_username[username.lower()] = identity.id
        self.tables.changed()
        return identity

    @locked
    def link(self, username_or_id: str, to: str) -> None:
        """Link an identity into the identity set of ``to`` (its primary stays primary)."""
        moving = self.identity(username_or_id)
        account = self.identity(to).account
        for ident in self.tables.identities.values():
            if ident.account == moving.account and ident.id != moving.id:
                ident.account = account
        moving.account = account
        self.tables.changed()

    @locked
    def identity(self, username_or_id: str) -> Identity:
        """An identity by username (case-insensitive) or id; KeyError if unknown."""
        found = self.find(username_or_id)
        if found is None:
            raise KeyError(f"no identity {username_or_id!r}")
        return found

    @locked
    def find(self, username_or_id: str) -> Identity | None:
        """An identity by username (case-insensitive) or id, or None."""
        key = str(username_or_id)
        identities = self.tables.identities
        return identities.get(key) or identities.get(self.tables.by_username.get(key.lower(), ""))

    def identity_set(self, identity_id: str) -> list[Identity]:
        """The identity set (primary first) of the account holding ``identity_id``."""
        account = self.tables.identities[identity_id].account
        members = [i for i in self.tables.identities.values() if i.account == account]
        return sorted(members, key=lambda i: i.id != account)

    @property
    def users(self) -> list[Identity]:
        """Primary identities of human accounts, in creation order."""
        return [
            i
            for i in self.tables.identities.values()
            if i.identity_type == "login" and i.account == i.id
        ]
