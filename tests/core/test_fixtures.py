"""The one fixture factory (``mockcore.fixtures.DoubleFixtures``) both plugins are built
on: in-process and live, a fresh double or one kept per arguments and reset, the live
server shared by the session, and a crash of the double failing the test that caused it.

Run through ``pytester`` with a probe double, as a plugin author would use it.
"""

from __future__ import annotations

pytest_plugins = ["pytester"]

CONFTEST = """
import flask
import pytest

from mockcore.double import Double
from mockcore.fixtures import DoubleFixtures
from mockcore.state import ServiceState
from mockcore.wsgi import record_crash


def _app(state):
    app = flask.Flask("probe")

    @app.get("/hello")
    def hello():
        return {"hello": True}

    @app.get("/crash")
    def crash():
        record_crash(flask.request.environ, RuntimeError("bug in the probe"))
        return {"error": "internal"}, 500

    return app


class Probe(Double):
    def __init__(self, flavour="plain"):
        super().__init__(ServiceState(), _app)
        self.flavour = flavour
        self.where = None

    def intercept(self, base_urls=("https://probe.example",), **options):
        return super().intercept(base_urls, **options)


def _located(double, url):
    double.where = url


FRESH = DoubleFixtures(Probe, located=_located)
KEPT = DoubleFixtures(Probe, reuse=True, urls=["https://kept.example"], located=_located)


@pytest.fixture
def flavour():
    return "plain"


@pytest.fixture
def probe(request):
    yield from FRESH.in_process(request)


@pytest.fixture
def probe_server(request):
    yield from FRESH.live(request)


@pytest.fixture
def kept(request, flavour):
    yield from KEPT.in_process(request, flavour)


@pytest.fixture
def kept_server(request, flavour):
    yield from KEPT.live(request, flavour)
"""

TESTS = """
import pytest
import requests

SEEN = {}


def test_in_process_answers_at_the_double_s_own_urls(probe):
    assert probe.where == "https://probe.example" and probe.url is None
    assert requests.get("https://probe.example/hello", timeout=5).json() == {"hello": True}
    SEEN["fresh"] = probe


def test_in_process_doubles_are_fresh_for_each_test(probe):
    assert probe is not SEEN["fresh"]


def test_a_kept_double_answers_at_the_given_urls(kept):
    assert kept.where == "https://kept.example"
    requests.get("https://kept.example/hello", timeout=5)
    SEEN["kept"] = kept


def test_a_kept_double_is_the_same_and_reset(kept):
    assert kept is SEEN["kept"] and len(kept.journal) == 0


@pytest.mark.parametrize("flavour", ["other"])
def test_a_kept_double_is_kept_per_arguments(kept):
    assert kept.flavour == "other" and kept is not SEEN["kept"]


def test_live_answers_at_its_url(probe_server):
    assert probe_server.url == probe_server.server.url == probe_server.where
    assert requests.get(probe_server.url + "/hello", timeout=5).json() == {"hello": True}
    assert len(probe_server.journal) == 1
    SEEN["live"] = probe_server


def test_live_doubles_are_fresh_behind_one_server(probe_server):
    assert probe_server is not SEEN["live"]
    assert probe_server.server is SEEN["live"].server


def test_a_kept_live_double_is_kept_and_reset(kept_server):
    assert kept_server is not SEEN["kept"]  # kept apart from the in-process one
    requests.get(kept_server.url + "/hello", timeout=5)
    SEEN["kept live"] = kept_server


def test_a_kept_live_double_comes_back_reset(kept_server):
    assert kept_server is SEEN["kept live"] and len(kept_server.journal) == 0


def test_between_tests_the_server_says_no_test_uses_it():
    reply = requests.get(SEEN["live"].server.url + "/hello", timeout=5)
    assert reply.status_code == 503


def test_a_crash_in_process_fails_the_test(probe):
    assert requests.get("https://probe.example/crash", timeout=5).status_code == 500


def test_a_crash_live_fails_the_test(probe_server):
    assert requests.get(probe_server.url + "/crash", timeout=5).status_code == 500
"""


def test_double_fixtures_serve_fresh_or_kept_doubles_in_process_and_live(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_probe=TESTS)
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=12, errors=2)  # each crash: the body passed, teardown raised
    assert result.stdout.str().count("RuntimeError: bug in the probe") >= 2
