"""Fixtures for the Timers tests: the whole Globus double with a
``globus_sdk.TimersClient`` for alice, once in-process on the production URL
(``served``'s ``inprocess``) and once against the live server (``live``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import globus_sdk
import pytest

from mockglobus import GlobusDouble
from mockglobus.auth.scopes import TIMERS_RS
from mockglobus.transfer.seed import TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2

ALICE = "alice@globusid.org"
BOB = "bob@example.edu"
T1, T2 = TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2
GODATA = "/home/share/godata/"


@dataclass
class Served:
    double: GlobusDouble
    base_url: str | None  # None in-process (the production URL)

    def timers(self, username: str = ALICE) -> globus_sdk.TimersClient:
        token = self.double.token_for(username, resource_server=TIMERS_RS)
        client = globus_sdk.TimersClient(
            authorizer=globus_sdk.AccessTokenAuthorizer(token), base_url=self.base_url
        )
        client.retry_config.max_retries = 0
        return client

    def transfer(self, username: str = ALICE) -> globus_sdk.TransferClient:
        token = self.double.token_for(username)
        client = globus_sdk.TransferClient(
            authorizer=globus_sdk.AccessTokenAuthorizer(token), base_url=self.base_url
        )
        client.retry_config.max_retries = 0
        return client

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.double.clock.time(), tz=timezone.utc)

    def later(self, seconds: float) -> datetime:
        return self.now() + timedelta(seconds=seconds)


def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "GLOBUS_SDK_SERVICE_URL_AUTH",
        "GLOBUS_SDK_SERVICE_URL_TRANSFER",
        "GLOBUS_SDK_SERVICE_URL_TIMER",
        "GLOBUS_SDK_ENVIRONMENT",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["inprocess", "live"])
def served(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Served:
    _clean_env(monkeypatch)
    if request.param == "inprocess":
        return Served(request.getfixturevalue("globus_mock"), None)
    double = request.getfixturevalue("globus_server")
    return Served(double, double.server.url + "/")


@pytest.fixture
def inprocess(globus_mock: GlobusDouble, monkeypatch: pytest.MonkeyPatch) -> Served:
    _clean_env(monkeypatch)
    return Served(globus_mock, None)


def transfer_data(
    source: str = T1, destination: str = T2, src: str = GODATA + "file1.txt", dst: str = "/~/f1.txt"
) -> globus_sdk.TransferData:
    data = globus_sdk.TransferData(source_endpoint=source, destination_endpoint=destination)
    data.add_item(src, dst)
    return data
