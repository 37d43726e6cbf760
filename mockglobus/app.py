"""The Flask app of the Globus double: Auth, Transfer and Groups.

The services share one app (their paths do not collide), so a single standalone
server, or a single in-process transport for both production hosts, serves them. One
app serves every double of the process (:func:`shared_app`): the routes find their
double's state as ``current_app.extensions["mockglobus"]``, which is the state the
request carries (:data:`mockcore.double.STATE_KEY`).
"""

from __future__ import annotations

import difflib
import logging
import traceback
from typing import Any

import flask
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from mockcore.double import STATE_KEY, once_per_process
from mockcore.flaskapp import service_app
from mockcore.wsgi import TRANSPORT_ERROR, record_crash
from mockglobus import control
from mockglobus.auth import errors as auth_errors
from mockglobus.auth.routes import blueprint as auth_blueprint
from mockglobus.groups import errors as groups_errors
from mockglobus.groups import routes as groups_routes
from mockglobus.search import errors as search_errors
from mockglobus.search import routes as search_routes
from mockglobus.state import GlobusState
from mockglobus.timers import errors as timers_errors
from mockglobus.timers import routes as timers_routes
from mockglobus.transfer import errors as transfer_errors
from mockglobus.transfer import routes as transfer_routes
from mockglobus.transfer.routes import render_error as render_transfer

log = logging.getLogger("mockglobus")


def _is_timers(path: str) -> bool:
    return timers_routes.is_timers_path(path) or flask.request.host.startswith("timer.")


def _is_transfer(path: str) -> bool:
    return path.startswith("/v0.10") or (flask.request.host.split(":")[0].startswith("transfer."))


def _is_groups(path: str) -> bool:
    return groups_routes.is_groups(path, flask.request.host)


class _Extensions(dict):
    """``app.extensions``, where ``"mockglobus"`` is the state of the running request."""

    def __getitem__(self, key: str) -> Any:
        if key == "mockglobus":
            return flask.request.environ[STATE_KEY]
        return super().__getitem__(key)


def _state() -> GlobusState:
    return flask.request.environ[STATE_KEY]


@once_per_process
def shared_app() -> flask.Flask:
    """The app of every double of the process, built on first use."""
    return create_app()


def create_app() -> flask.Flask:
    """A new app; it serves the state each request carries under ``STATE_KEY``."""
    app = service_app("mockglobus", sort_keys=False)  # strict JSON in, no sessions
    app.extensions = _Extensions(app.extensions)
    app.register_blueprint(auth_blueprint)
    app.register_blueprint(transfer_routes.blueprint)
    app.register_blueprint(groups_routes.blueprint)
    app.register_blueprint(search_routes.blueprint)  # /v1/index..., /v1/task...
    app.register_blueprint(timers_routes.blueprint)  # /v2/timer, /jobs/
    app.register_blueprint(control.blueprint)  # /_mock: the double's own routes

    @app.before_request
    def refused_by_server():
        refused = flask.request.environ.get(TRANSPORT_ERROR)
        if refused is None:
            return None
        if _is_timers(flask.request.path):
            return timers_routes.render_error(timers_errors.RequestRefused(*refused))
        if _is_transfer(flask.request.path):
            return render_transfer(transfer_errors.RequestRefused(*refused))
        if _is_groups(flask.request.path):
            return groups_routes.render_error(groups_errors.RequestRefused(*refused))
        if search_routes.is_search_path(flask.request.path):
            return search_routes.render_error(search_errors.RequestRefused(*refused))
        error = auth_errors.RequestRefused(*refused)
        return flask.jsonify(error.body(str(_state().ids.uuid1()))), error.status

    def closest(path: str) -> str:
        rules = sorted({rule.rule for rule in app.url_map.iter_rules()})
        near = difflib.get_close_matches(path, rules, n=1, cutoff=0.4)
        return f" The closest route of the double is {near[0]}." if near else ""

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound):
        path = flask.request.path
        message = f"No route {flask.request.method} {path} on this double.{closest(path)}"
        if _is_timers(path):
            return timers_routes.render_error(timers_errors.NotFound(message))
        if _is_transfer(path):
            return render_transfer(transfer_errors.RouteNotFound(message))
        if _is_groups(path):
            return groups_routes.render_error(groups_errors.NotFound(message))
        if search_routes.is_search_path(path):
            return search_routes.render_error(search_errors.NotFound(message))
        body = auth_errors.NotFound(message).body(str(_state().ids.uuid1()))
        return flask.jsonify(body), 404

    @app.errorhandler(MethodNotAllowed)
    def not_allowed(exc: MethodNotAllowed):
        allowed = ", ".join(sorted(exc.valid_methods or []))
        message = f"{flask.request.method} is not allowed on {flask.request.path}; use {allowed}"
        if _is_timers(flask.request.path):
            response = timers_routes.render_error(timers_errors.MethodNotAllowed(message))
        elif _is_transfer(flask.request.path):
            response = render_transfer(transfer_errors.MethodNotAllowed(message))
        elif _is_groups(flask.request.path):
            response = groups_routes.render_error(groups_errors.MethodNotAllowed(message))
        elif search_routes.is_search_path(flask.request.path):
            response = search_routes.render_error(search_errors.MethodNotAllowed(message))
        else:
            response = flask.jsonify(
                auth_errors.MethodNotAllowed(message).body(str(_state().ids.uuid1()))
            )
            response.status_code = 405
        response.headers["Allow"] = allowed
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return exc
        record_crash(flask.request.environ, exc)  # the double fails the test that caused it
        log.error("mockglobus: unexpected error\n%s", traceback.format_exc())
        if _is_timers(flask.request.path):
            return timers_routes.render_error(
                timers_errors.InternalError(f"{type(exc).__name__}: {exc}")
            )
        if _is_transfer(flask.request.path):
            return render_transfer(transfer_errors.InternalError(f"{type(exc).__name__}: {exc}"))
        if _is_groups(flask.request.path):
            return groups_routes.render_error(
                groups_errors.InternalError(f"{type(exc).__name__}: {exc}")
            )
        if search_routes.is_search_path(flask.request.path):
            return search_routes.render_error(
                search_errors.InternalError(f"{type(exc).__name__}: {exc}")
            )
        body = auth_errors.ApiError(f"{type(exc).__name__}: {exc}").body(str(_state().ids.uuid1()))
        body["errors"][0].update(status="500", code="INTERNAL_ERROR", title="Internal Server Error")
        body.update(error="internal_error", error_description="Internal Server Error")
        return flask.jsonify(body), 500

    return app
