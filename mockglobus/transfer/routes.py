"""The Transfer API v0.10 as a thin Flask blueprint over :class:`TransferModel`.

The routes are data (:data:`ROUTES`, :class:`mockcore.routes.Route`): each names the
part method that serves it (``view``, unbound), the ``globus_sdk`` method it answers
(``upstream``) and, in ``options``, what it reads: ``body`` (the parsed JSON body),
``query`` parameters as keywords, ``repeated`` ones as lists (``{keyword: parameter}``),
or all ``args`` parameters as one dict. One handler (:func:`_bind`) finds the model's
part owning the view, calls it with the :class:`Caller` the bearer token names (Auth
answers through the model's :class:`~mockglobus.transfer.identity.TransferAuth`), and
renders. Errors are rendered here, once: every
:class:`~mockglobus.transfer.errors.TransferError` becomes
``{"code", "message", "request_id", "resource", ...}`` with its HTTP status. Result
documents get ``request_id`` and ``resource`` the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import flask

from mockcore import routes as core_routes
from mockcore.routes import Route
from mockglobus.binding import Binding, json_body
from mockglobus.transfer import errors as E
from mockglobus.transfer.admin_actions import AdminActions
from mockglobus.transfer.bookmarks import Bookmarks
from mockglobus.transfer.endpoint_manager import EndpointManager
from mockglobus.transfer.endpoint_ops import EndpointOps
from mockglobus.transfer.endpoint_search import EndpointSearch
from mockglobus.transfer.file_ops import FileOps
from mockglobus.transfer.model import TransferModel
from mockglobus.transfer.pause_rules import PauseRules
from mockglobus.transfer.roles_acls import RolesAndAcls
from mockglobus.transfer.task_ops import TaskOps
from mockglobus.transfer.task_queries import TaskQueries

blueprint = flask.Blueprint("transfer", __name__, url_prefix="/v0.10")


def _state() -> Any:
    return flask.current_app.extensions["mockglobus"]


def _model() -> TransferModel:
    return _state().transfer


def _request_id() -> str:
    return _state().ids.token(7)[:9]


def render_error(exc: E.TransferError) -> flask.Response:
    """The one place a Transfer error becomes the real envelope (also used by the app's
    fallbacks: unknown routes, wrong methods, requests the server refused, crashes)."""
    response = flask.jsonify(exc.body(_request_id(), flask.request.path))
    response.status_code = exc.status
    return response


@blueprint.errorhandler(E.TransferError)
def _transfer_error(exc: E.TransferError) -> flask.Response:
    return render_error(exc)


def _project(doc: dict[str, Any], query: str) -> dict[str, Any]:
    """Honour ``fields=a,b`` (the CLI asks task_list for ``fields=task_id``)."""
    if "fields=" not in query:
        return doc  # most requests: no need to parse the query
    wanted = flask.request.args.get("fields")
    if not wanted:
        return doc
    keep = {f.strip() for f in wanted.split(",") if f.strip()} | {"DATA_TYPE"}
    if isinstance(doc.get("DATA"), list) and doc.get("DATA_TYPE") != "endpoint":
        doc = dict(doc)
        doc["DATA"] = [{k: v for k, v in item.items() if k in keep} for item in doc["DATA"]]
        return doc
    return {k: v for k, v in doc.items() if k in keep}


class _Document(flask.Response):
    """A view's JSON document. It carries only the two headers it is made with
    (``Content-Type``, ``Content-Length``), so it skips werkzeug's pass over the
    headers of a general response; a ``HEAD`` request still gets no body."""

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        start_response(self.status, self.headers.to_wsgi_list())
        return () if environ["REQUEST_METHOD"] == "HEAD" else self.response


def _reply(doc: dict[str, Any], environ: dict[str, Any], status: int) -> flask.Response:  # noqa: ARG001
    if "code" in doc and "message" in doc:  # result documents
        doc = {**doc, "request_id": _request_id(), "resource": flask.request.path}
    # json.dumps rather than flask.jsonify: the same document for a fraction of the cost
    body = json.dumps(_project(doc, environ.get("QUERY_STRING", "")))
    return _Document(body, content_type="application/json")


BINDING = Binding(
    "Transfer",
    lambda state: state.transfer,
    body=json_body(lambda reason: E.BadRequest(f"Could not parse JSON: {reason}")),
    reply=_reply,
)


def _sdk(method: str) -> str:
    return f"TransferClient.{method}"


SDK3 = "SDK 3 only"

ROUTES: list[Route] = [
    # submission
    Route(("GET",), "/submission_id", TaskOps.get_submission_id, _sdk("get_submission_id")),
    Route(
        ("POST",),
        "/transfer",
        TaskOps.submit_transfer,
        _sdk("submit_transfer"),
        options={"body": True},
    ),
    Route(
        ("POST",), "/delete", TaskOps.submit_delete, _sdk("submit_delete"), options={"body": True}
    ),
    # tasks
    Route(
        ("GET",),
        "/task_list",
        TaskQueries.task_list,
        _sdk("task_list"),
        options={"query": ("limit", "offset", "orderby", "filter")},
    ),
    Route(("GET",), "/task/<task_id>", TaskQueries.get_task, _sdk("get_task")),
    Route(
        ("PUT",),
        "/task/<task_id>",
        TaskOps.update_task,
        _sdk("update_task"),
        options={"body": True},
    ),
    Route(("POST",), "/task/<task_id>/cancel", TaskOps.cancel_task, _sdk("cancel_task")),
    Route(("POST",), "/task/<task_id>/remove", TaskOps.remove_task),
    Route(
        ("GET",),
        "/task/<task_id>/event_list",
        TaskQueries.task_event_list,
        _sdk("task_event_list"),
        options={"query": ("limit", "offset", "filter")},
    ),
    Route(
        ("GET",),
        "/task/<task_id>/successful_transfers",
        TaskQueries.task_successful_transfers,
        _sdk("task_successful_transfers"),
        options={"query": ("marker",)},
    ),
    Route(
        ("GET",),
        "/task/<task_id>/skipped_errors",
        TaskQueries.task_skipped_errors,
        _sdk("task_skipped_errors"),
        options={"query": ("marker",)},
    ),
    Route(
        ("GET",), "/task/<task_id>/pause_info", TaskQueries.task_pause_info, _sdk("task_pause_info")
    ),
    # endpoints
    Route(
        ("GET",),
        "/endpoint_search",
        EndpointSearch.endpoint_search,
        _sdk("endpoint_search"),
        options={
            "args": (
                "filter_fulltext",
                "filter_scope",
                "filter_owner_id",
                "filter_host_endpoint",
                "filter_non_functional",
                "filter_entity_type",
                "limit",
                "offset",
            )
        },
    ),
    Route(
        ("POST",),
        "/endpoint",
        EndpointOps.create_endpoint,
        _sdk("create_endpoint"),
        note=SDK3,
        options={"body": True},
    ),
    Route(("GET",), "/endpoint/<endpoint_id>", EndpointOps.get_endpoint, _sdk("get_endpoint")),
    Route(
        ("PUT",),
        "/endpoint/<endpoint_id>",
        EndpointOps.update_endpoint,
        _sdk("update_endpoint"),
        options={"body": True},
    ),
    Route(
        ("DELETE",), "/endpoint/<endpoint_id>", EndpointOps.delete_endpoint, _sdk("delete_endpoint")
    ),
    Route(
        ("PUT",),
        "/endpoint/<endpoint_id>/subscription",
        EndpointOps.set_subscription_id,
        _sdk("set_subscription_id"),
        options={"body": True},
    ),
    Route(
        ("PUT",),
        "/endpoint/<endpoint_id>/subscription_admin_verified",
        EndpointOps.set_subscription_admin_verified,
        _sdk("set_subscription_admin_verified"),
        options={"body": True},
    ),
    Route(
        ("GET",),
        "/endpoint/<endpoint_id>/my_effective_pause_rule_list",
        TaskQueries.my_effective_pause_rule_list,
        _sdk("my_effective_pause_rule_list"),
    ),
    Route(
        ("GET",),
        "/endpoint/<endpoint_id>/my_shared_endpoint_list",
        EndpointOps.my_shared_endpoint_list,
        _sdk("my_shared_endpoint_list"),
    ),
    Route(
        ("GET",),
        "/endpoint/<endpoint_id>/shared_endpoint_list",
        EndpointOps.get_shared_endpoint_list,
        _sdk("get_shared_endpoint_list"),
        options={"query": ("max_results", "next_token")},
    ),
    Route(
        ("POST",),
        "/shared_endpoint",
        EndpointOps.create_shared_endpoint,
        _sdk("create_shared_endpoint"),
        options={"body": True},
    ),
    Route(
        ("GET",),
        "/endpoint/<endpoint_id>/server_list",
        EndpointOps.endpoint_server_list,
        _sdk("endpoint_server_list"),
    ),
    Route(
        ("GET",),
        "/endpoint/<endpoint_id>/server/<server_id>",
        EndpointOps.get_endpoint_server,
        _sdk("get_endpoint_server"),
    ),
    Route(
        ("POST",),
        "/endpoint/<endpoint_id>/autoactivate",
        EndpointOps.endpoint_autoactivate,
        _sdk("endpoint_autoactivate"),
        note=SDK3,
    ),
    Route(
        ("POST",),
        "/endpoint/<endpoint_id>/activate",
        EndpointOps.endpoint_activate,
        _sdk("endpoint_activate"),
        note=SDK3,
    ),
    Route(
        ("POST",),
        "/endpoint/<endpoint_id>/deactivate",
        EndpointOps.endpoint_deactivate,
        _sdk("endpoint_deactivate"),
        note=SDK3,
    ),
    Route(
        ("GET",),
        "/endpoint/<endpoint_id>/activation_requirements",
        EndpointOps.endpoint_get_activation_requirements,
        _sdk("endpoint_get_activation_requirements"),
        note=SDK3,
    ),
    # roles and access rules
    Route(
        ("GET",),
        "/endpoint/<endpoint_id>/role_list",
        RolesAndAcls.endpoint_role_list,
        _sdk("endpoint_role_list"),
    ),
    Route(
        ("POST",),
        "/endpoint/<endpoint_id>/role",
        RolesAndAcls.add_endpoint_role,
        _sdk("add_endpoint_role"),
        options={"body": True},
    ),
    Route(
        ("GET",),
        "/endpoint/<endpoint_id>/role/<role_id>",
        RolesAndAcls.get_endpoint_role,
        _sdk("get_endpoint_role"),
    ),
    Route(
        ("DELETE",),
        "/endpoint/<endpoint_id>/role/<role_id>",
        RolesAndAcls.delete_endpoint_role,
        _sdk("delete_endpoint_role"),
    ),
    Route(
        ("GET",),
        "/endpoint/<endpoint_id>/access_list",
        RolesAndAcls.endpoint_acl_list,
        _sdk("endpoint_acl_list"),
    ),
    Route(
        ("POST",),
        "/endpoint/<endpoint_id>/access",
        RolesAndAcls.add_endpoint_acl_rule,
        _sdk("add_endpoint_acl_rule"),
        options={"body": True},
    ),
    Route(
        ("GET",),
        "/endpoint/<endpoint_id>/access/<rule_id>",
        RolesAndAcls.get_endpoint_acl_rule,
        _sdk("get_endpoint_acl_rule"),
    ),
    Route(
        ("PUT",),
        "/endpoint/<endpoint_id>/access/<rule_id>",
        RolesAndAcls.update_endpoint_acl_rule,
        _sdk("update_endpoint_acl_rule"),
        options={"body": True},
    ),
    Route(
        ("DELETE",),
        "/endpoint/<endpoint_id>/access/<rule_id>",
        RolesAndAcls.delete_endpoint_acl_rule,
        _sdk("delete_endpoint_acl_rule"),
    ),
    # bookmarks
    Route(("GET",), "/bookmark_list", Bookmarks.bookmark_list, _sdk("bookmark_list")),
    Route(
        ("POST",),
        "/bookmark",
        Bookmarks.create_bookmark,
        _sdk("create_bookmark"),
        options={"body": True},
    ),
    Route(("GET",), "/bookmark/<bookmark_id>", Bookmarks.get_bookmark, _sdk("get_bookmark")),
    Route(
        ("PUT",),
        "/bookmark/<bookmark_id>",
        Bookmarks.update_bookmark,
        _sdk("update_bookmark"),
        options={"body": True},
    ),
    Route(
        ("DELETE",), "/bookmark/<bookmark_id>", Bookmarks.delete_bookmark, _sdk("delete_bookmark")
    ),
    # file operations
    Route(
        ("GET",),
        "/operation/endpoint/<endpoint_id>/ls",
        FileOps.operation_ls,
        _sdk("operation_ls"),
        options={
            "query": ("path", "show_hidden", "orderby", "limit", "offset"),
            "repeated": {"filters": "filter"},
        },
    ),
    Route(
        ("GET",),
        "/operation/endpoint/<endpoint_id>/stat",
        FileOps.operation_stat,
        _sdk("operation_stat"),
        options={"query": ("path",)},
    ),
    Route(
        ("POST",),
        "/operation/endpoint/<endpoint_id>/mkdir",
        FileOps.operation_mkdir,
        _sdk("operation_mkdir"),
        options={"body": True},
    ),
    Route(
        ("POST",),
        "/operation/endpoint/<endpoint_id>/rename",
        FileOps.operation_rename,
        _sdk("operation_rename"),
        options={"body": True},
    ),
    # endpoint manager
    Route(
        ("GET",),
        "/endpoint_manager/monitored_endpoints",
        EndpointManager.endpoint_manager_monitored_endpoints,
        _sdk("endpoint_manager_monitored_endpoints"),
    ),
    Route(
        ("GET",),
        "/endpoint_manager/endpoint/<endpoint_id>/hosted_endpoint_list",
        EndpointManager.endpoint_manager_hosted_endpoint_list,
        _sdk("endpoint_manager_hosted_endpoint_list"),
    ),
    Route(
        ("GET",),
        "/endpoint_manager/endpoint/<endpoint_id>",
        EndpointManager.endpoint_manager_get_endpoint,
        _sdk("endpoint_manager_get_endpoint"),
    ),
    Route(
        ("GET",),
        "/endpoint_manager/endpoint/<endpoint_id>/access_list",
        EndpointManager.endpoint_manager_acl_list,
        _sdk("endpoint_manager_acl_list"),
    ),
    Route(
        ("GET",),
        "/endpoint_manager/task_list",
        EndpointManager.endpoint_manager_task_list,
        _sdk("endpoint_manager_task_list"),
        options={
            "args": (
                "filter_status",
                "filter_task_id",
                "filter_owner_id",
                "filter_endpoint",
                "filter_endpoint_use",
                "filter_is_paused",
                "filter_completion_time",
                "filter_min_faults",
                "filter_local_user",
                "last_key",
                "limit",
            )
        },
    ),
    Route(
        ("GET",),
        "/endpoint_manager/task/<task_id>",
        EndpointManager.endpoint_manager_get_task,
        _sdk("endpoint_manager_get_task"),
    ),
    Route(
        ("GET",),
        "/endpoint_manager/task/<task_id>/event_list",
        EndpointManager.endpoint_manager_task_event_list,
        _sdk("endpoint_manager_task_event_list"),
        options={"query": ("limit", "offset", "filter_is_error")},
    ),
    Route(
        ("GET",),
        "/endpoint_manager/task/<task_id>/pause_info",
        EndpointManager.endpoint_manager_task_pause_info,
        _sdk("endpoint_manager_task_pause_info"),
    ),
    Route(
        ("GET",),
        "/endpoint_manager/task/<task_id>/successful_transfers",
        EndpointManager.endpoint_manager_task_successful_transfers,
        _sdk("endpoint_manager_task_successful_transfers"),
        options={"query": ("marker",)},
    ),
    Route(
        ("GET",),
        "/endpoint_manager/task/<task_id>/skipped_errors",
        EndpointManager.endpoint_manager_task_skipped_errors,
        _sdk("endpoint_manager_task_skipped_errors"),
        options={"query": ("marker",)},
    ),
    Route(
        ("POST",),
        "/endpoint_manager/admin_cancel",
        AdminActions.endpoint_manager_cancel_tasks,
        _sdk("endpoint_manager_cancel_tasks"),
        options={"body": True},
    ),
    Route(
        ("GET",),
        "/endpoint_manager/admin_cancel/<action_id>",
        AdminActions.endpoint_manager_cancel_status,
        _sdk("endpoint_manager_cancel_status"),
    ),
    Route(
        ("POST",),
        "/endpoint_manager/admin_pause",
        AdminActions.endpoint_manager_pause_tasks,
        _sdk("endpoint_manager_pause_tasks"),
        options={"body": True},
    ),
    Route(
        ("POST",),
        "/endpoint_manager/admin_resume",
        AdminActions.endpoint_manager_resume_tasks,
        _sdk("endpoint_manager_resume_tasks"),
        options={"body": True},
    ),
    Route(
        ("GET",),
        "/endpoint_manager/pause_rule_list",
        PauseRules.endpoint_manager_pause_rule_list,
        _sdk("endpoint_manager_pause_rule_list"),
        options={"query": ("filter_endpoint", "filter_host_endpoint")},
    ),
    Route(
        ("POST",),
        "/endpoint_manager/pause_rule",
        PauseRules.endpoint_manager_create_pause_rule,
        _sdk("endpoint_manager_create_pause_rule"),
        options={"body": True},
    ),
    Route(
        ("GET",),
        "/endpoint_manager/pause_rule/<rule_id>",
        PauseRules.endpoint_manager_get_pause_rule,
        _sdk("endpoint_manager_get_pause_rule"),
    ),
    Route(
        ("PUT",),
        "/endpoint_manager/pause_rule/<rule_id>",
        PauseRules.endpoint_manager_update_pause_rule,
        _sdk("endpoint_manager_update_pause_rule"),
        options={"body": True},
    ),
    Route(
        ("DELETE",),
        "/endpoint_manager/pause_rule/<rule_id>",
        PauseRules.endpoint_manager_delete_pause_rule,
        _sdk("endpoint_manager_delete_pause_rule"),
    ),
]


core_routes.mount(blueprint, ROUTES, BINDING.view)

#: Every route of the blueprint as (methods, path, upstream) rows.
ROUTE_TABLE: list[tuple[str, str, str]] = [
    (", ".join(r.methods), "/v0.10" + r.rule, r.upstream) for r in ROUTES
]


def coverage_markdown() -> str:
    """The route coverage table for the docs, generated from :data:`ROUTES`."""
    return (
        core_routes.coverage_markdown(ROUTES, upstream_heading="globus_sdk method", prefix="/v0.10")
        + "\n"
    )


__all__ = ["ROUTES", "ROUTE_TABLE", "blueprint", "coverage_markdown", "render_error"]
