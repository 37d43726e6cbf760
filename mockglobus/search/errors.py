"""Every error the fake Search service answers with, declared once.

One class per error: its HTTP status, its Search ``code`` (``Class.Detail``) and its
message template, plus ``error_data`` where the real service sends one. The routes
render any of them, once (:func:`mockglobus.search.routes.render_error`), into the real
``GError`` body::

    {"@datatype": "GError", "@version": "2017-09-01", "status": 404,
     "code": "NotFound.NoSuchIndex", "message": "...", "request_id": "<32 hex>",
     "error_data"?: {...}}

which ``globus_sdk.SearchAPIError`` parses as a "type zero" error: ``code``,
``message``, ``request_id``, ``http_status`` and ``error_data``.

Recorded codes and texts (globus-sdk ``testing/data/search``, globus-cli tests):
``NotFound.NoSuchIndex``, ``BadRequest.ValidationError`` (marshmallow-style
``error_data.messages``), ``Conflict.IncompatibleIndexStatus``,
``Conflict.LimitExceeded``, ``Forbidden.Generic``. The 401 code
(``Unauthorized.Generic``) and the texts of the others follow the same pattern but are
not recorded.
"""

from __future__ import annotations

from typing import Any, ClassVar

from mockcore.errors import ServiceError

_RESOLUTION = (
    "Ensure you are making a call authenticated with a valid Search token and that you "
    "have been granted the required roles for this operation"
)


class SearchError(ServiceError):
    status: int = 400
    code: ClassVar[str] = "BadRequest.Generic"
    template: ClassVar[str] = "{detail}"

    def __init__(self, detail: str = "", /, *, error_data: Any = None, **params: Any) -> None:
        self.params = {"detail": detail, **params}
        self.message = self.template.format(**self.params)
        self.error_data = error_data
        super().__init__(f"{self.code}: {self.message}")

    def body(self, request_id: str) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "@datatype": "GError",
            "@version": "2017-09-01",
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request_id": request_id,
        }
        if self.error_data is not None:
            doc["error_data"] = self.error_data
        return doc


# --- 400 -------------------------------------------------------------------------------
class BadRequest(SearchError):
    code = "BadRequest.Generic"


class ValidationError(SearchError):
    """A body or parameter that does not fit the schema; ``error_data`` is
    ``{"messages": {"json"|"query": {field: [text, ...]}}}`` as marshmallow writes it
    (globus-cli prints ``location`` and ``details`` from it)."""

    code = "BadRequest.ValidationError"
    template = "Error validating input data: {detail}"

    def __init__(self, location: str, messages: dict[str, Any], detail: str = "") -> None:
        super().__init__(
            detail or _first_text(messages), error_data={"messages": {location: messages}}
        )


def _first_text(messages: Any) -> str:
    while isinstance(messages, dict) and messages:
        messages = next(iter(messages.values()))
    if isinstance(messages, list) and messages:
        return str(messages[0])
    return str(messages)


class InvalidQuery(SearchError):
    """An ``advanced`` query string that does not parse."""

    code = "BadRequest.InvalidQuery"
    template = "Failed to parse query: {detail}"


class UnknownField(SearchError):
    code = "BadRequest.InvalidField"
    template = "{detail}"


# --- 401 / 403 -------------------------------------------------------------------------
class Unauthorized(SearchError):
    status = 401
    code = "Unauthorized.Generic"
    template = "{detail}"


class Forbidden(SearchError):
    """A caller without the role an operation needs (recorded for ``index_update``)."""

    status = 403
    code = "Forbidden.Generic"
    template = "{operation} request denied by service"

    def __init__(self, operation: str) -> None:
        super().__init__(
            operation=operation,
            error_data={
                "cause": f"You do not have the proper roles to perform the {operation} operation.",
                "recommended_resolution": _RESOLUTION,
            },
        )


# --- 404 -------------------------------------------------------------------------------
class NoSuchIndex(SearchError):
    status = 404
    code = "NotFound.NoSuchIndex"
    template = 'There is no search index named "{index_id}"'

    def __init__(self, index_id: str) -> None:
        super().__init__(index_id=index_id)


class NotFound(SearchError):
    status = 404
    code = "NotFound.Generic"
    template = "{detail}"


class NoSuchTask(SearchError):
    status = 404
    code = "NotFound.NoSuchTask"
    template = 'There is no task named "{task_id}"'

    def __init__(self, task_id: str) -> None:
        super().__init__(task_id=task_id)


class NoSuchRole(SearchError):
    status = 404
    code = "NotFound.NoSuchRole"
    template = 'There is no role named "{role_id}" on this index'

    def __init__(self, role_id: str) -> None:
        super().__init__(role_id=role_id)


class MethodNotAllowed(SearchError):
    status = 405
    code = "MethodNotAllowed"


# --- 409 -------------------------------------------------------------------------------
class IncompatibleIndexStatus(SearchError):
    status = 409
    code = "Conflict.IncompatibleIndexStatus"
    template = (
        "Index status ({current}) did not match required status for this operation: {required}"
    )

    def __init__(self, current: str, required: str) -> None:
        # the recorded messages spell statuses with "_" (delete_pending), the documents "-"
        super().__init__(current=current.replace("-", "_"), required=required.replace("-", "_"))


class LimitExceeded(SearchError):
    status = 409
    code = "Conflict.LimitExceeded"
    template = "{detail}"


class TrialLimit(LimitExceeded):
    """The 4th trial index a user would own (recorded ``create_index`` ``trial_limit``)."""

    template = "Role limit exceeded"

    def __init__(self, limit: int) -> None:
        super().__init__(
            error_data={
                "cause": "When creating an index, an 'owner' role is created automatically. "
                "If this would exceed ownership limits, this error is raised instead.",
                "constraint": "Cannot create more ownership roles on trial indices than the "
                f"limit ({limit})",
            }
        )


# --- 500 -------------------------------------------------------------------------------
class InternalError(SearchError):
    status = 500
    code = "InternalError"
    template = "{detail}"


class RequestRefused(SearchError):
    """A request the server refused before the service saw it (see ``mockcore.wsgi``)."""

    code = "BadRequest.Generic"

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


__all__ = [
    "BadRequest",
    "Forbidden",
    "IncompatibleIndexStatus",
    "InternalError",
    "InvalidQuery",
    "LimitExceeded",
    "MethodNotAllowed",
    "NoSuchIndex",
    "NoSuchRole",
    "NoSuchTask",
    "NotFound",
    "RequestRefused",
    "SearchError",
    "TrialLimit",
    "Unauthorized",
    "UnknownField",
    "ValidationError",
]
