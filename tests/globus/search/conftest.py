"""Fixtures for the Search tests.

Client tests use the whole Globus double through the real ``globus_sdk.SearchClient``:
``sc`` is alice's client in-process on the production URL, ``bob_sc`` bob's and
``anon`` one without a token; ``index`` is a fresh index alice owns, and ``ingest``
writes entries into it and runs the virtual clock until the task is done. Model tests
use ``model`` (a SearchModel on a plain ServiceState, with a :class:`StubAuth`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import globus_sdk
import pytest

from mockcore.state import ServiceState
from mockglobus import GlobusDouble
from mockglobus.auth.scopes import SEARCH_RS
from mockglobus.search import SearchCaller, SearchModel
from mockglobus.search import errors as E
from mockglobus.search.identity import ANONYMOUS

ALICE = "alice@globusid.org"
BOB = "bob@example.edu"
ALICE_ID = "1e8a4a56-7e2c-4f43-9c0b-a11ce0000001"
BOB_ID = "1e8a4a56-7e2c-4f43-9c0b-b0b000000002"
ALICE_URN = f"urn:globus:auth:identity:{ALICE_ID}"
BOB_URN = f"urn:globus:auth:identity:{BOB_ID}"


def client(double: GlobusDouble, username: str | None, base_url: str | None = None):
    authorizer = (
        globus_sdk.AccessTokenAuthorizer(double.token_for(username, resource_server=SEARCH_RS))
        if username
        else None
    )
    sc = globus_sdk.SearchClient(authorizer=authorizer, base_url=base_url)
    sc.retry_config.max_retries = 0
    return sc


@pytest.fixture
def double(globus_mock: GlobusDouble, monkeypatch: pytest.MonkeyPatch) -> GlobusDouble:
    for name in ("GLOBUS_SDK_SERVICE_URL_SEARCH", "GLOBUS_SDK_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    return globus_mock


@pytest.fixture
def sc(double: GlobusDouble) -> globus_sdk.SearchClient:
    return client(double, ALICE)


@pytest.fixture
def bob_sc(double: GlobusDouble) -> globus_sdk.SearchClient:
    return client(double, BOB)


@pytest.fixture
def anon(double: GlobusDouble) -> globus_sdk.SearchClient:
    return client(double, None)


@pytest.fixture
def index(sc: globus_sdk.SearchClient) -> str:
    return sc.create_index("Test index", "for the tests")["id"]


def entry(subject: str, content: dict[str, Any], visible_to=("public",), entry_id=None) -> dict:
    doc = {"subject": subject, "visible_to": list(visible_to), "content": content}
    if entry_id is not None:
        doc["id"] = entry_id
    return doc


@pytest.fixture
def ingest(double: GlobusDouble, sc: globus_sdk.SearchClient, index: str) -> Callable[..., dict]:
    """``ingest(entries...)``: one GMetaList ingest into ``index``, run to its end."""

    def run(*entries: dict, client: globus_sdk.SearchClient = sc, into: str = index) -> dict:
        task = client.ingest(
            into, {"ingest_type": "GMetaList", "ingest_data": {"gmeta": list(entries)}}
        )
        return double.search.wait_for_task(task["task_id"])

    return run


class StubAuth:
    """A :class:`~mockglobus.search.identity.SearchAuth` made of a table of callers."""

    def __init__(self) -> None:
        self.callers: dict[str, SearchCaller] = {}

    def caller_for_token(self, token: str | None) -> SearchCaller:
        if token is None:
            return ANONYMOUS
        if token not in self.callers:
            raise E.Unauthorized("Token is not active")
        return self.callers[token]

    def group_ids_of(self, identity_id: str) -> frozenset[str]:
        for caller in self.callers.values():
            if caller.identity_id == identity_id:
                return caller.group_ids
        return frozenset()


@pytest.fixture
def model() -> SearchModel:
    return SearchModel(ServiceState(), StubAuth())


@pytest.fixture
def alice() -> SearchCaller:
    return SearchCaller(ALICE_ID, ALICE, frozenset({ALICE_ID}))
