"""The Transfer API v0.10 as a thin Flask blueprint over :class:`TransferModel`.

Each handler reads parameters, calls the model with the :class:`Caller` the bearer
token names, and renders. Errors are rendered here, once: every
:class:`~mockglobus.transfer.errors.TransferError` (and Auth's token rejections)
becomes ``{"code", "message", "request_id", "resource", ...}`` with its HTTP status.
Result documents get ``request_id`` and ``resource`` the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import flask

from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller
from mockglobus.transfer.model import RESOURCE_SERVER, TRANSFER_SCOPE, TransferModel

blueprint = flask.Blueprint("transfer", __name__, url_prefix="/v0.10")

#: Every route of the blueprint as (methods, rule, SDK method) rows, for the docs'
#: coverage table (generated, not written by hand).
ROUTE_TABLE: list[tuple[str, str, str]] = []


def _state() -> Any:
    app = flask.current_app
    return app.extensions.get("mockglobus") or app.config["MOCKGLOBUS_STATE"]


def _model() -> TransferModel:
    model = _state().transfer
    if model is None:  # pragma: no cover - only with a state built without Transfer
        raise E.ServiceUnavailable("Transfer is not part of this double")
    return model


def _request_id() -> str:
    return _state().ids.token(7)[:9]


def _render_error(exc: E.TransferError) -> flask.Response:
    response = flask.jsonify(exc.body(_request_id(), flask.request.path))
    response.status_code = exc.status
    return response


@blueprint.errorhandler(E.TransferError)
def _transfer_error(exc: E.TransferError) -> flask.Response:
    return _render_error(exc)


def _token() -> str | None:
    header = flask.request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _caller() -> Caller:
    """Who the bearer token says is calling; Auth's refusals as Transfer errors."""
    state = _state()
    token = _token()
    from mockglobus.auth import errors as auth_errors

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
    return Caller(info.identity_id, info.username, frozenset(info.scopes), groups,
                  info.client_id, token)


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
    response = flask.jsonify(_project(doc))
    response.status_code = status
    return response


def route(rule: str, methods: list[str], sdk: str = "") -> Callable:
    def register(func: Callable) -> Callable:
        ROUTE_TABLE.append((",".join(methods), "/v0.10" + rule, sdk))
        return blueprint.route(rule, methods=methods, endpoint=func.__name__)(func)

    return register


# ==================================================================== submission ======
@route("/submission_id", ["GET"], "get_submission_id")
def submission_id():
    return _reply(_model().get_submission_id(_caller()))


@route("/transfer", ["POST"], "submit_transfer")
def transfer():
    caller = _caller()
    return _reply(_model().submit_transfer(caller, _body()))


@route("/delete", ["POST"], "submit_delete")
def delete():
    caller = _caller()
    return _reply(_model().submit_delete(caller, _body()))


# ==================================================================== tasks ===========
@route("/task_list", ["GET"], "task_list")
def task_list():
    caller = _caller()
    a = flask.request.args
    return _reply(_model().task_list(caller, limit=a.get("limit"), offset=a.get("offset"),
                                     orderby=a.get("orderby"), filter=a.get("filter")))


@route("/task/<task_id>", ["GET"], "get_task")
def get_task(task_id: str):
    return _reply(_model().get_task(_caller(), task_id))


@route("/task/<task_id>", ["PUT"], "update_task")
def update_task(task_id: str):
    caller = _caller()
    return _reply(_model().update_task(caller, task_id, _body()))


@route("/task/<task_id>/cancel", ["POST"], "cancel_task")
def cancel_task(task_id: str):
    return _reply(_model().cancel_task(_caller(), task_id))


@route("/task/<task_id>/remove", ["POST"])
def remove_task(task_id: str):
    return _reply(_model().remove_task(_caller(), task_id))


@route("/task/<task_id>/event_list", ["GET"], "task_event_list")
def task_event_list(task_id: str):
    caller = _caller()
    a = flask.request.args
    return _reply(_model().task_event_list(caller, task_id, limit=a.get("limit"),
                                           offset=a.get("offset"), filter=a.get("filter")))


@route("/task/<task_id>/successful_transfers", ["GET"], "task_successful_transfers")
def task_successful_transfers(task_id: str):
    caller = _caller()
    return _reply(_model().task_successful_transfers(caller, task_id,
                                                     flask.request.args.get("marker")))


@route("/task/<task_id>/skipped_errors", ["GET"], "task_skipped_errors")
def task_skipped_errors(task_id: str):
    caller = _caller()
    return _reply(_model().task_skipped_errors(caller, task_id,
                                               flask.request.args.get("marker")))


@route("/task/<task_id>/pause_info", ["GET"], "task_pause_info")
def task_pause_info(task_id: str):
    return _reply(_model().task_pause_info(_caller(), task_id))


# ==================================================================== endpoints =======
@route("/endpoint_search", ["GET"], "endpoint_search")
def endpoint_search():
    caller = _caller()
    return _reply(_model().endpoint_search(caller, _args(
        "filter_fulltext", "filter_scope", "filter_owner_id", "filter_host_endpoint",
        "filter_non_functional", "filter_entity_type", "limit", "offset")))


@route("/endpoint", ["POST"], "create_endpoint (SDK 3)")
def create_endpoint():
    caller = _caller()
    return _reply(_model().create_endpoint(caller, _body()))


@route("/endpoint/<endpoint_id>", ["GET"], "get_endpoint")
def get_endpoint(endpoint_id: str):
    return _reply(_model().get_endpoint(_caller(), endpoint_id))


@route("/endpoint/<endpoint_id>", ["PUT"], "update_endpoint")
def update_endpoint(endpoint_id: str):
    caller = _caller()
    return _reply(_model().update_endpoint(caller, endpoint_id, _body()))


@route("/endpoint/<endpoint_id>", ["DELETE"], "delete_endpoint")
def delete_endpoint(endpoint_id: str):
    return _reply(_model().delete_endpoint(_caller(), endpoint_id))


@route("/endpoint/<endpoint_id>/subscription", ["PUT"], "set_subscription_id")
def set_subscription_id(endpoint_id: str):
    caller = _caller()
    return _reply(_model().set_subscription_id(caller, endpoint_id, _body()))


@route("/endpoint/<endpoint_id>/subscription_admin_verified", ["PUT"],
       "set_subscription_admin_verified")
def set_subscription_admin_verified(endpoint_id: str):
    caller = _caller()
    return _reply(_model().set_subscription_admin_verified(caller, endpoint_id, _body()))


@route("/endpoint/<endpoint_id>/my_effective_pause_rule_list", ["GET"],
       "my_effective_pause_rule_list")
def my_effective_pause_rule_list(endpoint_id: str):
    return _reply(_model().my_effective_pause_rule_list(_caller(), endpoint_id))


@route("/endpoint/<endpoint_id>/my_shared_endpoint_list", ["GET"], "my_shared_endpoint_list")
def my_shared_endpoint_list(endpoint_id: str):
    return _reply(_model().my_shared_endpoint_list(_caller(), endpoint_id))


@route("/endpoint/<endpoint_id>/shared_endpoint_list", ["GET"], "get_shared_endpoint_list")
def shared_endpoint_list(endpoint_id: str):
    caller = _caller()
    a = flask.request.args
    return _reply(_model().shared_endpoint_list(caller, endpoint_id,
                                                max_results=a.get("max_results"),
                                                next_token=a.get("next_token")))


@route("/shared_endpoint", ["POST"], "create_shared_endpoint")
def create_shared_endpoint():
    caller = _caller()
    return _reply(_model().create_shared_endpoint(caller, _body()))


@route("/endpoint/<endpoint_id>/server_list", ["GET"], "endpoint_server_list")
def server_list(endpoint_id: str):
    return _reply(_model().server_list(_caller(), endpoint_id))


@route("/endpoint/<endpoint_id>/server/<server_id>", ["GET"], "get_endpoint_server")
def get_server(endpoint_id: str, server_id: str):
    return _reply(_model().get_server(_caller(), endpoint_id, server_id))


@route("/endpoint/<endpoint_id>/autoactivate", ["POST"], "endpoint_autoactivate (SDK 3)")
def autoactivate(endpoint_id: str):
    return _reply(_model().autoactivate(_caller(), endpoint_id))


@route("/endpoint/<endpoint_id>/activate", ["POST"], "endpoint_activate (SDK 3)")
def activate(endpoint_id: str):
    return _reply(_model().activate(_caller(), endpoint_id))


@route("/endpoint/<endpoint_id>/deactivate", ["POST"], "endpoint_deactivate (SDK 3)")
def deactivate(endpoint_id: str):
    return _reply(_model().deactivate(_caller(), endpoint_id))


@route("/endpoint/<endpoint_id>/activation_requirements", ["GET"],
       "endpoint_get_activation_requirements (SDK 3)")
def activation_requirements(endpoint_id: str):
    return _reply(_model().activation_requirements(_caller(), endpoint_id))


# ==================================================================== roles / ACLs ====
@route("/endpoint/<endpoint_id>/role_list", ["GET"], "endpoint_role_list")
def role_list(endpoint_id: str):
    return _reply(_model().role_list(_caller(), endpoint_id))


@route("/endpoint/<endpoint_id>/role", ["POST"], "add_endpoint_role")
def add_role(endpoint_id: str):
    caller = _caller()
    return _reply(_model().add_role(caller, endpoint_id, _body()))


@route("/endpoint/<endpoint_id>/role/<role_id>", ["GET"], "get_endpoint_role")
def get_role(endpoint_id: str, role_id: str):
    return _reply(_model().get_role(_caller(), endpoint_id, role_id))


@route("/endpoint/<endpoint_id>/role/<role_id>", ["DELETE"], "delete_endpoint_role")
def delete_role(endpoint_id: str, role_id: str):
    return _reply(_model().delete_role(_caller(), endpoint_id, role_id))


@route("/endpoint/<endpoint_id>/access_list", ["GET"], "endpoint_acl_list")
def acl_list(endpoint_id: str):
    return _reply(_model().acl_list(_caller(), endpoint_id))


@route("/endpoint/<endpoint_id>/access", ["POST"], "add_endpoint_acl_rule")
def add_acl_rule(endpoint_id: str):
    caller = _caller()
    return _reply(_model().add_acl_rule(caller, endpoint_id, _body()))


@route("/endpoint/<endpoint_id>/access/<rule_id>", ["GET"], "get_endpoint_acl_rule")
def get_acl_rule(endpoint_id: str, rule_id: str):
    return _reply(_model().get_acl_rule(_caller(), endpoint_id, rule_id))


@route("/endpoint/<endpoint_id>/access/<rule_id>", ["PUT"], "update_endpoint_acl_rule")
def update_acl_rule(endpoint_id: str, rule_id: str):
    caller = _caller()
    return _reply(_model().update_acl_rule(caller, endpoint_id, rule_id, _body()))


@route("/endpoint/<endpoint_id>/access/<rule_id>", ["DELETE"], "delete_endpoint_acl_rule")
def delete_acl_rule(endpoint_id: str, rule_id: str):
    return _reply(_model().delete_acl_rule(_caller(), endpoint_id, rule_id))


# ==================================================================== bookmarks =======
@route("/bookmark_list", ["GET"], "bookmark_list")
def bookmark_list():
    return _reply(_model().bookmark_list(_caller()))


@route("/bookmark", ["POST"], "create_bookmark")
def create_bookmark():
    caller = _caller()
    return _reply(_model().create_bookmark(caller, _body()))


@route("/bookmark/<bookmark_id>", ["GET"], "get_bookmark")
def get_bookmark(bookmark_id: str):
    return _reply(_model().get_bookmark(_caller(), bookmark_id))


@route("/bookmark/<bookmark_id>", ["PUT"], "update_bookmark")
def update_bookmark(bookmark_id: str):
    caller = _caller()
    return _reply(_model().update_bookmark(caller, bookmark_id, _body()))


@route("/bookmark/<bookmark_id>", ["DELETE"], "delete_bookmark")
def delete_bookmark(bookmark_id: str):
    return _reply(_model().delete_bookmark(_caller(), bookmark_id))


# ==================================================================== file operations =
@route("/operation/endpoint/<endpoint_id>/ls", ["GET"], "operation_ls")
def operation_ls(endpoint_id: str):
    caller = _caller()
    a = flask.request.args
    return _reply(_model().operation_ls(
        caller, endpoint_id, path=a.get("path"), show_hidden=a.get("show_hidden"),
        orderby=a.get("orderby"), limit=a.get("limit"), offset=a.get("offset"),
        filters=a.getlist("filter")))


@route("/operation/endpoint/<endpoint_id>/stat", ["GET"], "operation_stat")
def operation_stat(endpoint_id: str):
    caller = _caller()
    return _reply(_model().operation_stat(caller, endpoint_id, flask.request.args.get("path")))


@route("/operation/endpoint/<endpoint_id>/mkdir", ["POST"], "operation_mkdir")
def operation_mkdir(endpoint_id: str):
    caller = _caller()
    return _reply(_model().operation_mkdir(caller, endpoint_id, _body()))


@route("/operation/endpoint/<endpoint_id>/rename", ["POST"], "operation_rename")
def operation_rename(endpoint_id: str):
    caller = _caller()
    return _reply(_model().operation_rename(caller, endpoint_id, _body()))


# ==================================================================== endpoint manager =
@route("/endpoint_manager/monitored_endpoints", ["GET"],
       "endpoint_manager_monitored_endpoints")
def em_monitored_endpoints():
    return _reply(_model().monitored_endpoints(_caller()))


@route("/endpoint_manager/endpoint/<endpoint_id>/hosted_endpoint_list", ["GET"],
       "endpoint_manager_hosted_endpoint_list")
def em_hosted_endpoint_list(endpoint_id: str):
    return _reply(_model().hosted_endpoint_list(_caller(), endpoint_id))


@route("/endpoint_manager/endpoint/<endpoint_id>", ["GET"], "endpoint_manager_get_endpoint")
def em_get_endpoint(endpoint_id: str):
    return _reply(_model().em_get_endpoint(_caller(), endpoint_id))


@route("/endpoint_manager/endpoint/<endpoint_id>/access_list", ["GET"],
       "endpoint_manager_acl_list")
def em_acl_list(endpoint_id: str):
    return _reply(_model().em_acl_list(_caller(), endpoint_id))


@route("/endpoint_manager/task_list", ["GET"], "endpoint_manager_task_list")
def em_task_list():
    caller = _caller()
    return _reply(_model().em_task_list(caller, _args(
        "filter_status", "filter_task_id", "filter_owner_id", "filter_endpoint",
        "filter_endpoint_use", "filter_is_paused", "filter_completion_time",
        "filter_min_faults", "filter_local_user", "last_key", "limit")))


@route("/endpoint_manager/task/<task_id>", ["GET"], "endpoint_manager_get_task")
def em_get_task(task_id: str):
    return _reply(_model().em_get_task(_caller(), task_id))


@route("/endpoint_manager/task/<task_id>/event_list", ["GET"],
       "endpoint_manager_task_event_list")
def em_task_event_list(task_id: str):
    caller = _caller()
    a = flask.request.args
    return _reply(_model().em_task_event_list(caller, task_id, limit=a.get("limit"),
                                              offset=a.get("offset"),
                                              filter_is_error=a.get("filter_is_error")))


@route("/endpoint_manager/task/<task_id>/pause_info", ["GET"],
       "endpoint_manager_task_pause_info")
def em_task_pause_info(task_id: str):
    return _reply(_model().em_task_pause_info(_caller(), task_id))


@route("/endpoint_manager/task/<task_id>/successful_transfers", ["GET"],
       "endpoint_manager_task_successful_transfers")
def em_successful_transfers(task_id: str):
    caller = _caller()
    return _reply(_model().em_successful_transfers(caller, task_id,
                                                   flask.request.args.get("marker")))


@route("/endpoint_manager/task/<task_id>/skipped_errors", ["GET"],
       "endpoint_manager_task_skipped_errors")
def em_skipped_errors(task_id: str):
    caller = _caller()
    return _reply(_model().em_skipped_errors(caller, task_id,
                                             flask.request.args.get("marker")))


@route("/endpoint_manager/admin_cancel", ["POST"], "endpoint_manager_cancel_tasks")
def em_admin_cancel():
    caller = _caller()
    return _reply(_model().admin_cancel(caller, _body()))


@route("/endpoint_manager/admin_cancel/<action_id>", ["GET"], "endpoint_manager_cancel_status")
def em_admin_cancel_status(action_id: str):
    return _reply(_model().admin_cancel_status(_caller(), action_id))


@route("/endpoint_manager/admin_pause", ["POST"], "endpoint_manager_pause_tasks")
def em_admin_pause():
    caller = _caller()
    return _reply(_model().admin_pause(caller, _body()))


@route("/endpoint_manager/admin_resume", ["POST"], "endpoint_manager_resume_tasks")
def em_admin_resume():
    caller = _caller()
    return _reply(_model().admin_resume(caller, _body()))


@route("/endpoint_manager/pause_rule_list", ["GET"], "endpoint_manager_pause_rule_list")
def em_pause_rule_list():
    caller = _caller()
    a = flask.request.args
    return _reply(_model().pause_rule_list(caller, a.get("filter_endpoint"),
                                           a.get("filter_host_endpoint")))


@route("/endpoint_manager/pause_rule", ["POST"], "endpoint_manager_create_pause_rule")
def em_create_pause_rule():
    caller = _caller()
    return _reply(_model().create_pause_rule(caller, _body()))


@route("/endpoint_manager/pause_rule/<rule_id>", ["GET"], "endpoint_manager_get_pause_rule")
def em_get_pause_rule(rule_id: str):
    return _reply(_model().get_pause_rule(_caller(), rule_id))


@route("/endpoint_manager/pause_rule/<rule_id>", ["PUT"], "endpoint_manager_update_pause_rule")
def em_update_pause_rule(rule_id: str):
    caller = _caller()
    return _reply(_model().update_pause_rule(caller, rule_id, _body()))


@route("/endpoint_manager/pause_rule/<rule_id>", ["DELETE"],
       "endpoint_manager_delete_pause_rule")
def em_delete_pause_rule(rule_id: str):
    return _reply(_model().delete_pause_rule(_caller(), rule_id))


def coverage_markdown() -> str:
    """The route coverage table for the docs, generated from :data:`ROUTE_TABLE`."""
    rows = ["| Method | Path | globus_sdk TransferClient method |", "|---|---|---|"]
    rows += [f"| {m} | `{rule}` | {sdk or '-'} |" for m, rule, sdk in ROUTE_TABLE]
    return "\n".join(rows) + "\n"


__all__ = ["ROUTE_TABLE", "blueprint", "coverage_markdown"]
