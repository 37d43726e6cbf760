"""ServiceApp routes each (method, path) once and then answers from what it remembered:
every answer must stay the one Flask's own request cycle gives, hooks and errors
included."""

from __future__ import annotations

import flask
import pytest
from werkzeug.exceptions import NotFound

from mockcore.flaskapp import ServiceApp, service_app


class Refused(Exception):
    pass


def _routes(app: flask.Flask, seen: list) -> flask.Flask:
    @app.before_request
    def hook():
        flask.g.who = flask.request.headers.get("X-Who", "nobody")
        if flask.request.headers.get("X-Stop"):
            return {"stopped": True}, 202
        return None

    @app.after_request
    def stamp(response: flask.Response) -> flask.Response:
        response.headers["X-Seen"] = flask.g.who
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        seen.append(type(exc).__name__ if exc is not None else None)

    @app.get("/item/<name>")
    def item(name: str):
        return {
            "name": name,
            "q": flask.request.args.get("q"),
            "url": flask.url_for("item", name=name),
        }

    @app.delete("/item/<name>")
    def drop(name: str):
        return "", 204

    @app.post("/body")
    def body():
        return {"got": flask.request.get_json()}, 201

    @app.get("/refused")
    def refused():
        raise Refused("no")

    @app.get("/abort")
    def aborted():
        flask.abort(409, "taken")

    @app.get("/crash")
    def crash():
        raise KeyError("bug")

    @app.get("/dir/")
    def directory():
        return {"dir": True}

    part = flask.Blueprint("part", __name__, url_prefix="/part")

    @part.url_value_preprocessor
    def upper(endpoint: str | None, values: dict | None) -> None:
        if values is not None and "name" in values:
            values["name"] = values["name"].upper()

    @part.before_request
    def part_hook():
        flask.g.who += "+part"

    @part.after_request
    def part_stamp(response: flask.Response) -> flask.Response:
        response.headers["X-Order"] = response.headers.get("X-Order", "") + "part,"
        return response

    @app.after_request
    def app_stamp(response: flask.Response) -> flask.Response:
        response.headers["X-Order"] = response.headers.get("X-Order", "") + "app,"
        return response

    @part.get("/<name>")
    def part_item(name: str):
        return {"name": name, "endpoint": flask.request.endpoint}

    app.register_blueprint(part)

    @app.errorhandler(Refused)
    def refused_handler(exc: Refused):
        return {"refused": str(exc)}, 403

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound):
        return {"missing": flask.request.path}, 404

    return app


def _pair() -> tuple[flask.Flask, list, ServiceApp, list]:
    plain_seen: list = []
    routed_seen: list = []
    plain = _routes(flask.Flask("plain"), plain_seen)
    routed = service_app("routed")
    assert isinstance(routed, ServiceApp)
    routed.json = plain.json = routed.json  # the same JSON provider on both sides
    routed.session_interface = plain.session_interface = routed.session_interface
    return plain, plain_seen, _routes(routed, routed_seen), routed_seen  # type: ignore[return-value]


REQUESTS = [
    ("GET", "/item/a?q=1", {}, None),
    ("GET", "/item/b", {"X-Who": "alice"}, None),
    ("HEAD", "/item/a", {}, None),
    ("DELETE", "/item/a", {}, None),
    ("POST", "/body", {"Content-Type": "application/json"}, b'{"a": [1, 2]}'),
    ("POST", "/body", {"Content-Type": "application/json"}, b"{not json"),
    ("GET", "/item/a", {"X-Stop": "1"}, None),
    ("GET", "/refused", {}, None),
    ("GET", "/abort", {}, None),
    ("GET", "/crash", {}, None),
    ("GET", "/nowhere", {}, None),
    ("PUT", "/item/a", {}, None),
    ("GET", "/dir", {}, None),
    ("OPTIONS", "/item/a", {}, None),
    ("GET", "/part/abc", {"X-Who": "bob"}, None),
    ("GET", "/part/abc", {"X-Stop": "1"}, None),
]


def _answer(app: flask.Flask, method: str, url: str, headers: dict, data: bytes | None):
    reply = app.test_client().open(url, method=method, headers=headers, data=data)
    return reply.status, sorted(reply.headers.items()), reply.get_data()


@pytest.mark.parametrize(("method", "url", "headers", "data"), REQUESTS)
def test_answers_are_flasks_on_the_first_and_the_routed_requests(method, url, headers, data):
    plain, plain_seen, routed, routed_seen = _pair()
    expected = _answer(plain, method, url, headers, data)
    for _ in range(3):  # the first request routes, the next ones use what it found
        assert _answer(routed, method, url, headers, data) == expected
    assert routed_seen == plain_seen[:1] * 3  # teardown ran once a request, with its error


def test_routes_are_remembered_per_method_and_path():
    _, _, routed, _ = _pair()
    client = routed.test_client()
    assert client.get("/item/a").json["name"] == "a"
    assert client.get("/item/b").json["name"] == "b"  # not a's arguments
    assert client.delete("/item/a").status_code == 204  # not GET's view
    assert client.get("/item/a").json["name"] == "a"
    assert {key[:3] for key in routed.routes} >= {
        ("GET", "", "/item/a"),
        ("GET", "", "/item/b"),
        ("DELETE", "", "/item/a"),
    }


def test_refused_urls_are_not_remembered():
    _, _, routed, _ = _pair()
    client = routed.test_client()
    assert client.get("/nowhere").status_code == 404
    assert client.get("/dir").status_code == 308
    assert client.put("/item/a").status_code == 405
    assert routed.routes == {}


def test_a_full_route_memory_starts_over_and_stays_right():
    _, _, routed, _ = _pair()
    routed.routes_limit = 2
    client = routed.test_client()
    for name in "abcde":
        assert client.get(f"/item/{name}").json["name"] == name
        assert len(routed.routes) <= 2
    assert client.get("/item/a").json["name"] == "a"


def test_path_arguments_are_the_requests_own():
    """A view (or a hook) changing its request's arguments leaves the next request's alone."""
    app = service_app("mutating")

    @app.get("/n/<name>")
    def named(name: str):
        flask.request.view_args["name"] = "changed"  # type: ignore[index]
        return {"name": name}

    client = app.test_client()
    assert [client.get("/n/x").json["name"] for _ in range(3)] == ["x", "x", "x"]


def test_a_test_client_keeping_its_context_sees_the_request():
    _, _, routed, _ = _pair()
    with routed.test_client() as client:
        assert client.get("/item/a?q=2").json["q"] == "2"
        assert client.get("/item/a?q=3").json["q"] == "3"  # remembered, then answered
        assert flask.request.path == "/item/a"  # the context Flask kept for the test
        assert flask.request.url_rule.rule == "/item/<name>"
        assert flask.g.who == "nobody"


def test_apps_routing_by_host_keep_flasks_adapter():
    answers = []
    for app in (flask.Flask("plain-by-host"), service_app("by-host")):
        app.config["SERVER_NAME"] = "fts3.mock"
        app.get("/x")(lambda: {"ok": True})
        client = app.test_client()
        answers.append(
            [
                client.get("/x", base_url=f"http://{host}").status_code
                for host in ("fts3.mock", "elsewhere.mock")
            ]
        )
    assert answers[0] == answers[1]
    assert app.routes == {}  # type: ignore[attr-defined]
