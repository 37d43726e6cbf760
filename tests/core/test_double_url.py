"""``Double.url``: the base URL of the live server answering for the double, while it runs."""

from __future__ import annotations

import flask
import requests

from mockcore.double import Double
from mockcore.state import ServiceState


def _app(state: ServiceState) -> flask.Flask:
    app = flask.Flask("probe")
    app.add_url_rule("/ping", "ping", lambda: {"pong": True})
    return app


def test_url_is_none_in_process():
    double = Double(ServiceState(), _app)
    with double.intercept(["https://double.example"]):
        assert double.url is None


def test_url_is_the_live_server_url_while_it_runs():
    double = Double(ServiceState(), _app)
    server = double.serve()
    assert double.server is server and double.url is None  # not started yet
    with server:
        assert double.url == server.url
        assert requests.get(double.url + "/ping", timeout=5).json() == {"pong": True}
    assert double.url is None  # stopped
