"""Who is calling and what they may do, computed as fts-rest-flask computes it.

Facts (fts-rest-flask ``fts3auth``: ``credentials.py``, ``authorization.py``):

* delegation id of a certificate user: first 16 hex digits of SHA-1 over the user
  DN followed by each FQAN, no separators; of a token user: SHA-1 over ``iss`` then
  ``sub``;
* ``vos_id``: ``uuid5(base_id, vo)``; ``base_id`` is a constant of the server;
* levels come from roles: everybody has ``public`` (``transfer: vo``,
  ``datamanagement: all``); a role from an FQAN adds its grants;
* a token user is granted ``all`` for every operation although ``whoami`` shows the
  role levels (fts-rest-flask overrides ``get_granted_level_for`` for OAuth2);
* anonymous callers have ``level == []``, so every check fails.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

BASE_ID = uuid.UUID("01874efb-4735-4595-bc9c-591aef8240c9")

# Operations and levels of the real authorization model.
TRANSFER, DELEGATION, CONFIG, ADMIN, DATAMANAGEMENT = (
    "transfer",
    "deleg",
    "config",
    "admin",
    "datamanagement",
)
OPERATIONS = (TRANSFER, DELEGATION, CONFIG, ADMIN, DATAMANAGEMENT)
ALL, VO, PRIVATE = "all", "vo", ""

# The shipped fts3restconfig [roles]: Public = vo:transfer;all:datamanagement,
# lcgadmin = all:config (test config; production uses `production = all:config`).
DEFAULT_ROLES: dict[str, dict[str, str]] = {
    "public": {TRANSFER: VO, DATAMANAGEMENT: ALL},
    "lcgadmin": {CONFIG: ALL},
    "production": {CONFIG: ALL},
}


def delegation_id_for(user_dn: str, fqans: list[str] | tuple[str, ...] = ()) -> str:
    digest = hashlib.sha1(user_dn.encode("utf-8"))
    for fqan in fqans:
        digest.update(fqan.encode("utf-8"))
    return digest.hexdigest()[:16]


def token_delegation_id(issuer: str, subject: str) -> str:
    return hashlib.sha1((issuer + subject).encode("utf-8")).hexdigest()[:16]


def vo_id(vo: str) -> str:
    return str(uuid.uuid5(BASE_ID, vo))


def vo_from_fqan(fqan: str) -> str:
    """``/dteam/cern/Role=NULL/Capability=NULL`` -> ``dteam/cern``."""
    parts = []
    for part in fqan.strip("/").split("/"):
        if part.lower().startswith(("role=", "capability=")):
            break
        parts.append(part)
    return "/".join(parts)


def roles_from_fqans(fqans: list[str]) -> list[str]:
    roles = []
    for fqan in fqans:
        for part in fqan.split("/"):
            if part.lower().startswith("role="):
                role = part[5:]
                if role and role.upper() != "NULL" and role not in roles:
                    roles.append(role)
    return roles


def levels_for(
    roles: list[str],
    grants: dict[str, str] | None = None,
    role_table: dict[str, dict[str, str]] | None = None,
) -> dict[str, str]:
    """Merge the public role, the caller's roles and explicit grants (widest wins)."""
    table = role_table or DEFAULT_ROLES
    rank = {PRIVATE: 0, VO: 1, ALL: 2}
    levels: dict[str, str] = {}
    for role in ["public", *roles]:
        for op, level in table.get(role, {}).items():
            if op not in levels or rank[level] > rank[levels[op]]:
                levels[op] = level
    for op, level in (grants or {}).items():
        levels[op] = level
    if levels.get(ADMIN) == ALL:
        levels[CONFIG] = ALL
    return levels


@dataclass
class Identity:
    user_dn: str
    dn: list[str]
    method: str  # "certificate", "oauth2", "unauthenticated"
    vos: list[str] = field(default_factory=list)
    voms_cred: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    level: dict[str, str] | list = field(default_factory=list)
    delegation_id: str | None = None
    is_root: bool = False
    oauth2_scope: str | None = None
    wlcg_profile: bool = False
    token: str | None = None  # the bearer token, for token submissions
    certificate: Any = None  # the presented X.509 chain (mockfts.x509.X509Identity), if any

    @property
    def anonymous(self) -> bool:
        return self.method == "unauthenticated"

    @property
    def vo(self) -> str | None:
        return self.vos[0] if self.vos else None

    def granted(self, operation: str) -> str | None:
        """The level for ``operation``; None means denied."""
        if self.is_root:
            return ALL
        if self.method == "oauth2":
            return ALL
        if not isinstance(self.level, dict):
            return None
        return self.level.get(operation, self.level.get("*"))

    def may(
        self, operation: str, owner_dn: str | None = None, resource_vo: str | None = None
    ) -> bool:
        level = self.granted(operation)
        if level is None:
            return False
        if level == ALL:
            return True
        if level == VO:
            return resource_vo is None or resource_vo in self.vos or owner_dn == self.user_dn
        return owner_dn is None or owner_dn == self.user_dn


ANONYMOUS_DN = "anon"


def anonymous() -> Identity:
    return Identity(user_dn=ANONYMOUS_DN, dn=[ANONYMOUS_DN], method="unauthenticated")


def certificate_identity(
    user_dn: str,
    fqans: list[str] | None = None,
    *,
    dn: list[str] | None = None,
    gridmap_vo: str | None = None,
    grants: dict[str, str] | None = None,
    is_root: bool = False,
    certificate: Any = None,
) -> Identity:
    """An X.509 user as gridsite presents them (user DN, proxy DNs, VOMS FQANs)."""
    fqans = list(fqans or [])
    delegation_id = delegation_id_for(user_dn, fqans)
    vos: list[str] = []
    for fqan in fqans:
        vo = vo_from_fqan(fqan)
        if vo not in vos:
            vos.append(vo)
    if not vos:
        # Without VOMS: the gridmap VO, else a "virtual VO" named by the delegation id.
        vos = [gridmap_vo or delegation_id_for(user_dn)]
    roles = roles_from_fqans(fqans)
    return Identity(
        user_dn=user_dn,
        dn=list(dn) if dn else [user_dn],
        method="certificate",
        vos=vos,
        voms_cred=fqans,
        roles=roles,
        level=levels_for(roles, grants) if not is_root else {op: ALL for op in OPERATIONS},
        delegation_id=delegation_id,
        is_root=is_root,
        certificate=certificate,
    )
