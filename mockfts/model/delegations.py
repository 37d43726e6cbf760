"""Delegated proxies: what the server holds for each delegation id.

As fts-rest-flask keeps and checks them: ``controllers/delegation.py``, and ``submit`` in
``controllers/jobs.py``.

The cryptography (CSR, checking the signed proxy chain) is :mod:`mockfts.x509.delegation`;
this module keeps the records the REST layer and the submission check read, on the
double's clock. ``voms-proxy-init`` is not run: ``POST .../voms`` adds the requested
FQANs to the stored credential (VOMS servers are outside the double).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mockcore.clock import Clock
from mockfts import errors
from mockfts.model.identity import Identity
from mockfts.x509.delegation import DelegationError, DelegationStore


@dataclass
class Delegation:
    delegation_id: str
    dn: str
    termination_time: float
    voms_attrs: list[str] = field(default_factory=list)
    proxy_pem: str | None = None


def _fqan_of(argument: str) -> str:
    """``dteam:/dteam/Role=lcgadmin`` -> ``/dteam/Role=lcgadmin/Capability=NULL``."""
    vo, _, fqan = argument.partition(":")
    fqan = fqan or f"/{vo}"
    if "Role=" not in fqan:
        fqan += "/Role=NULL"
    return fqan + "/Capability=NULL"


class DelegationRegistry:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.records: dict[str, Delegation] = {}
        self.crypto = DelegationStore()

    def clear(self) -> None:
        self.records.clear()
        self.crypto.clear()

    def record(
        self, identity: Identity, lifetime: float, proxy_pem: str | None = None
    ) -> Delegation:
        """Store a delegation for ``identity`` directly (what a successful PUT leaves behind)."""
        entry = Delegation(
            identity.delegation_id or "",
            identity.user_dn,
            self.clock.time() + lifetime,
            list(identity.voms_cred),
            proxy_pem,
        )
        self.records[entry.delegation_id] = entry
        return entry

    def find(self, identity: Identity) -> Delegation | None:
        return self.records.get(identity.delegation_id or "")

    def check_for_submission(self, identity: Identity) -> None:
        """Certificate users need a delegated proxy with at least an hour left (419)."""
        entry = self.find(identity)
        if entry is None:
            raise errors.NoDelegation(user_dn=identity.user_dn)
        left = entry.termination_time - self.clock.time()
        if left <= 0:
            raise errors.DelegationExpired(seconds=int(-left), dlg_id=entry.delegation_id)
        if left < 3600:
            raise errors.DelegationExpiring(dlg_id=entry.delegation_id)

    def request(self, identity: Identity) -> str:
        certificate = identity.certificate
        key_size = getattr(certificate, "key_size", None)
        return self.crypto.request(
            identity.delegation_id or "",
            identity.user_dn,
            key_size=key_size,
            voms_cred=identity.voms_cred,
        ).csr_pem

    def accept(self, identity: Identity, body: bytes) -> Delegation:
        try:
            credential = self.crypto.put(identity.delegation_id or "", identity.user_dn, body)
        except DelegationError as exc:
            raise errors.BadRequest(exc.message) from None
        entry = Delegation(
            identity.delegation_id or "",
            identity.user_dn,
            credential.termination_time.timestamp(),
            [a for a in credential.voms_attrs_list],
            credential.proxy_pem,
        )
        self.records[entry.delegation_id] = entry
        return entry

    def remove(self, identity: Identity) -> None:
        self.crypto.delete(identity.delegation_id or "", identity.user_dn)
        if self.records.pop(identity.delegation_id or "", None) is None:
            raise errors.DelegationNotFound()

    def add_voms(self, identity: Identity, arguments: object) -> Delegation:
        if not isinstance(arguments, list) or not all(isinstance(a, str) for a in arguments):
            raise errors.BadRequest("Expecting a list of strings")
        entry = self.find(identity)
        if entry is None or entry.termination_time <= self.clock.time():
            raise errors.DelegatedProxyExpired()
        fqans = [_fqan_of(a) for a in arguments if re.fullmatch(r"[^:\s]+(:\S+)?", a)]
        if len(fqans) != len(arguments):
            raise errors.FailedDependency(
                "voms-proxy-init failed: malformed VOMS argument (expected vo[:/fqan])"
            )
        entry.voms_attrs = [" ".join(fqans)]
        return entry
