"""Every error the fake Transfer service answers with, declared once.

One class per error: its HTTP status, its Globus ``code`` and its message template.
:func:`mockglobus.transfer.routes` renders any of them into the real envelope
(``code``, ``message``, ``request_id``, ``resource``) in one place, so
``globus_sdk.TransferAPIError`` sees ``http_status``, ``code``, ``message`` and
``request_id`` exactly as from the real service.

Endpoint-side failures carry a GridFTP-style transcript in ``message`` (as the real
service does) built by :func:`endpoint_transcript`; clients match on substrings such
as ``No such file or directory``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from mockcore.errors import ServiceError


class TransferError(ServiceError):
    status: int = 400
    code: ClassVar[str] = "BadRequest"
    template: ClassVar[str] = "{detail}"

    def __init__(self, detail: str = "", /, **params: Any) -> None:
        self.params = {"detail": detail, **params}
        self.message = self.template.format(**self.params)
        self.extra: dict[str, Any] = {}
        super().__init__(f"{self.code}: {self.message}")

    def body(self, request_id: str, resource: str) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "request_id": request_id,
            "resource": resource,
            **self.extra,
        }


def endpoint_transcript(title: str, endpoint: Any, command: str, message: str, details: str) -> str:
    """``<title>, Error (list)`` followed by the endpoint's own account of it."""
    name = getattr(endpoint, "display_name", "?")
    ident = getattr(endpoint, "id", "?")
    host = getattr(endpoint, "server_host", "gridftp.example.org")
    return (
        f"{title}, Error (list)\nEndpoint: {name} ({ident})\nServer: {host}:443\n"
        f"Command: {command}\nMessage: {message}\n---\nDetails: {details}\n"
    )


# --- 400 -------------------------------------------------------------------------------
class BadRequest(TransferError):
    code = "BadRequest"


class ClientBadRequest(TransferError):
    code = "ClientError.BadRequest"


class NoTransferItems(TransferError):
    code = "ClientError.BadRequest.NoTransferItems"
    template = "A transfer requires at least one item"


class InvalidPath(TransferError):
    code = "InvalidPath"
    template = "Invalid path '{path}': {detail}"


class NotSupported(TransferError):
    code = "NotSupported"
    template = "{detail}"


class ActivationRequired(TransferError):
    code = "ClientError.ActivationRequired"
    template = "The endpoint '{detail}' requires activation"


# --- 401 / 403 -------------------------------------------------------------------------
class AuthenticationFailed(TransferError):
    status = 401
    code = "AuthenticationFailed"
    template = "{detail}"


class PermissionDenied(TransferError):
    status = 403
    code = "PermissionDenied"
    template = "{detail}"


class EndpointPermissionDenied(TransferError):
    status = 403
    code = "EndpointPermissionDenied"
    template = "{detail}"


class MkdirPermissionDenied(TransferError):
    status = 403
    code = "ExternalError.MkdirFailed.PermissionDenied"
    template = "{detail}"


class ConsentRequired(TransferError):
    status = 403
    code = "ConsentRequired"
    template = "Missing required data_access consent"

    def __init__(self, required_scopes: list[str], session_message: str = "") -> None:
        super().__init__()
        self.extra = {
            "required_scopes": list(required_scopes),
            "authorization_parameters": {
                "session_message": session_message or self.message,
                "required_scopes": list(required_scopes),
            },
        }


# --- 404 -------------------------------------------------------------------------------
class NotFound(TransferError):
    status = 404
    code = "ClientError.NotFound"
    template = "{detail}"


class PathNotFound(TransferError):
    """What ``stat`` answers for a missing path (the bare ``NotFound`` code)."""

    status = 404
    code = "NotFound"
    template = "{detail}"


class EndpointNotFound(TransferError):
    status = 404
    code = "EndpointNotFound"
    template = "No such endpoint '{detail}'"


class UserNotFound(TransferError):
    status = 404
    code = "UserNotFound"
    template = "No such user '{detail}'"


class RouteNotFound(TransferError):
    status = 404
    code = "ClientError.NotFound"
    template = "{detail}"


class MethodNotAllowed(TransferError):
    status = 405
    code = "ClientError.MethodNotAllowed"
    template = "{detail}"


# --- 409 -------------------------------------------------------------------------------
class Conflict(TransferError):
    status = 409
    code = "Conflict"
    template = "{detail}"


class AclExists(TransferError):
    """A second rule for the same principal and path."""

    status = 409
    code = "Exists"
    template = "{detail}"


class OperationPaused(TransferError):
    status = 409
    code = "OperationPaused"
    template = "{detail}"


# --- 502 / 503 -------------------------------------------------------------------------
class DirListingNotDirectory(TransferError):
    status = 502
    code = "ExternalError.DirListingFailed.NotDirectory"


class DirListingPermissionDenied(TransferError):
    status = 502
    code = "ExternalError.DirListingFailed.PermissionDenied"


class DirListingLoginFailed(TransferError):
    """The collection demands more of the session (MFA) than the token's session has.

    Carries ``authorization_parameters``, which globus-sdk parses as
    ``err.info.authorization_parameters`` so an app can log in again as required. The
    code is from the reference's error table; the envelope follows a recorded answer
    (globus-sdk-javascript's ``TRANSFER_AUTHORIZATION_REQUIREMENTS_ERROR`` fixture).
    """

    status = 502
    code = "ExternalError.DirListingFailed.LoginFailed"
    template = "{detail}"

    def __init__(self, detail: str, **requirements: object) -> None:
        super().__init__(detail)
        self.extra = {"authorization_parameters": {"session_message": detail, **requirements}}


class DirListingGCDisconnected(TransferError):
    status = 502
    code = "ExternalError.DirListingFailed.GCDisconnected"
    template = "The GCP endpoint is not currently connected to Globus"


class MkdirExists(TransferError):
    status = 502
    code = "ExternalError.MkdirFailed.Exists"


class EndpointError(TransferError):
    status = 502
    code = "EndpointError"


class RequestRefused(TransferError):
    """What the HTTP server refused before the app saw it (a malformed request line,
    headers or a body too large), with the server's status
    (``mockcore.wsgi.TRANSPORT_ERROR``); the code is that of a malformed request."""

    code = "BadRequest"

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class InternalError(TransferError):
    """A bug of the double's (never a client's mistake); recorded for the fixtures."""

    status = 500
    code = "ServerError"
    template = "{detail}"
