"""The FTS3 double's Flask application: the route tables of :mod:`mockfts.api`, bound to
one state."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import MethodType
from typing import Any

from flask import Flask, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from mockcore.jsonbody import StrictJSONProvider
from mockcore.routes import Route, mount
from mockcore.wsgi import TRANSPORT_ERROR, record_crash
from mockfts import errors
from mockfts.api import admin, config, control, datamanagement, delegation, info, jobs, render
from mockfts.api.auth import authenticate
from mockfts.model.store import FtsState

log = logging.getLogger("mockfts")

#: Every route the double serves (each module's ``ROUTES``); the README's coverage table
#: is generated from it (:mod:`mockfts.catalogue`).
ROUTES: list[Route] = [
    *info.ROUTES,
    *delegation.ROUTES,
    *jobs.ROUTES,
    *admin.ROUTES,
    *config.ROUTES,
    *datamanagement.ROUTES,
    *control.ROUTES,
]
#: The classes the routes' views are methods of; an app builds each once, on its state.
HANDLERS = (
    info.InfoApi,
    delegation.DelegationApi,
    jobs.JobsApi,
    admin.AdminApi,
    config.ConfigApi,
    datamanagement.DataManagementApi,
    control.ControlApi,
)


def _binder(state: FtsState) -> Callable[[Route], Callable[..., Any]]:
    """Bind each route's view (an unbound handler method) to its class's handler."""
    handlers = [cls(state) for cls in HANDLERS]

    def bind(route: Route) -> Callable[..., Any]:
        for handler in handlers:
            if type(handler).__dict__.get(route.view.__name__) is route.view:
                return MethodType(route.view, handler)
        raise LookupError(f"{route.view.__qualname__} is not a method of a class in HANDLERS")

    return bind


def create_app(state: FtsState) -> Flask:
    app = Flask("mockfts")
    app.json = StrictJSONProvider(app)  # request.get_json refuses hostile JSON too
    app.url_map.strict_slashes = False

    @app.before_request
    def identify():
        refused = request.environ.get(TRANSPORT_ERROR)
        if refused is not None:
            raise errors.RequestRefused(*refused)
        g.identity = authenticate(request, state)

    mount(app, ROUTES, _binder(state))

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
        record_crash(request.environ, error)  # and fail the test that caused it
        return render.error_response(
            errors.FtsError(
                "The server encountered an internal error and was unable to complete your "
                "request. Either the server is overloaded or there is an error in the application."
            )
        )

    return app
