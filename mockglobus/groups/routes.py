"""The Groups API v2 as a thin Flask blueprint over :class:`~.model.GroupsModel`.

The routes are data (:data:`ROUTES`): each names the model method serving it, the
``globus_sdk.GroupsClient`` method it answers, and in ``options`` what it reads
(``body``; ``query`` parameters as keywords; ``status`` of a success). One binder
(:func:`_bind`) asks Auth who the bearer token names (through the model's
:class:`~.identity.GroupsAuth`), calls the view and renders its document. Errors are
rendered once, by :func:`render_error`: ``{"code", "detail", ...}`` with their status.
"""

from __future__ import annotations

import flask

from mockcore import routes as core_routes
from mockcore.routes import Route
from mockglobus.binding import Binding, json_body
from mockglobus.groups import errors as E
from mockglobus.groups.memberships import Memberships
from mockglobus.groups.model import GroupsModel

PREFIX = "/v2"
#: paths (after ``PREFIX``) that are Groups', for the app's fallbacks
PATHS = ("/v2/groups", "/v2/preferences", "/v2/subscription_info")

blueprint = flask.Blueprint("groups", __name__, url_prefix=PREFIX)


def is_groups(path: str, host: str = "") -> bool:
    """Is this request Groups' (for errors the app renders: unknown routes, ...)?"""
    return path.startswith(PATHS) or host.split(":")[0].startswith("groups.")


def _model() -> GroupsModel:
    return flask.current_app.extensions["mockglobus"].groups


def render_error(exc: E.GroupsError) -> flask.Response:
    """The one place a Groups error becomes its JSON body (also used by the app's
    fallbacks)."""
    response = flask.jsonify(exc.body())
    response.status_code = exc.status
    return response


@blueprint.errorhandler(E.GroupsError)
def _groups_error(exc: E.GroupsError) -> flask.Response:
    return render_error(exc)


BINDING = Binding(
    "Groups",
    lambda state: state.groups,
    body=json_body(
        lambda reason: E.ValidationFailed(["body"], f"JSON decode error: {reason}", "json_invalid"),
        missing=lambda: E.ValidationFailed(["body"], "Field required", "missing"),
    ),
)


NO_SDK = "Groups API (no SDK method)"


def _sdk(method: str) -> str:
    return f"GroupsClient.{method}"


ROUTES: list[Route] = [
    Route(
        "GET",
        "/groups/my_groups",
        GroupsModel.get_my_groups,
        _sdk("get_my_groups"),
        options={"query": ("statuses",)},
    ),
    Route("GET", "/groups/statuses", GroupsModel.get_group_statuses, upstream=NO_SDK),
    Route(
        "POST",
        "/groups",
        GroupsModel.create_group,
        _sdk("create_group"),
        options={"body": True, "status": 201},
    ),
    Route(
        "GET",
        "/groups/<group_id>",
        GroupsModel.get_group,
        _sdk("get_group"),
        options={"query": ("include",)},
    ),
    Route(
        "PUT",
        "/groups/<group_id>",
        GroupsModel.update_group,
        _sdk("update_group"),
        options={"body": True},
    ),
    Route("DELETE", "/groups/<group_id>", GroupsModel.delete_group, _sdk("delete_group")),
    Route(
        "POST",
        "/groups/<group_id>",
        Memberships.batch_membership_action,
        _sdk("batch_membership_action"),
        options={"body": True},
    ),
    Route(
        "GET",
        "/groups/<group_id>/children",
        GroupsModel.get_group_children,
        upstream=NO_SDK,
        options={"query": ("include",)},
    ),
    Route(
        "GET",
        "/groups/<group_id>/policies",
        GroupsModel.get_group_policies,
        _sdk("get_group_policies"),
    ),
    Route(
        "PUT",
        "/groups/<group_id>/policies",
        GroupsModel.set_group_policies,
        _sdk("set_group_policies"),
        options={"body": True},
    ),
    Route(
        "GET",
        "/groups/<group_id>/membership_fields",
        GroupsModel.get_membership_fields,
        _sdk("get_membership_fields"),
    ),
    Route(
        "PUT",
        "/groups/<group_id>/membership_fields",
        GroupsModel.set_membership_fields,
        _sdk("set_membership_fields"),
        options={"body": True},
    ),
    Route(
        "PUT",
        "/groups/<group_id>/subscription_admin_verified",
        GroupsModel.set_subscription_admin_verified,
        _sdk("set_subscription_admin_verified"),
        options={"body": True},
    ),
    Route(
        "GET",
        "/subscription_info/<subscription_id>",
        GroupsModel.get_group_by_subscription_id,
        _sdk("get_group_by_subscription_id"),
    ),
    Route(
        "GET",
        "/preferences",
        GroupsModel.get_identity_preferences,
        _sdk("get_identity_preferences"),
    ),
    Route(
        "PUT",
        "/preferences",
        GroupsModel.set_identity_preferences,
        _sdk("set_identity_preferences"),
        options={"body": True},
    ),
]

core_routes.mount(blueprint, ROUTES, BINDING.view)


def coverage_markdown() -> str:
    """The route coverage table for the docs, generated from :data:`ROUTES`."""
    return (
        core_routes.coverage_markdown(ROUTES, upstream_heading="globus_sdk method", prefix=PREFIX)
        + "\n"
    )


__all__ = ["PATHS", "ROUTES", "blueprint", "coverage_markdown", "is_groups", "render_error"]
