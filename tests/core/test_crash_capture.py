"""A crash inside a double fails the test that caused it, whichever double and fixture.

The client still gets the service's 500 (as from a real server with a bug); the
exception is recorded in ``double.errors`` and raised after the test body, by the one
mechanism in ``mockcore`` (``record_crash`` → ``Double.raise_errors``).
"""

from __future__ import annotations

import pytest
import requests

from mockfts import mock_fts
from mockglobus import mock_globus

pytest_plugins = ["pytester"]

CRASHING_TESTS = """
import requests

def _break(double, name):
    def broken(*args, **kwargs):
        raise RuntimeError("bug in the double")
    setattr(double.state, name, broken)

def test_fts_mock(fts_mock):
    _break(fts_mock, "visible_job")
    requests.get(fts_mock.endpoint + "/jobs/x", headers={
        "Authorization": "Bearer " + fts_mock.token_for("alice", "dteam")}, timeout=5)

def test_fts_server(fts_server):
    _break(fts_server, "visible_job")
    requests.get(fts_server.endpoint + "/jobs/x", headers={
        "Authorization": "Bearer " + fts_server.token_for("alice", "dteam")}, timeout=5)

def test_globus_mock(globus_mock, monkeypatch):
    monkeypatch.setattr(globus_mock.auth.oidc, "userinfo", lambda *a, **k: 1 / 0)
    requests.get("https://auth.globus.org/v2/oauth2/userinfo", timeout=5)

def test_globus_server(globus_server, monkeypatch):
    monkeypatch.setattr(globus_server.auth.oidc, "userinfo", lambda *a, **k: 1 / 0)
    requests.get(globus_server.server.url + "/v2/oauth2/userinfo", timeout=5)
"""


def test_every_fixture_fails_the_test_that_crashed_its_double(pytester):
    pytester.makepyfile(test_crashing=CRASHING_TESTS)
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, errors=4)  # each body ran; each teardown raised
    text = result.stdout.str()
    assert text.count("RuntimeError: bug in the double") >= 2
    assert "ZeroDivisionError" in text


def _crash_fts(fts) -> int:
    def broken(*args, **kwargs):
        raise RuntimeError("bug in the double")

    fts.state.visible_job = broken
    reply = requests.get(
        "https://fts3.mock:8446/jobs/x",
        timeout=5,
        headers={"Authorization": "Bearer " + fts.token_for("alice", "dteam")},
    )
    return reply.status_code


def test_mock_context_raises_a_crash_on_exit():
    with pytest.raises(RuntimeError, match="bug in the double"):
        with mock_fts() as fts:
            assert _crash_fts(fts) == 500  # the client saw the service's 500


def test_mock_context_lets_the_test_own_exception_through():
    """When the body already failed, its own exception is the one reported."""
    with pytest.raises(KeyError):
        with mock_fts() as fts:
            _crash_fts(fts)
            raise KeyError("the test's own failure")


def test_the_decorator_raises_too():
    @mock_globus()
    def uses_globus(globus):
        globus.auth.oidc.userinfo = lambda *a, **k: 1 / 0
        return requests.get("https://auth.globus.org/v2/oauth2/userinfo", timeout=5).status_code

    with pytest.raises(ZeroDivisionError):
        uses_globus()


def test_recorded_errors_are_bounded():
    with mock_fts() as fts:
        for _ in range(150):
            _crash_fts(fts)
        assert len(fts.errors) == 100
        fts.errors.clear()
