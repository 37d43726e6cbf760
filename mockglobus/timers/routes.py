"""The Timers API as a thin Flask blueprint over :class:`~.model.TimersModel`.

The routes are data (:data:`ROUTES`, :class:`mockcore.routes.Route`): each names the
model method serving it and the ``globus_sdk.TimersClient`` method it answers, and in
``options`` what it reads: ``body`` (the parsed JSON body), ``query`` parameters as
keywords, all ``args`` parameters as one dict, ``credentials`` (resume's
``update_credentials``, from the JSON body as the SDK sends it or from the query as
the service's spec documents it) and the success ``status``. One binder (:func:`_bind`)
resolves the caller (Auth answers through the model's
:class:`~.identity.TimersAuth`), checks a ``job_id`` is a UUID as the service does,
calls the model and renders. :func:`render_error` writes every Timers error, once.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import flask

from mockcore import routes as core_routes
from mockcore.routes import Route
from mockglobus.binding import Binding, json_body
from mockglobus.timers import errors as E
from mockglobus.timers.model import TimersModel

blueprint = flask.Blueprint("timers", __name__)


def _model() -> TimersModel:
    return flask.current_app.extensions["mockglobus"].timers


def render_error(exc: E.TimersError) -> flask.Response:
    """The one place a Timers error becomes its document (also used by the app's
    fallbacks: unknown routes, wrong methods, refused requests, crashes)."""
    response = flask.Response(json.dumps(exc.body()), content_type="application/json")
    response.status_code = exc.status
    return response


@blueprint.errorhandler(E.TimersError)
def _timers_error(exc: E.TimersError) -> flask.Response:
    return render_error(exc)


_body = json_body(
    lambda reason: E.invalid(("body", 0), f"Expecting value: {reason}", "value_error.jsondecode")
)


def _update_credentials(body: Any) -> bool | None:
    value: Any = None
    if isinstance(body, dict) and "update_credentials" in body:
        value = body["update_credentials"]
    elif "update_credentials" in flask.request.args:
        value = {"true": True, "false": False}.get(
            flask.request.args["update_credentials"].lower(), "?"
        )
    if value is not None and not isinstance(value, bool):
        raise E.invalid(
            ("body", "update_credentials"),
            "value could not be parsed to a boolean",
            "type_error.bool",
        )
    return value


def _prepare(route: Route, inputs: dict[str, Any]) -> None:
    """A ``job_id`` must be a UUID (422 otherwise, as the service's FastAPI checks it);
    resume reads ``update_credentials``."""
    if "job_id" in inputs:
        try:
            inputs["job_id"] = str(uuid.UUID(inputs["job_id"]))
        except ValueError:
            raise E.invalid(
                ("path", "job_id"), "value is not a valid uuid", "type_error.uuid"
            ) from None
    if route.options.get("credentials"):
        inputs["update_credentials"] = _update_credentials(_body())


BINDING = Binding("Timers", lambda state: state.timers, body=_body, prepare=_prepare)


def _sdk(method: str) -> str:
    return f"TimersClient.{method}"


M = TimersModel
ROUTES: list[Route] = [
    Route(
        "POST",
        "/v2/timer",
        M.create_timer,
        _sdk("create_timer"),
        note="transfer timers",
        options={"body": True, "status": 201},
    ),
    Route(
        "GET",
        "/jobs/",
        M.list_jobs,
        _sdk("list_jobs"),
        options={
            "args": (
                "filter_status",
                "filter_name",
                "submitted_after",
                "submitted_before",
                "result_count",
                "order",
            )
        },
    ),
    Route(
        "POST",
        "/jobs/",
        M.create_job,
        _sdk("create_job"),
        note="validation only; 501",
        options={"body": True, "status": 201},
    ),
    Route(
        "GET",
        "/jobs/<job_id>",
        M.get_job,
        _sdk("get_job"),
        options={"query": ("results_pt", "page_size")},
    ),
    Route("PATCH", "/jobs/<job_id>", M.update_job, _sdk("update_job"), options={"body": True}),
    Route("DELETE", "/jobs/<job_id>", M.delete_job, _sdk("delete_job")),
    Route("POST", "/jobs/<job_id>/pause", M.pause_job, _sdk("pause_job")),
    Route(
        "POST",
        "/jobs/<job_id>/resume",
        M.resume_job,
        _sdk("resume_job"),
        options={"credentials": True},
    ),
]

core_routes.mount(blueprint, ROUTES, BINDING.view)


def is_timers_path(path: str) -> bool:
    """Whether ``path`` is one of Timers' (for the app's fallback errors)."""
    return path == "/v2/timer" or path.startswith(("/v2/timer/", "/jobs"))


__all__ = ["ROUTES", "blueprint", "is_timers_path", "render_error"]
