"""Every error the fake Timers service answers with, declared once.

Timers (a FastAPI service) answers in two shapes, both recorded in globus-sdk's
``testing/data/timer`` and parsed by ``globus_sdk.TimersAPIError``
(``services/timers/errors.py``):

* service errors: ``{"error": {"code", "detail", "status"}}`` (recorded
  ``simple_500_error``), so ``e.code`` is ``code`` and ``e.messages == [detail]``;
* request validation (422): ``{"detail": [{"loc", "msg", "type"}, ...]}`` (recorded
  ``validation_error``), so ``e.messages == ["<msg>: <loc joined by dots>", ...]``.

Only the 500 code ``ERROR`` is recorded; the other codes (``AUTHENTICATION_ERROR``,
``NOT_FOUND``, ``CONFLICT``, ``NOT_IMPLEMENTED``, ...) are this double's choice in the
same shape. :func:`mockglobus.timers.routes.render_error` writes them, once.

:class:`AuthRequirements` is no HTTP answer: it is how a *run* learns that the user's
stored credentials no longer meet Auth's requirements (it becomes the timer's
``inactive_reason``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from mockcore.errors import ServiceError


class TimersError(ServiceError):
    """``{"error": {"code", "detail", "status"}}`` with the HTTP ``status``."""

    status: int = 400
    code: ClassVar[str] = "BAD_REQUEST"

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "detail": self.message, "status": self.status}}


class AuthenticationFailed(TimersError):
    status = 401
    code = "AUTHENTICATION_ERROR"


class NotFound(TimersError):
    status = 404
    code = "NOT_FOUND"


class MethodNotAllowed(TimersError):
    status = 405
    code = "METHOD_NOT_ALLOWED"


class Conflict(TimersError):
    status = 409
    code = "CONFLICT"


class InternalError(TimersError):
    """A bug of the double's (never a client's mistake); the recorded 500 code."""

    status = 500
    code = "ERROR"


class NotImplementedByDouble(TimersError):
    """A request the real service serves but this double does not (flow timers)."""

    status = 501
    code = "NOT_IMPLEMENTED"


class RequestRefused(TimersError):
    """What the HTTP server refused before the app saw it, with the server's status
    (``mockcore.wsgi.TRANSPORT_ERROR``)."""

    code = "BAD_REQUEST"

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class ValidationError(TimersError):
    """422 in FastAPI's shape: one ``{"loc", "msg", "type"}`` per problem."""

    status = 422
    code = "VALIDATION_ERROR"

    def __init__(self, *problems: tuple[tuple[str | int, ...], str, str]) -> None:
        self.details = [{"loc": list(loc), "msg": msg, "type": kind} for loc, msg, kind in problems]
        super().__init__(
            "; ".join(f"{d['msg']}: {'.'.join(map(str, d['loc']))}" for d in self.details)
        )

    def body(self) -> dict[str, Any]:
        return {"detail": [dict(d) for d in self.details]}


def missing(*loc: str | int) -> ValidationError:
    return ValidationError((loc, "field required", "value_error.missing"))


def invalid(loc: tuple[str | int, ...], msg: str, kind: str = "value_error") -> ValidationError:
    return ValidationError((loc, msg, kind))


class AuthRequirements(Exception):
    """A run's credentials fall short of Auth's requirements: ``required_scopes`` to
    consent to (beneath the Timers scope) and Auth's ``session_message``."""

    def __init__(self, required_scopes: list[str], session_message: str) -> None:
        super().__init__(session_message)
        self.required_scopes = list(required_scopes)
        self.session_message = session_message

    def gare(self) -> dict[str, Any]:
        """The Globus Auth Requirements Error Timers records as ``inactive_reason.detail``
        (recorded ``get_job`` ``inactive_gare``)."""
        return {
            "code": "ConsentRequired",
            "authorization_parameters": {
                "session_message": self.session_message,
                "required_scopes": list(self.required_scopes),
            },
        }


__all__ = [
    "AuthRequirements",
    "AuthenticationFailed",
    "Conflict",
    "InternalError",
    "MethodNotAllowed",
    "NotFound",
    "NotImplementedByDouble",
    "RequestRefused",
    "TimersError",
    "ValidationError",
    "invalid",
    "missing",
]
