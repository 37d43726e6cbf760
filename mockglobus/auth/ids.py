"""Ids and names of Globus Auth: those taken from the real service (recorded responses,
CLI source), and the stable, readable ids the double derives from names."""

from __future__ import annotations

import uuid

ISSUER = "https://auth.globus.org"
GLOBUSID_IDP = "41143743-f3c8-4d60-bbdb-eeecaba85bd9"
GLOBUS_CLI_TEMPLATE = "95fdeba8-fac2-42bd-a357-e068d82ff78e"
CLIENTS_DOMAIN = "clients.auth.globus.org"

#: Namespace for the stable, readable ids derived from names (uuid5).
NAMESPACE = uuid.UUID("5b0e7a3c-4f0e-4d8a-9a55-6d6f636b676c")


def stable_id(*parts: str) -> str:
    """The same id for the same names, in every run (seeded accounts read like prose)."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def as_uuid(text: str) -> str | None:
    """``text`` as a canonical UUID string, or None when it is not one."""
    try:
        return str(uuid.UUID(text))
    except (ValueError, AttributeError, TypeError):
        return None


#: The confidential client the double's own helpers (``mint_token``, ``grant_consent``)
#: act through (a confidential client with a generated secret).
HARNESS_CLIENT = stable_id("client", "harness")

__all__ = [
    "CLIENTS_DOMAIN",
    "GLOBUSID_IDP",
    "GLOBUS_CLI_TEMPLATE",
    "HARNESS_CLIENT",
    "ISSUER",
    "NAMESPACE",
    "as_uuid",
    "stable_id",
]
