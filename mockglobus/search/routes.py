"""The Search API v1 as a thin Flask blueprint over :class:`SearchModel`.

The routes are data (:data:`ROUTES`, :class:`mockcore.routes.Route`): each names the
part method that serves it, the ``globus_sdk.SearchClient`` method it answers
(``upstream``) and, in ``options``, what it reads: ``body`` (the parsed JSON body),
``query`` parameters as keywords, or ``args`` (the named parameters as one dict). One
binder (:func:`_bind`) finds the caller the bearer token names (none is anonymous;
Auth answers through the model's :class:`~mockglobus.search.identity.SearchAuth`),
calls the view on this state's instance of its part and renders the document. Errors
are rendered here, once (:func:`render_error`), in the real ``GError`` shape.
"""

from __future__ import annotations

from typing import Any

import flask

from mockcore import routes as core_routes
from mockcore.routes import Route
from mockglobus.binding import Binding, json_body
from mockglobus.search import errors as E
from mockglobus.search.indexes import Indexes
from mockglobus.search.ingest import Ingest
from mockglobus.search.model import SearchModel
from mockglobus.search.queries import Queries
from mockglobus.search.roles import Roles

blueprint = flask.Blueprint("search", __name__)

#: Path prefixes of Search routes (the app renders its fallbacks for them in this shape).
PREFIXES = ("/v1/index", "/v1/task", "/v1/index_list", "/beta/index")


def is_search_path(path: str) -> bool:
    return path.startswith(PREFIXES) or flask.request.host.split(":")[0].startswith("search.")


def _state() -> Any:
    return flask.current_app.extensions["mockglobus"]


def _model() -> SearchModel:
    return _state().search


def render_error(exc: E.SearchError) -> flask.Response:
    """The one place a Search error becomes the real ``GError`` body (also used by the
    app's fallbacks for Search paths: unknown routes, wrong methods, refused requests,
    crashes)."""
    response = flask.jsonify(exc.body(_state().ids.hex(16)))
    response.status_code = exc.status
    return response


@blueprint.errorhandler(E.SearchError)
def _search_error(exc: E.SearchError) -> flask.Response:
    return render_error(exc)


def _token(environ: dict[str, Any]) -> str | None:
    scheme, _, value = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if not scheme and not value:
        return None
    if scheme.lower() != "bearer" or not value.strip():
        raise E.Unauthorized("The Authorization header must be 'Bearer <access token>'")
    return value.strip()


BINDING = Binding(
    "Search",
    lambda state: state.search,
    body=json_body(lambda reason: E.BadRequest(f"Could not parse JSON: {reason}")),
    token=_token,
)


def _sdk(method: str) -> str:
    return f"SearchClient.{method}"


_QUERY_ARGS = (
    "q",
    "offset",
    "limit",
    "advanced",
    "bypass_visible_to",
    "filter_principal_sets",
    "fields",
    "result_format_version",
)
_READ_ARGS = ("subject", "entry_id", "bypass_visible_to", "fields", "result_format_version")

ROUTES: list[Route] = [
    Route(
        ("POST",), "/v1/index", Indexes.create_index, _sdk("create_index"), options={"body": True}
    ),
    Route(("GET",), "/v1/index/<index_id>", Indexes.get_index, _sdk("get_index")),
    Route(
        ("PATCH",),
        "/v1/index/<index_id>",
        Indexes.update_index,
        _sdk("update_index"),
        options={"body": True},
    ),
    Route(("DELETE",), "/v1/index/<index_id>", Indexes.delete_index, _sdk("delete_index")),
    Route(("POST",), "/v1/index/<index_id>/reopen", Indexes.reopen_index, _sdk("reopen_index")),
    Route(
        ("GET",),
        "/v1/index_list",
        Indexes.index_list,
        _sdk("index_list"),
        options={"query": ("filter_roles",)},
    ),
    Route(
        ("GET",),
        "/v1/index/<index_id>/search",
        Queries.search,
        _sdk("search"),
        options={"args": _QUERY_ARGS},
    ),
    Route(
        ("POST",),
        "/v1/index/<index_id>/search",
        Queries.post_search,
        _sdk("post_search"),
        options={"body": True},
    ),
    Route(
        ("POST",),
        "/v1/index/<index_id>/scroll",
        Queries.scroll,
        _sdk("scroll"),
        options={"body": True},
    ),
    Route(
        ("POST",),
        "/v1/index/<index_id>/ingest",
        Ingest.ingest,
        _sdk("ingest"),
        options={"body": True},
    ),
    Route(
        ("POST",),
        "/v1/index/<index_id>/delete_by_query",
        Ingest.delete_by_query,
        _sdk("delete_by_query"),
        options={"body": True},
    ),
    Route(
        ("POST",),
        "/v1/index/<index_id>/batch_delete_by_subject",
        Ingest.batch_delete_by_subject,
        _sdk("batch_delete_by_subject"),
        options={"body": True},
    ),
    Route(
        ("GET",),
        "/v1/index/<index_id>/subject",
        Queries.get_subject,
        _sdk("get_subject"),
        options={"args": _READ_ARGS},
    ),
    Route(
        ("DELETE",),
        "/v1/index/<index_id>/subject",
        Ingest.delete_subject,
        _sdk("delete_subject"),
        options={"query": ("subject",)},
    ),
    Route(
        ("GET",),
        "/v1/index/<index_id>/entry",
        Queries.get_entry,
        _sdk("get_entry"),
        options={"args": _READ_ARGS},
    ),
    Route(
        ("DELETE",),
        "/v1/index/<index_id>/entry",
        Ingest.delete_entry,
        _sdk("delete_entry"),
        options={"query": ("subject", "entry_id")},
    ),
    Route(("GET",), "/v1/task/<task_id>", Ingest.get_task, _sdk("get_task")),
    Route(("GET",), "/v1/task_list/<index_id>", Ingest.get_task_list, _sdk("get_task_list")),
    Route(
        ("POST",),
        "/v1/index/<index_id>/role",
        Roles.create_role,
        _sdk("create_role"),
        options={"body": True},
    ),
    Route(("GET",), "/v1/index/<index_id>/role_list", Roles.get_role_list, _sdk("get_role_list")),
    Route(
        ("DELETE",),
        "/v1/index/<index_id>/role/<role_id>",
        Roles.delete_role,
        _sdk("delete_role"),
    ),
]

#: Real routes the double does not serve, and why (for the coverage table).
NOT_SERVED = [
    ("PUT, POST", "/v1/index/<index_id>/entry", "no SDK method; use ingest"),
    ("GET", "/beta/index/<index_id>/mapping", "beta"),
    ("GET", "/beta/index/<index_id>/field_budget", "beta"),
]

core_routes.mount(blueprint, ROUTES, BINDING.view)


def coverage_markdown() -> str:
    return core_routes.coverage_markdown(
        ROUTES, upstream_heading="globus_sdk method", not_served=NOT_SERVED
    )


__all__ = [
    "NOT_SERVED",
    "ROUTES",
    "blueprint",
    "coverage_markdown",
    "is_search_path",
    "render_error",
]
