"""The real globus_sdk.SearchClient against the live server (GLOBUS_SDK_SERVICE_URL_SEARCH)."""

from __future__ import annotations

import globus_sdk
import pytest

from .conftest import ALICE, client, entry


@pytest.fixture
def live(globus_server, monkeypatch):
    for name, value in globus_server.env().items():
        monkeypatch.setenv(name, value)
    return globus_server


def test_ingest_then_search_over_a_socket(live):
    sc = client(live, ALICE)  # finds the server through GLOBUS_SDK_SERVICE_URL_SEARCH
    assert sc.base_url.startswith("http://127.0.0.1")
    index = sc.create_index("live", "over a socket")["id"]
    task = sc.ingest(
        index,
        {"ingest_type": "GMetaList", "ingest_data": {"gmeta": [entry("a", {"t": "socket test"})]}},
    )
    assert sc.get_task(task["task_id"])["state"] == "PENDING"
    live.advance(5)
    assert sc.get_task(task["task_id"])["state"] == "SUCCESS"
    found = sc.post_search(index, globus_sdk.SearchQueryV1(q="socket"))
    assert [g["subject"] for g in found["gmeta"]] == ["a"]


def test_errors_over_a_socket_parse_as_search_api_errors(live):
    anon = client(live, None)
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        anon.get_index("8f0c0000-0000-4000-8000-000000000000")
    assert (caught.value.http_status, caught.value.code) == (404, "NotFound.NoSuchIndex")
    transfer = globus_sdk.SearchClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(live.token_for(ALICE))
    )
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        transfer.index_list()
    assert caught.value.http_status == 401
