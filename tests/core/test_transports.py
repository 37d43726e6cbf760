"""The shared transports: the same app answers in-process and over a socket,
faults fire in both, and the journal records both."""

from __future__ import annotations

import flask
import pytest
import requests
import responses

from mockcore.double import Double
from mockcore.state import ServiceState

BASE = "https://double.example:8446"


def _app(state: ServiceState) -> flask.Flask:
    app = flask.Flask("probe")

    @app.get("/echo/<name>")
    def echo(name: str):
        return {"name": name, "now": state.clock.time(), "q": flask.request.args.get("q")}

    @app.post("/body")
    def body():
        return {"got": flask.request.get_json()}, 201

    return app


@pytest.fixture(params=["inprocess", "live"])
def served(request):
    double = Double(ServiceState(), _app)
    if request.param == "inprocess":
        with double.intercept([BASE]):
            yield double, BASE
    else:
        with double.serve() as server:
            yield double, server.url


def test_same_answer_in_both_transports(served):
    double, url = served
    reply = requests.get(f"{url}/echo/abc?q=1", timeout=5)
    assert reply.status_code == 200
    assert reply.json() == {"name": "abc", "now": double.clock.time(), "q": "1"}


def test_repeated_slashes_are_collapsed(served):
    double, url = served
    assert requests.get(f"{url}//echo/x", timeout=5).json()["name"] == "x"


def test_journal_records_request_and_response(served):
    double, url = served
    requests.post(f"{url}/body", json={"a": 1}, timeout=5)
    entry = double.journal.last
    assert (entry.method, entry.path, entry.status) == ("POST", "/body", 201)
    assert entry.request_json() == {"a": 1}
    assert entry.json() == {"got": {"a": 1}}


def test_fault_answers_with_status_and_retry_after_then_stops(served):
    double, url = served
    double.faults.fail(r"/echo/.*", 503, retry_after=7, body={"error": "busy"}, after=1, times=1)
    assert requests.get(f"{url}/echo/a", timeout=5).status_code == 200  # skipped by after=1
    hit = requests.get(f"{url}/echo/a", timeout=5)
    assert hit.status_code == 503
    assert hit.headers["Retry-After"] == "7"
    assert hit.json() == {"error": "busy"}
    assert requests.get(f"{url}/echo/a", timeout=5).status_code == 200  # times=1 used up
    assert double.journal.entries[1].fault == "503 * /echo/.*"


def test_dropped_connection_raises_connection_error(served):
    double, url = served
    double.faults.drop(r"/echo/.*", method="GET")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{url}/echo/a", timeout=5)
    assert requests.get(f"{url}/echo/a", timeout=5).status_code == 200


def test_latency_delays_the_answer(served):
    import time

    double, url = served
    double.faults.delay(r"/echo/.*", 0.3, times=1)
    started = time.monotonic()
    requests.get(f"{url}/echo/a", timeout=5)
    assert time.monotonic() - started >= 0.3


def test_coexists_with_a_tests_own_responses_mock():
    double = Double(ServiceState(), _app)
    with responses.RequestsMock() as rsps:
        rsps.get("https://other.example/thing", json={"mine": True})
        with double.intercept([BASE], rsps=rsps):
            assert requests.get(f"{BASE}/echo/z", timeout=5).json()["name"] == "z"
            assert requests.get("https://other.example/thing", timeout=5).json() == {"mine": True}
        # the double's URL is gone again, the test's stub stays
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"{BASE}/echo/z", timeout=5)
        assert requests.get("https://other.example/thing", timeout=5).json() == {"mine": True}


def test_unknown_host_is_not_answered_in_process():
    double = Double(ServiceState(), _app)
    with double.intercept([BASE]):
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get("https://elsewhere.example/echo/a", timeout=5)
