"""Every error the fake Groups service answers with, declared once.

Groups (a FastAPI service) answers ``{"code": ..., "detail": ...}`` (plus
``authorization_parameters`` on a 401 and ``provided_scopes`` on a 403, per the Groups
OpenAPI ``AuthErrorModel``/``ForbiddenErrorModel``); ``globus_sdk.GroupsAPIError``
reads ``code`` and uses ``detail`` as the message. A body that fails validation is
FastAPI's ``{"detail": [{"loc", "msg", "type"}]}`` with 422 (:class:`ValidationFailed`).
:func:`mockglobus.groups.routes.render_error` writes every one of them.

Per-item failures of a batch membership action are not HTTP errors: they are
:class:`ItemRefused` entries (``{"identity_id", "code", "detail"}``) in the 200 answer's
``errors``. Recorded codes: ``ALREADY_ACTIVE`` and ``NO_MEMBERSHIP`` (globus-cli
``tests/files/api_fixtures/groups.yaml``); the other codes, and every top-level
``code`` string, are ours (not recorded anywhere public): descriptive UPPER_SNAKE.
"""

from __future__ import annotations

from typing import Any, ClassVar

from mockcore.errors import ServiceError


class GroupsError(ServiceError):
    """An HTTP error of the Groups API: ``status``, ``code`` and a ``detail``."""

    status: int = 400
    code: ClassVar[str] = "BAD_REQUEST"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail}


class BadRequest(GroupsError):
    status = 400
    code = "BAD_REQUEST"


class AmbiguousIdentities(BadRequest):
    """One identity named by more than one action of a batch (the whole batch fails)."""

    code = "AMBIGUOUS_IDENTITIES"

    def __init__(self, identity_ids: list[str]) -> None:
        super().__init__("An identity may appear in only one action of a request.")
        self.identity_ids = identity_ids

    def body(self) -> dict[str, Any]:
        return {**super().body(), "ambiguous_identities": self.identity_ids}


class Unauthorized(GroupsError):
    """Missing, unknown, expired or revoked token, or one for another resource server."""

    status = 401
    code = "UNAUTHORIZED"

    def body(self) -> dict[str, Any]:
        return {**super().body(), "authorization_parameters": None}


class Forbidden(GroupsError):
    """The caller's role (or its token's scopes) does not allow this."""

    status = 403
    code = "FORBIDDEN"

    def __init__(self, detail: str, provided_scopes: list[str] | None = None) -> None:
        super().__init__(detail)
        self.provided_scopes = provided_scopes

    def body(self) -> dict[str, Any]:
        return {**super().body(), "provided_scopes": self.provided_scopes}


class NotFound(GroupsError):
    status = 404
    code = "NOT_FOUND"


class GroupNotFound(NotFound):
    def __init__(self, group_id: str) -> None:
        super().__init__(f"Group {group_id} not found.")


class Conflict(GroupsError):
    status = 409
    code = "CONFLICT"


class MethodNotAllowed(GroupsError):
    status = 405
    code = "METHOD_NOT_ALLOWED"


class InternalError(GroupsError):
    status = 500
    code = "INTERNAL_SERVER_ERROR"


class RequestRefused(GroupsError):
    """What the server refused before any route ran (oversized body, too many
    connections: see :mod:`mockcore.wsgi`)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class ValidationFailed(GroupsError):
    """FastAPI's 422: ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``."""

    status = 422
    code = "VALIDATION_ERROR"

    def __init__(self, loc: list[str | int], msg: str, kind: str = "value_error") -> None:
        super().__init__(msg)
        self.loc, self.kind = loc, kind

    def body(self) -> dict[str, Any]:
        return {"detail": [{"loc": self.loc, "msg": self.detail, "type": self.kind}]}


class ItemRefused(Exception):
    """One identity's action of a batch refused; reported in the answer's ``errors``."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code, self.detail = code, detail

    def entry(self, identity_id: str) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, "identity_id": identity_id}


__all__ = [
    "AmbiguousIdentities",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "GroupNotFound",
    "GroupsError",
    "InternalError",
    "ItemRefused",
    "MethodNotAllowed",
    "NotFound",
    "RequestRefused",
    "Unauthorized",
    "ValidationFailed",
]
