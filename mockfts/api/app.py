"""The FTS3 double's Flask application: the route tables of :mod:`mockfts.api`.

One app serves every double of the process (:func:`shared_app`): each request finds its
double's state in the environ (:data:`mockcore.double.STATE_KEY`), so a fresh double
does not pay for compiling the route table again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from mockcore.double import STATE_KEY, once_per_process
from mockcore.flaskapp import service_app
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
    *control.COMMON,
]
#: The classes the routes' views are methods of; each request builds one on its state.
HANDLERS = (
    info.InfoApi,
    delegation.DelegationApi,
    jobs.JobsApi,
    admin.AdminApi,
    config.ConfigApi,
    datamanagement.DataManagementApi,
    control.ControlApi,
)


def _state() -> FtsState:
    """The state of the double answering the running request."""
    return request.environ[STATE_KEY]


def _bind(route: Route) -> Callable[..., Any]:
    """The view (an unbound handler method) called on its class's handler, made on the
    state of the request (a handler holds nothing but the state)."""
    view = route.view
    for cls in HANDLERS:
        if cls.__dict__.get(view.__name__) is view:
            return lambda **arguments: view(cls(_state()), **arguments)
    if route in control.COMMON:  # the control plane every double shares: plain views
        return view
    raise LookupError(f"{view.__qualname__} is not a method of a class in HANDLERS")


@once_per_process
def shared_app() -> Flask:
    """The app of every double of the process, built on first use."""
    return create_app()


def create_app() -> Flask:
    """A new app; it serves the state each request carries under ``STATE_KEY``."""
    app = service_app("mockfts")  # strict JSON in, no sessions
    app.url_map.strict_slashes = False

    @app.before_request
    def identify():
        refused = request.environ.get(TRANSPORT_ERROR)
        if refused is not None:
            raise errors.RequestRefused(*refused)
        g.identity = authenticate(request, _state())

    mount(app, ROUTES, _bind)

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
