"""Fixtures for the Transfer tests.

Model tests use ``model`` (a TransferModel on a plain ServiceState: no HTTP, no Auth;
``auth``, a :class:`StubAuth`, answers what Transfer asks of Auth) and the callers
``alice``/``bob``. Client tests use ``served``: the whole Globus
double with a ``globus_sdk.TransferClient`` for alice, once in-process on the
production URL and once against the live server.
"""

from __future__ import annotations

from dataclasses import dataclass

import globus_sdk
import pytest

from mockcore.state import ServiceState
from mockglobus import GlobusDouble
from mockglobus.transfer import TRANSFER_SCOPE, Caller, TransferModel
from mockglobus.transfer import errors as E
from mockglobus.transfer.identity import KnownIdentity

ALICE = "alice@globusid.org"
BOB = "bob@example.edu"
ALICE_ID = "1e8a4a56-7e2c-4f43-9c0b-a11ce0000001"
BOB_ID = "1e8a4a56-7e2c-4f43-9c0b-b0b000000002"


class StubAuth:
    """A :class:`~mockglobus.transfer.identity.TransferAuth` made of plain tables: the
    callers tokens name, known identities, consents given and group memberships."""

    def __init__(self) -> None:
        self.callers: dict[str, Caller] = {}
        self.identities: dict[str, KnownIdentity] = {}
        self.consents: set[tuple[str, str]] = set()  # (identity id, scope)
        self.groups: dict[str, frozenset[str]] = {}

    def caller_for_token(self, token: str | None) -> Caller:
        if token not in self.callers:
            raise E.AuthenticationFailed("Token is not active")
        return self.callers[token]

    def identity(self, username_or_id: str) -> KnownIdentity | None:
        for known in self.identities.values():
            if username_or_id in (known.id, known.username):
                return known
        return None

    def require_consent(self, caller: Caller, scope: str) -> None:
        if (caller.identity_id, scope) not in self.consents:
            raise E.ConsentRequired([f"{TRANSFER_SCOPE}[*{scope}]"])

    def group_ids_of(self, identity_id: str) -> frozenset[str]:
        return self.groups.get(identity_id, frozenset())


@pytest.fixture
def state() -> ServiceState:
    return ServiceState()


@pytest.fixture
def auth() -> StubAuth:
    stub = StubAuth()
    for identity_id, username in ((ALICE_ID, ALICE), (BOB_ID, BOB)):
        stub.identities[identity_id] = KnownIdentity(identity_id, username)
    return stub


@pytest.fixture
def model(state: ServiceState, auth: StubAuth) -> TransferModel:
    return TransferModel(state, auth)


@pytest.fixture
def alice() -> Caller:
    return Caller(ALICE_ID, ALICE)


@pytest.fixture
def bob() -> Caller:
    return Caller(BOB_ID, BOB)


@dataclass
class Served:
    double: GlobusDouble
    base_url: str | None  # None in-process (the production URL)

    @property
    def model(self) -> TransferModel:
        return self.double.transfer

    def client(self, username: str = ALICE, **kw: object) -> globus_sdk.TransferClient:
        token = self.double.token_for(username)
        return globus_sdk.TransferClient(
            authorizer=globus_sdk.AccessTokenAuthorizer(token), base_url=self.base_url, **kw
        )


@pytest.fixture(params=["inprocess", "live"])
def served(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Served:
    for name in (
        "GLOBUS_SDK_SERVICE_URL_AUTH",
        "GLOBUS_SDK_SERVICE_URL_TRANSFER",
        "GLOBUS_SDK_ENVIRONMENT",
    ):
        monkeypatch.delenv(name, raising=False)
    if request.param == "inprocess":
        return Served(request.getfixturevalue("globus_mock"), None)
    double = request.getfixturevalue("globus_server")
    return Served(double, double.server.url + "/")


@pytest.fixture
def tc(served: Served) -> globus_sdk.TransferClient:
    client = served.client()
    client.retry_config.max_retries = 0
    return client
