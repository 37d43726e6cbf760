"""Every error Globus Auth answers with, declared once; :mod:`.routes` renders them.

Three families, because the real service speaks three dialects:

* :class:`OAuthError` - the token endpoints (``/v2/oauth2/token``, introspect, revoke,
  validate) answer RFC 6749 style: ``{"error": "invalid_grant", "error_description": ...}``.
* :class:`ApiError` - the REST API (``/v2/api/...``, userinfo) answers with an
  ``errors`` list plus ``error``/``error_description``, as recorded from the service.
* :class:`AuthenticationFailed` and :class:`ConsentRequired` - what another service of
  this package (Transfer) raises when it asks Auth whether a bearer token is good for it;
  the asking service renders them in its own envelope.

Not confirmed against the real service: the exact statuses of ``invalid_scope`` and
``unauthorized_client`` (RFC 6749 says 400; used here), and the ``error_description``
texts (ours; the recorded fixtures only carry ``error``).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, ClassVar

from mockcore.errors import ServiceError


class AuthError(ServiceError):
    """Base of the errors Auth renders itself."""

    status: int = 400

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class OAuthError(AuthError):
    """An RFC 6749 error from a token endpoint."""

    error: ClassVar[str] = "invalid_request"

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description}


class InvalidRequest(OAuthError):
    error = "invalid_request"


class InvalidClient(OAuthError):
    status = 401
    error = "invalid_client"


class InvalidGrant(OAuthError):
    # The SDK's recorded invalid_grant response is a 401, not RFC 6749's 400.
    status = 401
    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"


class InvalidScope(OAuthError):
    error = "invalid_scope"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class UnsupportedResponseType(OAuthError):
    error = "unsupported_response_type"


class AccessDenied(OAuthError):
    status = 403
    error = "access_denied"


class ApiError(AuthError):
    """An error of the Auth REST API, rendered with the ``errors`` list envelope."""

    code: ClassVar[str] = "BAD_REQUEST"
    title: ClassVar[str] = "Bad Request"

    def body(self, error_id: str) -> dict[str, Any]:
        return {
            "errors": [
                {
                    "status": str(self.status),
                    "id": error_id,
                    "code": self.code,
                    "detail": self.description,
                    "title": self.title,
                }
            ],
            "error_description": self.title,
            "error": self.code.lower(),
        }


class BadRequest(ApiError):
    pass


class RequestRefused(ApiError):
    """What the HTTP server refused before the app saw it, with the server's status
    (``mockcore.wsgi.TRANSPORT_ERROR``), in the ``errors`` envelope."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        phrase = HTTPStatus(status).phrase
        self.status, self.title = status, phrase  # type: ignore[misc]
        self.code = phrase.upper().replace(" ", "_").replace("-", "_")  # type: ignore[misc]


class Unauthorized(ApiError):
    status = 401
    code = "UNAUTHORIZED"
    title = "Unauthorized"

    def __init__(self, description: str = "Call must be authenticated") -> None:
        super().__init__(description)


class Forbidden(ApiError):
    status = 403
    code = "FORBIDDEN"
    title = "Forbidden"


class NotFound(ApiError):
    status = 404
    code = "NOT_FOUND"
    title = "Not Found"


class MethodNotAllowed(ApiError):
    status = 405
    code = "METHOD_NOT_ALLOWED"
    title = "Method Not Allowed"


class Conflict(ApiError):
    status = 409
    code = "CONFLICT"
    title = "Conflict"


class TokenRejected(Exception):
    """A bearer token another service of this package must refuse.

    Carries what that service needs to render its own error document: ``http_status``,
    ``code`` and ``message`` (and, for consent, ``required_scopes``).
    """

    http_status: ClassVar[int] = 401
    code: ClassVar[str] = "AuthenticationFailed"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthenticationFailed(TokenRejected):
    """Missing, malformed, unknown (forged), expired or revoked token, or one issued for
    another resource server. Transfer answers 401 ``AuthenticationFailed``."""

    http_status = 401
    code = "AuthenticationFailed"


class ConsentRequired(TokenRejected):
    """The token is good, but its user never consented to a scope the call needs
    (e.g. a collection's ``data_access``). Transfer answers 403 ``ConsentRequired``
    with ``required_scopes``, which the SDK exposes as ``err.info.consent_required``."""

    http_status = 403
    code = "ConsentRequired"

    def __init__(
        self, required_scopes: list[str], message: str = "Missing required data_access consent"
    ) -> None:
        super().__init__(message)
        self.required_scopes = list(required_scopes)


__all__ = [
    "AccessDenied",
    "ApiError",
    "AuthError",
    "AuthenticationFailed",
    "BadRequest",
    "Conflict",
    "ConsentRequired",
    "Forbidden",
    "InvalidClient",
    "InvalidGrant",
    "InvalidRequest",
    "InvalidScope",
    "MethodNotAllowed",
    "NotFound",
    "OAuthError",
    "TokenRejected",
    "Unauthorized",
    "UnauthorizedClient",
    "UnsupportedGrantType",
    "UnsupportedResponseType",
]
