"""The control plane every double serves under ``/_mock``, and its OpenAPI 3.1 document.

Each service has its own ``/_mock/token`` (its tokens differ) and ``/_mock/advance``,
``reset``, ``snapshot``, ``restore``; what is the same for every double lives here: the
clock, the request journal, injected faults, and ``GET /_mock/openapi.json``, the
document that describes all of them (:func:`openapi`). The views act on the double the
request reached (``environ[DOUBLE_KEY]``). A mistake in a control request is refused
with the service's own 400 (``refuse(message)`` is the service's).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import flask

from mockcore import controls
from mockcore.routes import Route

#: Where a request carries the :class:`mockcore.double.Double` it reached.
DOUBLE_KEY = "mockcore.double"

Refuse = Callable[[str], Exception]


def _double() -> Any:
    return flask.request.environ[DOUBLE_KEY]


def _body(refuse: Refuse) -> dict[str, Any]:
    body = flask.request.get_json(silent=True)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise refuse("the body must be a JSON object")
    return body


def _entry(entry: Any) -> dict[str, Any]:
    def text(raw: bytes) -> str:
        return raw.decode("utf-8", "replace")

    return {
        "method": entry.method,
        "path": entry.path,
        "query": entry.query,
        "status": entry.status,
        "at": entry.at,
        "fault": entry.fault,
        "request_body": text(entry.request_body),
        "response_body": text(entry.response_body),
    }


def _fault(fault: Any) -> dict[str, Any]:
    return {
        "method": fault.method,
        "path": fault.path,
        "status": fault.status,
        "latency": fault.latency,
        "drop": fault.drop,
        "after": fault.after,
        "times": fault.times,
        "fired": fault.fired,
        "describe": fault.describe(),
    }


def common_routes(refuse: Refuse, document: Callable[[], dict[str, Any]]) -> list[Route]:
    """The control routes every double shares; ``document()`` is its OpenAPI document."""

    def clock() -> flask.Response:
        now = _double().clock
        speed = getattr(now, "speed", None)  # None: a manual clock, moved only by advance
        return flask.jsonify({"now": now.now().isoformat(), "epoch": now.time(), "speed": speed})

    def speed() -> flask.Response:
        """Body ``{"speed": x}``: virtual seconds per real second of a running clock
        (``serve --speed``); a manual clock (in-process doubles) refuses."""
        clock = _double().clock
        if not hasattr(clock, "set_speed"):
            raise refuse("this double's clock is manual: it moves only by advance")
        factor = _checked(_speed, refuse, _body(refuse).get("speed"))
        clock.set_speed(factor)
        return flask.jsonify({"now": clock.now().isoformat(), "speed": clock.speed})

    def journal() -> flask.Response:
        """Entries oldest first; ``method``, ``path`` (a regular expression matched
        against the whole path), ``status`` filter; ``limit`` keeps the newest."""
        args = flask.request.args
        method = (args.get("method") or "").upper() or None
        pattern = _pattern(args.get("path"), refuse)
        status = _integer(args.get("status"), "status", refuse)
        limit = _integer(args.get("limit"), "limit", refuse)
        entries = [
            e
            for e in _double().journal.entries
            if (method is None or e.method == method)
            and (pattern is None or pattern.fullmatch(e.path))
            and (status is None or e.status == status)
        ]
        if limit is not None:
            entries = entries[-limit:] if limit else []
        return flask.jsonify({"entries": [_entry(e) for e in entries]})

    def clear_journal() -> flask.Response:
        journal = _double().journal
        cleared = len(journal)
        journal.clear()
        return flask.jsonify({"cleared": cleared})

    def faults() -> flask.Response:
        return flask.jsonify({"faults": [_fault(f) for f in _double().faults.armed]})

    def add_fault() -> flask.Response:
        """Body: ``path`` (a regular expression), and ``status`` (answer it), or
        ``latency`` seconds (answer late), or ``drop: true`` (close the connection);
        ``method``, ``after``, ``times``, ``retry_after``, ``body`` as the Python API."""
        body = _body(refuse)
        path = body.get("path")
        if not isinstance(path, str) or _pattern(path, refuse) is None:
            raise refuse("path: a regular expression over the request path is required")
        method = body.get("method")
        if method is not None and not isinstance(method, str):
            raise refuse("method: a string")
        after = _integer(body.get("after", 0), "after", refuse) or 0
        times = _integer(body.get("times", 1), "times", refuse)
        injector = _double().faults
        if body.get("drop") is True:
            fault = injector.drop(path, method=method, after=after, times=times)
        elif body.get("latency") is not None:
            seconds = _checked(_latency, refuse, body["latency"])
            fault = injector.delay(path, seconds, method=method, after=after, times=times)
        else:
            status = _integer(body.get("status"), "status", refuse)
            if status is None or not 100 <= status <= 599:
                raise refuse("status: an HTTP status between 100 and 599")
            retry_after = _integer(body.get("retry_after"), "retry_after", refuse)
            fault = injector.fail(
                path,
                status,
                method=method,
                body=body.get("body"),
                retry_after=retry_after,
                after=after,
                times=times,
            )
        return flask.jsonify(_fault(fault))

    def clear_faults() -> flask.Response:
        injector = _double().faults
        cleared = len(injector.armed)
        injector.clear()
        return flask.jsonify({"cleared": cleared})

    def openapi_json() -> flask.Response:
        return flask.jsonify(document())

    return [
        Route("GET", "/_mock/clock", clock),
        Route("POST", "/_mock/speed", speed),
        Route("GET", "/_mock/journal", journal),
        Route("DELETE", "/_mock/journal", clear_journal),
        Route("GET", "/_mock/faults", faults),
        Route("POST", "/_mock/faults", add_fault),
        Route("DELETE", "/_mock/faults", clear_faults),
        Route("GET", "/_mock/openapi.json", openapi_json),
    ]


def _speed(value: Any) -> float:
    return controls.number(value, "speed", positive=True, maximum=1e6)


def _latency(value: Any) -> float:
    return controls.number(value, "latency", maximum=60.0)  # real seconds: keep them few


def _checked(check: Callable[..., Any], refuse: Refuse, *args: Any) -> Any:
    try:
        return check(*args)
    except controls.ControlRefused as exc:
        raise refuse(str(exc)) from None


def _integer(value: Any, name: str, refuse: Refuse) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise refuse(f"{name}: an integer")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise refuse(f"{name}: an integer") from None
    if number < 0 or number > 10**9:
        raise refuse(f"{name}: between 0 and 1000000000")
    return number


def _pattern(text: str | None, refuse: Refuse) -> re.Pattern[str] | None:
    if not text:
        return None
    if len(text) > 1000:
        raise refuse("path: at most 1000 characters")
    try:
        return re.compile(text)
    except re.error as exc:
        raise refuse(f"path: not a regular expression ({exc})") from None


# --- the document -----------------------------------------------------------------------

_OBJECT = {"type": "object"}
_ERROR = {"description": "the request is refused, in the service's own error shape"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _op(
    summary: str,
    response: dict[str, Any],
    *,
    parameters: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
    errors: bool = True,
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {"200": response}}
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": body}},
        }
    if errors:
        op["responses"]["400"] = _ERROR
    return op


def json_post(
    summary: str, body: dict[str, Any], answer: dict[str, Any], refused: str
) -> dict[str, Any]:
    """An OpenAPI path item: a POST of a JSON ``body`` answered with ``answer`` (200) or
    refused with a 400 described by ``refused``."""
    return {
        "post": {
            "summary": summary,
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {
                "200": _json(answer, "done"),
                "400": {"description": refused},
            },
        }
    }


def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """An OpenAPI query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


_NOW = {
    "type": "object",
    "required": ["now"],
    "properties": {"now": {"type": "string"}},
}
_SECONDS = query("seconds", {"type": "number", "minimum": 0}, "virtual seconds to move")
_ENTRY = {
    "type": "object",
    "required": ["method", "path", "status", "at"],
    "properties": {
        "method": {"type": "string"},
        "path": {"type": "string"},
        "query": {"type": "string"},
        "status": {"type": "integer"},
        "at": {"type": "number"},
        "fault": {"type": ["string", "null"]},
        "request_body": {"type": "string"},
        "response_body": {"type": "string"},
    },
}
_FAULT = {
    "type": "object",
    "required": ["path", "describe"],
    "properties": {
        "method": {"type": ["string", "null"]},
        "path": {"type": "string"},
        "status": {"type": ["integer", "null"]},
        "latency": {"type": "number"},
        "drop": {"type": "boolean"},
        "after": {"type": "integer"},
        "times": {"type": ["integer", "null"]},
        "fired": {"type": "integer"},
        "describe": {"type": "string"},
    },
}
_CLEARED = {
    "type": "object",
    "required": ["cleared"],
    "properties": {"cleared": {"type": "integer"}},
}


def openapi(title: str, service_paths: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of a double's control plane: the shared routes and the
    service's own (``service_paths``, OpenAPI path items: token, and the like)."""
    paths: dict[str, dict[str, Any]] = {
        "/_mock/advance": {
            "post": _op(
                "Move the virtual clock forward; what falls due happens, in order",
                _json(_NOW, "the clock after the move"),
                parameters=[_SECONDS],
                body={"type": "object", "properties": {"seconds": {"type": "number"}}},
            )
        },
        "/_mock/reset": {
            "post": _op(
                "Back to a fresh double (or the state its scenario made): state, journal, faults",
                _json(_OBJECT, "reset"),
                errors=False,
            )
        },
        "/_mock/snapshot": {
            "post": _op(
                "The whole state as a blob signed by this server",
                {
                    "description": "the blob",
                    "content": {"application/octet-stream": {"schema": {"type": "string"}}},
                },
                errors=False,
            )
        },
        "/_mock/restore": {
            "post": {
                "summary": "Back to a snapshot of this server, in place",
                "requestBody": {
                    "required": True,
                    "content": {"application/octet-stream": {"schema": {"type": "string"}}},
                },
                "responses": {"200": _json(_OBJECT, "restored"), "400": _ERROR},
            }
        },
        "/_mock/clock": {
            "get": _op(
                "The virtual time",
                _json(
                    {
                        "type": "object",
                        "required": ["now", "epoch", "speed"],
                        "properties": {
                            "now": {"type": "string"},
                            "epoch": {"type": "number"},
                            "speed": {"type": ["number", "null"]},
                        },
                    },
                    "now",
                ),
                errors=False,
            )
        },
        "/_mock/speed": {
            "post": _op(
                "Set how many virtual seconds a real second is (a served double's running clock)",
                _json(
                    {
                        "type": "object",
                        "required": ["now", "speed"],
                        "properties": {"now": {"type": "string"}, "speed": {"type": "number"}},
                    },
                    "the clock",
                ),
                body={
                    "type": "object",
                    "required": ["speed"],
                    "properties": {"speed": {"type": "number", "exclusiveMinimum": 0}},
                },
            )
        },
        "/_mock/journal": {
            "get": _op(
                "Requests and answers, oldest first",
                _json(
                    {
                        "type": "object",
                        "required": ["entries"],
                        "properties": {"entries": {"type": "array", "items": _ENTRY}},
                    },
                    "the entries",
                ),
                parameters=[
                    query("method", {"type": "string"}, "only this method"),
                    query("path", {"type": "string"}, "a regular expression over the path"),
                    query("status", {"type": "integer"}, "only this status"),
                    query("limit", {"type": "integer", "minimum": 0}, "the newest N"),
                ],
            ),
            "delete": _op("Forget the journal", _json(_CLEARED, "cleared"), errors=False),
        },
        "/_mock/faults": {
            "get": _op(
                "The armed faults",
                _json(
                    {
                        "type": "object",
                        "required": ["faults"],
                        "properties": {"faults": {"type": "array", "items": _FAULT}},
                    },
                    "the faults",
                ),
                errors=False,
            ),
            "post": _op(
                "Arm a fault: an answer with a status, a latency, or a dropped connection",
                _json(_FAULT, "the fault armed"),
                body={
                    "type": "object",
                    "required": ["path"],
                    "properties": {
                        "path": {"type": "string"},
                        "method": {"type": "string"},
                        "status": {"type": "integer"},
                        "latency": {"type": "number"},
                        "drop": {"type": "boolean"},
                        "after": {"type": "integer"},
                        "times": {"type": ["integer", "null"]},
                        "retry_after": {"type": "integer"},
                        "body": {},
                    },
                },
            ),
            "delete": _op("Disarm every fault", _json(_CLEARED, "cleared"), errors=False),
        },
        "/_mock/openapi.json": {
            "get": _op("This document", _json(_OBJECT, "the document"), errors=False)
        },
        "/_mock/ui": {
            "get": {
                "summary": "The dashboard: a page that shows and steers the double",
                "responses": {"200": {"description": "the page", "content": {"text/html": {}}}},
            }
        },
        "/_mock/ui/static/{name}": {
            "get": {
                "summary": "The dashboard's scripts (Chart.js is vendored: no network needed)",
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {"description": "the file", "content": {"text/javascript": {}}},
                    "404": {"description": "no such file"},
                },
            }
        },
        "/_mock/ui/data": {
            "get": _op(
                "What the dashboard shows of the service (FTS: jobs, links, optimizer; "
                "Globus: tasks)",
                _json(_OBJECT, "the service's document"),
                errors=False,
            )
        },
    }
    paths.update(service_paths)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "1",
            "description": "Routes only the double has: its clock, journal, faults, state.",
        },
        "paths": dict(sorted(paths.items())),
    }


__all__ = ["DOUBLE_KEY", "common_routes", "json_post", "openapi", "query"]
