"""The ``/_mock`` control plane: an OpenAPI 3.1 document that validates and describes
exactly the routes served, answers that match their documented schemas, and remote
clients that steer a served double as a test steers an in-process one."""

from __future__ import annotations

import re

import jsonschema
import pytest
import requests
from openapi_spec_validator import validate

import mockfts
import mockglobus
from mockcore.remote import RemoteError
from mockfts import FtsDouble
from mockglobus import GlobusDouble

BODY = {
    "files": [
        {
            "sources": ["mock://a.example/f?size=1"],
            "destinations": ["mock://b.example/f?size_post=1&time=5"],
        }
    ]
}


@pytest.fixture(scope="module", params=["fts", "globus"])
def served(request):
    double = FtsDouble() if request.param == "fts" else GlobusDouble()
    server = double.serve()
    server.start()
    yield double
    server.stop()


def _served_mock_routes(double) -> set[tuple[str, str]]:
    app = double.app
    return {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/_mock")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_the_document_is_valid_openapi_3_1_and_lists_exactly_the_routes_served(served):
    document = requests.get(f"{served.url}/_mock/openapi.json", timeout=10).json()
    validate(document)  # openapi-spec-validator: raises on an invalid document
    assert document["openapi"] == "3.1.0"
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert documented == _served_mock_routes(served)


def _schema(document: dict, path: str, method: str, status: str) -> dict | None:
    content = document["paths"][path][method]["responses"][status].get("content", {})
    return content.get("application/json", {}).get("schema")


def test_every_answer_matches_its_documented_schema(served):
    document = requests.get(f"{served.url}/_mock/openapi.json", timeout=10).json()
    url = served.url
    calls = [
        ("post", "/_mock/token", {}),
        ("post", "/_mock/advance", {"json": {"seconds": 5}}),
        ("get", "/_mock/clock", {}),
        ("post", "/_mock/faults", {"json": {"path": "/nowhere", "status": 503}}),
        ("get", "/_mock/faults", {}),
        ("delete", "/_mock/faults", {}),
        ("get", "/_mock/journal", {"params": {"method": "POST", "limit": 3}}),
        ("delete", "/_mock/journal", {}),
        ("post", "/_mock/reset", {}),
        ("get", "/_mock/openapi.json", {}),
    ]
    for method, path, kwargs in calls:
        reply = requests.request(method, url + path, timeout=10, **kwargs)
        assert reply.status_code == 200, (path, reply.text)
        schema = _schema(document, path, method, "200")
        assert schema is not None
        jsonschema.validate(reply.json(), schema)


@pytest.mark.parametrize(
    "fault",
    [
        {"path": "(", "status": 503},
        {"status": 503},
        {"path": "/x", "status": 99},
        {"path": "/x", "latency": -1},
        {"path": "/x", "status": 503, "times": "many"},
        ["not", "an", "object"],
    ],
)
def test_a_bad_control_request_is_a_400_that_arms_nothing(served, fault):
    reply = requests.post(f"{served.url}/_mock/faults", json=fault, timeout=10)
    assert reply.status_code == 400, reply.text
    assert requests.get(f"{served.url}/_mock/faults", timeout=10).json()["faults"] == []


def _journey(double, token: str) -> None:
    """What a test does with a double, the same in-process or remote: submit, advance,
    read the journal, inject a fault, reset."""
    endpoint = double.endpoint
    headers = {"Authorization": f"Bearer {token}"}
    job_id = requests.post(f"{endpoint}/jobs", json=BODY, headers=headers, timeout=10).json()[
        "job_id"
    ]
    double.advance(60)
    job = requests.get(f"{endpoint}/jobs/{job_id}", headers=headers, timeout=10).json()
    assert job["job_state"] == "FINISHED"
    posts = double.journal(method="POST", path="/jobs")
    assert [e["status"] for e in posts] == [200]
    double.faults.fail("/jobs", 503, method="POST", retry_after=1)
    assert (
        requests.post(f"{endpoint}/jobs", json=BODY, headers=headers, timeout=10).status_code == 503
    )
    double.reset()
    gone = requests.get(f"{endpoint}/jobs/{job_id}", headers=headers, timeout=10)
    assert gone.status_code == 404 and double.faults.armed == []


class _InProcessView:
    """An in-process FtsDouble seen through the methods the remote client offers."""

    def __init__(self, double: FtsDouble) -> None:
        self.double = double
        self.endpoint = double.endpoint
        self.faults = double.faults

    def advance(self, seconds: float) -> None:
        self.double.advance(seconds)

    def journal(self, method: str, path: str) -> list[dict]:
        return [{"status": e.status} for e in self.double.journal.find(method=method, path=path)]

    def reset(self) -> None:
        self.double.reset()


def test_a_test_runs_the_same_in_process_and_against_a_served_double():
    local = FtsDouble()
    local.endpoint = "https://fts3.mock:8446"
    with local.intercept():
        _journey(_InProcessView(local), local.token_for("alice", "dteam"))
    served = FtsDouble()
    server = served.serve()
    server.start()
    try:
        remote = mockfts.remote(server.url)
        _journey(remote, remote.token_for("alice", "dteam"))
    finally:
        server.stop()


def test_the_remote_fts_client_loads_a_scenario_and_snapshots():
    double = FtsDouble()
    server = double.serve()
    server.start()
    try:
        remote = mockfts.remote(server.url)
        loaded = remote.load_scenario("busy-link")
        assert len(loaded["jobs"]) == 3 and "alice" in loaded["tokens"]
        blob = remote.snapshot()
        remote.advance(7200)
        remote.restore(blob)
        assert [double.state.job(j).job_state for j in loaded["jobs"]][-1] == "ACTIVE"
        with pytest.raises(RemoteError) as refused:
            remote.load_scenario("nowhere")
        assert refused.value.status == 400
    finally:
        server.stop()


def test_the_remote_globus_client_mints_tokens_per_resource_server():
    double = GlobusDouble()
    server = double.serve()
    server.start()
    try:
        remote = mockglobus.remote(server.url)
        import globus_sdk

        token = remote.token_for("alice@globusid.org", resource_server="groups.api.globus.org")
        groups = globus_sdk.GroupsClient(
            authorizer=globus_sdk.AccessTokenAuthorizer(token), base_url=remote.url
        )
        assert groups.get_my_groups().http_status == 200
        assert remote.env()["GLOBUS_SDK_SERVICE_URL_SEARCH"] == remote.url + "/"
    finally:
        server.stop()


def test_speed_changes_a_running_clock_and_a_manual_one_refuses(served):
    refused = requests.post(f"{served.url}/_mock/speed", json={"speed": 100}, timeout=10)
    assert refused.status_code == 400 and "manual" in refused.text
    assert requests.get(f"{served.url}/_mock/clock", timeout=10).json()["speed"] is None
    from mockcore.clock import ScaledClock

    double = FtsDouble(clock=ScaledClock(speed=1))
    server = double.serve()
    server.start()
    try:
        document = requests.get(f"{server.url}/_mock/openapi.json", timeout=10).json()
        reply = requests.post(f"{server.url}/_mock/speed", json={"speed": 1000}, timeout=10)
        jsonschema.validate(reply.json(), _schema(document, "/_mock/speed", "post", "200"))
        before = double.clock.time()
        import time

        time.sleep(0.2)
        assert double.clock.time() - before >= 100  # 0.2 real s at 1000x
        for bad in (0, -1, "fast", 1e9):
            answer = requests.post(f"{server.url}/_mock/speed", json={"speed": bad}, timeout=10)
            assert answer.status_code == 400, bad
    finally:
        server.stop()


def test_revoking_an_unknown_token_id_is_refused():
    double = GlobusDouble()
    server = double.serve()
    server.start()
    try:
        for body in ({"token_id": "nope"}, 2147483647, {"token_id": 5}, ["x"]):
            reply = requests.post(f"{server.url}/_mock/revoke", json=body, timeout=10)
            assert reply.status_code == 400, body
            assert reply.json()["errors"][0]["code"] == "BAD_REQUEST"
    finally:
        server.stop()
