"""The Transfer API v0.10 as a thin Flask blueprint over :class:`TransferModel`.

The routes are data (:data:`ROUTES`): each names the model method that serves it and
the parameters it reads; one handler, :meth:`Route.serve`, calls the model with the
:class:`Caller` the bearer token names, and renders. Errors are rendered here, once: every
:class:`~mockglobus.transfer.errors.TransferError` (and Auth's token rejections)
becomes ``{"code", "message", "request_id", "resource", ...}`` with its HTTP status.
Result documents get ``request_id`` and ``resource`` the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import flask

from mockglobus.auth import errors as auth_errors
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller
from mockglobus.transfer.model import RESOURCE_SERVER, TRANSFER_SCOPE, TransferModel

blueprint = flask.Blueprint("transfer", __name__, url_prefix="/v0.10")

def _state() -> Any:
    return flask.current_app.extensions["mockglobus"]


def _model() -> TransferModel:
    model = _state().transfer
    if model is None:  # pragma: no cover - only with a state built without Transfer
        raise E.ServiceUnavailable("Transfer is not part of this double")
    return model


def _request_id() -> str:
    return _state().ids.token(7)[:9]


def render_error(exc: E.TransferError) -> flask.Response:
    """The one place a Transfer error becomes the real envelope (also used by the app's
    fallbacks: unknown routes, wrong methods, token refusals, crashes)."""
    response = flask.jsonify(exc.body(_request_id(), flask.request.path))
    response.status_code = exc.status
    return response


@blueprint.errorhandler(E.TransferError)
def _transfer_error(exc: E.TransferError) -> flask.Response:
    return render_error(exc)


def _token() -> str | None:
    header = flask.request.environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _caller() -> Caller:
    """Who the bearer token says is calling; Auth's refusals as Transfer errors."""
    state = _state()
    token = _token()
    try:
        info = state.auth.check_access_token(token, RESOURCE_SERVER)
    except auth_errors.ConsentRequired as exc:
        raise E.ConsentRequired(exc.required_scopes, exc.message) from None
    except auth_errors.TokenRejected as exc:
        raise E.AuthenticationFailed(exc.message) from None
    if TRANSFER_SCOPE not in info.scopes:
        raise E.AuthenticationFailed(
            f"Token is not valid for Transfer: it lacks the scope {TRANSFER_SCOPE}")
    groups = frozenset()
    lookup = getattr(state.auth, "group_ids_of", None)
    if callable(lookup):
        groups = frozenset(lookup(info.identity_id))
    authentications = (info.session_info or {}).get("authentications") or {}
    mfa = any("mfa" in (a.get("amr") or []) for a in authentications.values())
    return Caller(info.identity_id, info.username, frozenset(info.scopes), groups,
                  info.client_id, token, session_ids=frozenset(info.identity_set), mfa=mfa)


def _body() -> Any:
    raw = flask.request.get_data(cache=True)
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise E.BadRequest(f"Could not parse JSON: {exc}") from None


def _args(*names: str) -> dict[str, str | None]:
    return {n: flask.request.args.get(n) for n in names}


def _project(doc: dict[str, Any]) -> dict[str, Any]:
    """Honour ``fields=a,b`` (the CLI asks task_list for ``fields=task_id``)."""
    if "fields=" not in flask.request.environ.get("QUERY_STRING", ""):
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


def _reply(doc: dict[str, Any], status: int = 200) -> flask.Response:
    if "code" in doc and "message" in doc:  # result documents
        doc = {**doc, "request_id": _request_id(), "resource": flask.request.path}
    # json.dumps rather than flask.jsonify: the same document for a fraction of the cost
    return flask.Response(json.dumps(_project(doc)), status=status, mimetype="application/json")


@dataclass(frozen=True)
class Route:
    """One route of the API as data: which model method serves it and what it reads.

    The model method gets the caller, the path variables and, as keywords, ``body`` (the
    parsed JSON body), each ``query`` parameter, each ``repeated`` one as a list
    (``{keyword: parameter}``), or all ``args`` parameters as one dict.
    """

    method: str
    rule: str
    call: str
    sdk: str  # the globus_sdk TransferClient method, for the coverage table
    body: bool = False
    query: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    repeated: dict[str, str] = field(default_factory=dict)

    def serve(self, **path: str) -> flask.Response:
        caller = _caller()
        inputs: dict[str, Any] = path
        if self.query or self.repeated:
            args = flask.request.args
            inputs.update((name, args.get(name)) for name in self.query)
            inputs.update((kw, args.getlist(p)) for kw, p in self.repeated.items())
        if self.body:
            inputs["body"] = _body()
        extra = (_args(*self.args),) if self.args else ()
        return _reply(getattr(_model(), self.call)(caller, *extra, **inputs))


ROUTES: list[Route] = [
    # submission
    Route("GET", "/submission_id", "get_submission_id", "get_submission_id"),
    Route("POST", "/transfer", "submit_transfer", "submit_transfer", body=True),
    Route("POST", "/delete", "submit_delete", "submit_delete", body=True),
    # tasks
    Route("GET", "/task_list", "task_list", "task_list",
          query=("limit", "offset", "orderby", "filter")),
    Route("GET", "/task/<task_id>", "get_task", "get_task"),
    Route("PUT", "/task/<task_id>", "update_task", "update_task", body=True),
    Route("POST", "/task/<task_id>/cancel", "cancel_task", "cancel_task"),
    Route("POST", "/task/<task_id>/remove", "remove_task", ""),
    Route("GET", "/task/<task_id>/event_list", "task_event_list", "task_event_list",
          query=("limit", "offset", "filter")),
    Route("GET", "/task/<task_id>/successful_transfers", "task_successful_transfers",
          "task_successful_transfers", query=("marker",)),
    Route("GET", "/task/<task_id>/skipped_errors", "task_skipped_errors", "task_skipped_errors",
          query=("marker",)),
    Route("GET", "/task/<task_id>/pause_info", "task_pause_info", "task_pause_info"),
    # endpoints
    Route("GET", "/endpoint_search", "endpoint_search", "endpoint_search",
          args=("filter_fulltext", "filter_scope", "filter_owner_id", "filter_host_endpoint",
                "filter_non_functional", "filter_entity_type", "limit", "offset")),
    Route("POST", "/endpoint", "create_endpoint", "create_endpoint (SDK 3)", body=True),
    Route("GET", "/endpoint/<endpoint_id>", "get_endpoint", "get_endpoint"),
    Route("PUT", "/endpoint/<endpoint_id>", "update_endpoint", "update_endpoint", body=True),
    Route("DELETE", "/endpoint/<endpoint_id>", "delete_endpoint", "delete_endpoint"),
    Route("PUT", "/endpoint/<endpoint_id>/subscription", "set_subscription_id",
          "set_subscription_id", body=True),
    Route("PUT", "/endpoint/<endpoint_id>/subscription_admin_verified",
          "set_subscription_admin_verified", "set_subscription_admin_verified", body=True),
    Route("GET", "/endpoint/<endpoint_id>/my_effective_pause_rule_list",
          "my_effective_pause_rule_list", "my_effective_pause_rule_list"),
    Route("GET", "/endpoint/<endpoint_id>/my_shared_endpoint_list", "my_shared_endpoint_list",
          "my_shared_endpoint_list"),
    Route("GET", "/endpoint/<endpoint_id>/shared_endpoint_list", "shared_endpoint_list",
          "get_shared_endpoint_list", query=("max_results", "next_token")),
    Route("POST", "/shared_endpoint", "create_shared_endpoint", "create_shared_endpoint",
          body=True),
    Route("GET", "/endpoint/<endpoint_id>/server_list", "server_list", "endpoint_server_list"),
    Route("GET", "/endpoint/<endpoint_id>/server/<server_id>", "get_server", "get_endpoint_server"),
    Route("POST", "/endpoint/<endpoint_id>/autoactivate", "autoactivate",
          "endpoint_autoactivate (SDK 3)"),
    Route("POST", "/endpoint/<endpoint_id>/activate", "activate", "endpoint_activate (SDK 3)"),
    Route("POST", "/endpoint/<endpoint_id>/deactivate", "deactivate",
          "endpoint_deactivate (SDK 3)"),
    Route("GET", "/endpoint/<endpoint_id>/activation_requirements", "activation_requirements",
          "endpoint_get_activation_requirements (SDK 3)"),
    # roles and access rules
    Route("GET", "/endpoint/<endpoint_id>/role_list", "role_list", "endpoint_role_list"),
    Route("POST", "/endpoint/<endpoint_id>/role", "add_role", "add_endpoint_role", body=True),
    Route("GET", "/endpoint/<endpoint_id>/role/<role_id>", "get_role", "get_endpoint_role"),
    Route("DELETE", "/endpoint/<endpoint_id>/role/<role_id>", "delete_role",
          "delete_endpoint_role"),
    Route("GET", "/endpoint/<endpoint_id>/access_list", "acl_list", "endpoint_acl_list"),
    Route("POST", "/endpoint/<endpoint_id>/access", "add_acl_rule", "add_endpoint_acl_rule",
          body=True),
    Route("GET", "/endpoint/<endpoint_id>/access/<rule_id>", "get_acl_rule",
          "get_endpoint_acl_rule"),
    Route("PUT", "/endpoint/<endpoint_id>/access/<rule_id>", "update_acl_rule",
          "update_endpoint_acl_rule", body=True),
    Route("DELETE", "/endpoint/<endpoint_id>/access/<rule_id>", "delete_acl_rule",
          "delete_endpoint_acl_rule"),
    # bookmarks
    Route("GET", "/bookmark_list", "bookmark_list", "bookmark_list"),
    Route("POST", "/bookmark", "create_bookmark", "create_bookmark", body=True),
    Route("GET", "/bookmark/<bookmark_id>", "get_bookmark", "get_bookmark"),
    Route("PUT", "/bookmark/<bookmark_id>", "update_bookmark", "update_bookmark", body=True),
    Route("DELETE", "/bookmark/<bookmark_id>", "delete_bookmark", "delete_bookmark"),
    # file operations
    Route("GET", "/operation/endpoint/<endpoint_id>/ls", "operation_ls", "operation_ls",
          query=("path", "show_hidden", "orderby", "limit", "offset"),
          repeated={"filters": "filter"}),
    Route("GET", "/operation/endpoint/<endpoint_id>/stat", "operation_stat", "operation_stat",
          query=("path",)),
    Route("POST", "/operation/endpoint/<endpoint_id>/mkdir", "operation_mkdir", "operation_mkdir",
          body=True),
    Route("POST", "/operation/endpoint/<endpoint_id>/rename", "operation_rename",
          "operation_rename", body=True),
    # endpoint manager
    Route("GET", "/endpoint_manager/monitored_endpoints", "monitored_endpoints",
          "endpoint_manager_monitored_endpoints"),
    Route("GET", "/endpoint_manager/endpoint/<endpoint_id>/hosted_endpoint_list",
          "hosted_endpoint_list", "endpoint_manager_hosted_endpoint_list"),
    Route("GET", "/endpoint_manager/endpoint/<endpoint_id>", "em_get_endpoint",
          "endpoint_manager_get_endpoint"),
    Route("GET", "/endpoint_manager/endpoint/<endpoint_id>/access_list", "em_acl_list",
          "endpoint_manager_acl_list"),
    Route("GET", "/endpoint_manager/task_list", "em_task_list", "endpoint_manager_task_list",
          args=("filter_status", "filter_task_id", "filter_owner_id", "filter_endpoint",
                "filter_endpoint_use", "filter_is_paused", "filter_completion_time",
                "filter_min_faults", "filter_local_user", "last_key", "limit")),
    Route("GET", "/endpoint_manager/task/<task_id>", "em_get_task", "endpoint_manager_get_task"),
    Route("GET", "/endpoint_manager/task/<task_id>/event_list", "em_task_event_list",
          "endpoint_manager_task_event_list", query=("limit", "offset", "filter_is_error")),
    Route("GET", "/endpoint_manager/task/<task_id>/pause_info", "em_task_pause_info",
          "endpoint_manager_task_pause_info"),
    Route("GET", "/endpoint_manager/task/<task_id>/successful_transfers", "em_successful_transfers",
          "endpoint_manager_task_successful_transfers", query=("marker",)),
    Route("GET", "/endpoint_manager/task/<task_id>/skipped_errors", "em_skipped_errors",
          "endpoint_manager_task_skipped_errors", query=("marker",)),
    Route("POST", "/endpoint_manager/admin_cancel", "admin_cancel", "endpoint_manager_cancel_tasks",
          body=True),
    Route("GET", "/endpoint_manager/admin_cancel/<action_id>", "admin_cancel_status",
          "endpoint_manager_cancel_status"),
    Route("POST", "/endpoint_manager/admin_pause", "admin_pause", "endpoint_manager_pause_tasks",
          body=True),
    Route("POST", "/endpoint_manager/admin_resume", "admin_resume", "endpoint_manager_resume_tasks",
          body=True),
    Route("GET", "/endpoint_manager/pause_rule_list", "pause_rule_list",
          "endpoint_manager_pause_rule_list", query=("filter_endpoint", "filter_host_endpoint")),
    Route("POST", "/endpoint_manager/pause_rule", "create_pause_rule",
          "endpoint_manager_create_pause_rule", body=True),
    Route("GET", "/endpoint_manager/pause_rule/<rule_id>", "get_pause_rule",
          "endpoint_manager_get_pause_rule"),
    Route("PUT", "/endpoint_manager/pause_rule/<rule_id>", "update_pause_rule",
          "endpoint_manager_update_pause_rule", body=True),
    Route("DELETE", "/endpoint_manager/pause_rule/<rule_id>", "delete_pause_rule",
          "endpoint_manager_delete_pause_rule"),
]

for _route in ROUTES:
    blueprint.add_url_rule(_route.rule, endpoint=_route.call, view_func=_route.serve,
                           methods=[_route.method])

#: Every route of the blueprint as (methods, rule, SDK method) rows, for the docs'
#: coverage table (generated, not written by hand).
ROUTE_TABLE: list[tuple[str, str, str]] = [
    (r.method, "/v0.10" + r.rule, r.sdk) for r in ROUTES
]


def coverage_markdown() -> str:
    """The route coverage table for the docs, generated from :data:`ROUTE_TABLE`."""
    rows = ["| Method | Path | globus_sdk TransferClient method |", "|---|---|---|"]
    rows += [f"| {m} | `{rule}` | {sdk or '-'} |" for m, rule, sdk in ROUTE_TABLE]
    return "\n".join(rows) + "\n"


__all__ = ["ROUTES", "ROUTE_TABLE", "Route", "blueprint", "coverage_markdown"]
