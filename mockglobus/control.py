"""Routes that exist only on the double, under ``/_mock``: for shells and other languages.

A test in Python holds the :class:`~mockglobus.double.GlobusDouble`; a script talking
to ``mockglobus serve`` uses these instead. No real Globus service has them. Errors
take the Auth API's ``errors`` envelope (what the double answers for any path that is
not Transfer's).

* ``POST /_mock/token?user=&resource_server=&scopes=``: an access token
  (``GlobusDouble.token_for``; defaults: the scenario's default user, Transfer, the
  resource server's main scope), answered as ``{"access_token", "user",
  "resource_server"}``;
* ``POST /_mock/advance?seconds=``: move the clock, answered as ``{"now": <ISO time>}``;
* ``POST /_mock/reset``: back to a fresh double (same seed).

Parameters come from a JSON object body or from the query. They are checked before
anything changes (:mod:`mockcore.controls`): ``seconds`` finite, ``>= 0``, at most ten
years and not past the year 9000; names printable strings. A refusal is a 400
``BAD_REQUEST``; so is an unknown user or a scope of another resource server.
"""

from __future__ import annotations

import hashlib
from typing import Any

import flask

from mockcore import controlplane, controls
from mockcore.controlplane import DOUBLE_KEY
from mockcore.dashboard import dashboard_routes
from mockcore.double import STATE_KEY
from mockcore.persist import SnapshotRefused
from mockcore.routes import Route, mount
from mockglobus.auth import errors as auth_errors
from mockglobus.auth.scopes import TRANSFER_RS
from mockglobus.state import GlobusState

blueprint = flask.Blueprint("mockglobus_control", __name__)


def _state() -> GlobusState:
    return flask.current_app.extensions["mockglobus"]


def _error(error: auth_errors.ApiError) -> flask.Response:
    response = flask.jsonify(error.body(str(_state().ids.uuid1())))
    response.status_code = error.status
    return response


def snapshot() -> flask.Response:
    """The whole state as a signed blob (``GlobusDouble.snapshot``)."""
    return flask.Response(_state().snapshot(), mimetype="application/octet-stream")


def restore() -> flask.Response:
    """Body: a blob from ``/_mock/snapshot`` of this server; anything else is a 400
    and changes nothing."""
    state = _state()
    try:
        state.restore(flask.request.get_data())
    except SnapshotRefused as exc:
        return _error(auth_errors.BadRequest(f"Not a snapshot of this server: {exc}"))
    return flask.jsonify({"restored": True, "now": state.clock.now().isoformat()})


def _param(name: str) -> Any:
    """A JSON object body's value, else the query's (None when neither has it)."""
    body = flask.request.get_json(silent=True)
    if body is not None and not isinstance(body, dict):
        raise controls.ControlRefused("the body must be a JSON object")
    value = (body or {}).get(name)
    if value is None or value == "":
        value = flask.request.args.get(name)
    return None if value == "" else value


def token() -> flask.Response:
    state = _state()
    try:
        user = _param("user")
        user = controls.name(user, "user") if user is not None else None
        resource_server = _param("resource_server")
        if resource_server is not None:
            controls.name(resource_server, "resource_server")
        scopes = _param("scopes")
        if scopes is not None:
            controls.name(scopes, "scopes")
        with state.lock:
            user = user or state.auth.authorization.default_username()
            access = state.auth.mint_token(user, resource_server or TRANSFER_RS, scopes)
    except (LookupError, ValueError) as exc:  # ControlRefused; an unknown user or scope
        return _error(auth_errors.BadRequest(str(exc.args[0]) if exc.args else str(exc)))
    except auth_errors.AuthError as exc:  # invalid_scope
        return _error(auth_errors.BadRequest(exc.description))
    return flask.jsonify(
        {"access_token": access, "user": user, "resource_server": resource_server or TRANSFER_RS}
    )


def advance() -> flask.Response:
    state = _state()
    with state.lock:  # checked against the clock it moves
        seconds = _param("seconds")
        state.advance(controls.advance_seconds(0 if seconds is None else seconds, state.clock))
    return flask.jsonify({"now": state.clock.now().isoformat()})


def reset() -> flask.Response:
    """Back to a fresh double: state, journal and injected faults (``double.reset()``)."""
    flask.request.environ[DOUBLE_KEY].reset()
    return flask.jsonify({"reset": True})


def document() -> dict[str, Any]:
    """The OpenAPI document of the Globus double's control plane (``/_mock/openapi.json``)."""
    return controlplane.openapi("mockglobus control plane", _PATHS)


_TOKEN = {
    "type": "object",
    "required": ["access_token", "user", "resource_server"],
    "properties": {
        "access_token": {"type": "string"},
        "user": {"type": "string"},
        "resource_server": {"type": "string"},
    },
}
_PATHS: dict[str, dict[str, Any]] = {
    "/_mock/token": {
        "post": {
            "summary": "An access token for a user and a resource server, as Auth issues it",
            "parameters": [
                controlplane.query(
                    "user", {"type": "string"}, "username (default: the scenario's)"
                ),
                controlplane.query(
                    "resource_server", {"type": "string"}, "default transfer.api.globus.org"
                ),
                controlplane.query("scopes", {"type": "string"}, "scope string (default: all)"),
            ],
            "responses": {
                "200": {
                    "description": "the token",
                    "content": {"application/json": {"schema": _TOKEN}},
                },
                "400": {"description": "Auth's errors document"},
            },
        }
    },
}


_PATHS["/_mock/revoke"] = controlplane.json_post(
    "Revoke a token by the id the dashboard shows for it",
    {"type": "object", "required": ["token_id"], "properties": {"token_id": {"type": "string"}}},
    {"type": "object", "required": ["revoked"], "properties": {"revoked": {"type": "string"}}},
    "Auth's errors document",
)


@blueprint.errorhandler(auth_errors.ApiError)
def _refused(exc: auth_errors.ApiError) -> flask.Response:
    return _error(exc)


@blueprint.errorhandler(controls.ControlRefused)
def _checked(exc: controls.ControlRefused) -> flask.Response:
    """Every control input refused by :mod:`mockcore.controls` is Auth's 400, once."""
    return _error(auth_errors.BadRequest(str(exc)))


ROUTES = [
    Route("POST", "/_mock/token", token),
    Route("POST", "/_mock/advance", advance),
    Route("POST", "/_mock/reset", reset),
    Route("POST", "/_mock/snapshot", snapshot),
    Route("POST", "/_mock/restore", restore),
]


def dashboard_data(state: GlobusState) -> dict[str, Any]:
    """What the dashboard shows: the newest tasks, as an endpoint manager sees them; with
    ``?task=<id>``, that task's events."""
    task_id = flask.request.args.get("task")
    collection = flask.request.args.get("ls")
    with state.lock:
        state.settle()
        if collection is not None:
            return {"ls": _browse(state, collection, flask.request.args.get("path") or "/")}
        lookups = state.transfer.lookups
        if task_id:
            task = state.transfer.t.tasks.get(task_id)
            if task is None:
                return {"task": None}
            events = [event.document() for event in reversed(task.events)]
            return {"task": {**lookups.task_doc(task, admin=True), "events": events}}
        tasks = list(state.transfer.t.tasks.values())[-DASHBOARD_TASKS:]
        return {
            "tasks": [lookups.task_doc(task, admin=True) for task in reversed(tasks)],
            "auth": _auth_view(state),
        }


def _browse(state: GlobusState, collection_id: str, path: str) -> dict[str, Any]:
    """One directory of a collection's filesystem, as the operator sees the volume (a
    guest collection from its host path); the collections to choose from at ``/``."""
    collections = state.transfer.t.collections
    with_volumes = [
        {"id": c.id, "display_name": c.display_name}
        for c in collections.values()
        if c.volume is not None or (c.host_id in collections and collections[c.host_id].volume)
    ]
    coll = collections.get(collection_id)
    if coll is None:
        return {"collections": with_volumes, "entries": [], "error": None}
    volume: Any = coll.volume
    base: tuple[str, ...] = ()
    if volume is None and coll.host_id in collections:
        volume, base = collections[coll.host_id].volume, tuple(coll.host_root)
    node: Any = volume.root if volume is not None else None
    for name in (*base, *(p for p in path.split("/") if p and p != ".")):
        node = getattr(node, "children", {}).get(name)
    if node is None or node.kind != "dir":
        return {"collections": with_volumes, "entries": [], "error": f"no directory {path}"}
    entries = [
        {"name": name, "type": child.kind, "size": getattr(child, "size", None)}
        for name in sorted(node.children)[:DASHBOARD_TASKS]
        for child in (node.children[name],)
    ]
    return {"collections": with_volumes, "entries": entries, "error": None}


def _token_id(value: str) -> str:
    """How the dashboard names a token without showing it (it stays revocable)."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _auth_view(state: GlobusState) -> dict[str, Any]:
    """Auth's users, clients, consents and the newest tokens (by id, not value)."""
    t = state.auth.tables
    now = state.clock.time()
    names = {i.id: i.username for i in t.identities.values()}
    tokens = list(t.tokens.values())[-DASHBOARD_TASKS:]
    return {
        "users": [
            {"username": i.username, "id": i.id, "name": i.name, "type": i.identity_type}
            for i in t.identities.values()
        ],
        "clients": [
            {"name": c.name, "id": c.id, "type": c.client_type} for c in t.clients.values()
        ],
        "consents": [
            {"user": names.get(c.identity_id), "client": c.client_id, "scope": c.scope_string}
            for c in t.consents.values()
        ],
        "tokens": [
            {
                "token_id": _token_id(token.value),
                "kind": token.kind,
                "user": names.get(token.identity_id),
                "resource_server": token.resource_server,
                "active": token.active(now),
            }
            for token in reversed(tokens)
        ],
    }


def revoke() -> flask.Response:
    """Body ``{"token_id": <the dashboard's id of a token>}``: revoke it as its owner
    would (a refresh token takes its grant with it)."""
    state = _state()
    wanted = _param("token_id")
    if not isinstance(wanted, str):
        return _error(auth_errors.BadRequest("token_id: the id of a token, as a string"))
    with state.lock:
        found = next((v for v in state.auth.tables.tokens if _token_id(v) == wanted), None)
        if found is None:
            return _error(auth_errors.BadRequest(f"no token with id {wanted!r}"))
        state.auth.tokens.revoke(found)
    return flask.jsonify({"revoked": wanted})


DASHBOARD_TASKS = 200  # the newest tasks on the page

ROUTES.append(Route("POST", "/_mock/revoke", revoke))
ROUTES += controlplane.common_routes(auth_errors.BadRequest, document)
ROUTES += dashboard_routes("mockglobus dashboard", "globus", dashboard_data, STATE_KEY)
mount(blueprint, ROUTES, lambda route: route.view)
