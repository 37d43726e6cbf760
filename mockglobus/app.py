"""The Flask app of the Globus double: Auth, plus Transfer when this checkout has it.

Both services share one app (their paths do not collide), so a single standalone
server, or a single in-process transport for both production hosts, serves them.
"""

from __future__ import annotations

import difflib
import importlib
import logging
import traceback
from types import ModuleType

import flask
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from mockglobus.auth import errors as auth_errors
from mockglobus.auth.routes import blueprint as auth_blueprint
from mockglobus.state import GlobusState

log = logging.getLogger("mockglobus")


def _optional(module: str) -> ModuleType | None:
    """Import a part of the package that may not exist yet (and only that may be missing)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            return None
        raise


def _is_transfer(path: str) -> bool:
    return path.startswith("/v0.10") or (
        flask.request.host.split(":")[0].startswith("transfer.")
    )


def create_app(state: GlobusState) -> flask.Flask:
    app = flask.Flask("mockglobus")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["mockglobus"] = state
    app.config["MOCKGLOBUS_STATE"] = state
    app.extensions["mockglobus_errors"] = []  # unexpected exceptions, for the fixtures
    app.register_blueprint(auth_blueprint)
    transfer_routes = _optional("mockglobus.transfer.routes")
    if transfer_routes is not None and hasattr(transfer_routes, "blueprint"):
        app.register_blueprint(transfer_routes.blueprint)

    def request_id() -> str:
        return state.ids.token(7)[:9]

    def transfer_error(status: int, code: str, message: str, **extra: object) -> flask.Response:
        response = flask.jsonify({"code": code, "message": message, "request_id": request_id(),
                                  "resource": flask.request.path, **extra})
        response.status_code = status
        return response

    def closest(path: str) -> str:
        rules = sorted({rule.rule for rule in app.url_map.iter_rules()})
        near = difflib.get_close_matches(path, rules, n=1, cutoff=0.4)
        return f" The closest route of the double is {near[0]}." if near else ""

    @app.errorhandler(auth_errors.TokenRejected)
    def token_rejected(exc: auth_errors.TokenRejected):  # a fallback for Transfer routes
        return transfer_error(exc.http_status, exc.code, exc.message, **exc.extra_fields())

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound):
        path = flask.request.path
        message = f"No route {flask.request.method} {path} on this double.{closest(path)}"
        if _is_transfer(path):
            return transfer_error(404, "ClientError.NotFound", message)
        body = auth_errors.NotFound(message).body(str(state.ids.uuid1()))
        return flask.jsonify(body), 404

    @app.errorhandler(MethodNotAllowed)
    def not_allowed(exc: MethodNotAllowed):
        allowed = ", ".join(sorted(exc.valid_methods or []))
        message = f"{flask.request.method} is not allowed on {flask.request.path}; use {allowed}"
        if _is_transfer(flask.request.path):
            response = transfer_error(405, "ClientError.MethodNotAllowed", message)
        else:
            response = flask.jsonify(
                auth_errors.MethodNotAllowed(message).body(str(state.ids.uuid1()))
            )
            response.status_code = 405
        response.headers["Allow"] = allowed
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return exc
        app.extensions["mockglobus_errors"].append(exc)
        log.error("mockglobus: unexpected error\n%s", traceback.format_exc())
        if _is_transfer(flask.request.path):
            return transfer_error(500, "ServerError", f"{type(exc).__name__}: {exc}")
        body = auth_errors.ApiError(f"{type(exc).__name__}: {exc}").body(str(state.ids.uuid1()))
        body["errors"][0].update(status="500", code="INTERNAL_ERROR",
                                 title="Internal Server Error")
        body.update(error="internal_error", error_description="Internal Server Error")
        return flask.jsonify(body), 500

    return app
