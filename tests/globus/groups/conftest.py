"""Fixtures for the Groups tests.

``served`` is the whole Globus double, once in-process on the production URL and once
behind the live server; ``served.client(user)`` is a ``globus_sdk.GroupsClient`` with a
Groups token of that user, ``served.manager(user)`` a ``GroupsManager`` over it. Users:
alice (makes the groups), bob (linked to bob@globusid.org), carol and dave.
"""

from __future__ import annotations

from dataclasses import dataclass

import globus_sdk
import pytest

from mockglobus import GlobusDouble
from mockglobus.auth.scopes import GROUPS_RS

ALICE = "alice@globusid.org"
BOB = "bob@example.edu"
BOB_LINKED = "bob@globusid.org"
CAROL = "carol@example.org"
DAVE = "dave@example.org"


def add_people(double: GlobusDouble) -> None:
    for username in (CAROL, DAVE):
        if double.auth.accounts.find(username) is None:
            double.auth.add_user(username)


@dataclass
class Served:
    double: GlobusDouble
    base_url: str | None  # None in-process (the production URL)

    def id(self, username: str) -> str:
        return self.double.auth.identity(username).id

    def client(self, username: str = ALICE, scopes: str | None = None) -> globus_sdk.GroupsClient:
        token = self.double.token_for(username, resource_server=GROUPS_RS, scopes=scopes)
        client = globus_sdk.GroupsClient(
            authorizer=globus_sdk.AccessTokenAuthorizer(token), base_url=self.base_url
        )
        client.retry_config.max_retries = 0
        return client

    def manager(self, username: str = ALICE) -> globus_sdk.GroupsManager:
        return globus_sdk.GroupsManager(self.client(username))

    def group(self, name: str = "Lab", **policies: object) -> str:
        """A new group made by alice (with ``policies`` set); its id."""
        gid = self.manager().create_group(name, f"The {name} group")["id"]
        if policies:
            self.client().set_group_policies(gid, policies)
        return gid


@pytest.fixture(params=["inprocess", "live"])
def served(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Served:
    for name in ("GLOBUS_SDK_SERVICE_URL_GROUPS", "GLOBUS_SDK_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    if request.param == "inprocess":
        double, base = request.getfixturevalue("globus_mock"), None
    else:
        double = request.getfixturevalue("globus_server")
        base = double.server.url + "/"
    add_people(double)
    return Served(double, base)


@pytest.fixture
def local(globus_mock: GlobusDouble, monkeypatch: pytest.MonkeyPatch) -> Served:
    """In-process only, for the many small cases."""
    for name in ("GLOBUS_SDK_SERVICE_URL_GROUPS", "GLOBUS_SDK_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    add_people(globus_mock)
    return Served(globus_mock, None)
