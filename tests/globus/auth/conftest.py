"""Every Auth test runs against both transports: in-process on the production URL, and
a live localhost server that globus-sdk finds through GLOBUS_SDK_SERVICE_URL_*."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mockglobus import GlobusDouble

ALICE = "alice@globusid.org"
BOB = "bob@example.edu"
TUTORIAL_APP = "7a0e1d2c-0000-4000-8000-00000000a001"
PORTAL = "7a0e1d2c-0000-4000-8000-00000000c001"
PORTAL_SECRET = "mock-portal-secret-0123456789abcdefABCDEF=="
CLI_CLIENT = "7a0e1d2c-0000-4000-8000-00000000c002"
DATA_SERVICE = "7a0e1d2c-0000-4000-8000-00000000d001"
DATA_SERVICE_SECRET = "mock-data-service-secret-0123456789abcdef=="
TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"


@dataclass
class Served:
    double: GlobusDouble
    base: str  # the Auth base URL, with a trailing slash

    @property
    def auth(self):  # noqa: ANN201
        return self.double.auth


@pytest.fixture(params=["inprocess", "live"])
def globus(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Served:
    for name in (
        "GLOBUS_SDK_SERVICE_URL_AUTH",
        "GLOBUS_SDK_SERVICE_URL_TRANSFER",
        "GLOBUS_SDK_ENVIRONMENT",
    ):
        monkeypatch.delenv(name, raising=False)
    if request.param == "inprocess":
        double = request.getfixturevalue("globus_mock")
        return Served(double, "https://auth.globus.org/")
    double = request.getfixturevalue("globus_server")
    base = double.server.url + "/"
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_AUTH", base)
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_TRANSFER", base)
    return Served(double, base)
