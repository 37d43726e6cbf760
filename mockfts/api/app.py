"""The FTS3 double's Flask application: route tables bound to one state."""

from __future__ import annotations

import logging

from flask import Flask, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from mockfts import errors
from mockfts.api import admin, config, control, datamanagement, delegation, info, jobs, render
from mockfts.api.auth import authenticate
from mockfts.model.store import FtsState

log = logging.getLogger("mockfts")

# Each module: a handler class taking the state, and its ROUTES table.
API_MODULES = [(info, info.InfoApi), (jobs, jobs.JobsApi), (delegation, delegation.DelegationApi),
               (control, control.ControlApi)]
API_MODULES += [(admin, admin.AdminApi), (config, config.ConfigApi)]
API_MODULES += [(datamanagement, datamanagement.DataManagementApi)]


def create_app(state: FtsState) -> Flask:
    app = Flask("mockfts")
    app.url_map.strict_slashes = False

    @app.before_request
    def identify():
        g.identity = authenticate(request, state)

    for module, handlers_class in API_MODULES:
        handlers = handlers_class(state)
        for rule, methods, name in module.ROUTES:
            app.add_url_rule(rule, endpoint=f"{module.__name__}.{name}:{'/'.join(methods)}",
                             view_func=getattr(handlers, name), methods=methods)

    @app.errorhandler(errors.FtsError)
    def fts_error(error: errors.FtsError):
        return render.error_response(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, NotFound):
            return render.error_response(errors.RouteNotFound())
        if isinstance(error, MethodNotAllowed):
            response = render.error_response(errors.WrongMethod())
            response.headers["Allow"] = ", ".join(error.valid_methods or [])
            return response
        generic = errors.FtsError(error.description or "")
        generic.status = error.code or 500
        return render.error_response(generic)

    @app.errorhandler(Exception)
    def crash(error: Exception):  # a bug of ours: answer as the real server would, and log it
        log.exception("mockfts internal error")
        return render.error_response(errors.FtsError(
            "The server encountered an internal error and was unable to complete your "
            "request. Either the server is overloaded or there is an error in the application."
        ))

    return app
