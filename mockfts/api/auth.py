"""Who is calling: the authentication middleware of the real server, as one function.

Methods are tried in the real order: OAuth2 bearer token, then X.509, then anonymous.
A bearer token that does not validate counts as absent. An X.509 identity arrives in
the WSGI environ, put there by the TLS server (after the handshake verified the
chain) or by the in-process transport (which verifies the chain ``requests`` was
given as ``cert=``); a test may also name an identity directly (``mockfts.identity``).
The caller is root when its DN is the server's host DN. Banned DNs get the
middleware's HTML 403 on every route.
"""

from __future__ import annotations

from flask import Request

from mockfts import errors
from mockfts.model.identity import Identity, anonymous, certificate_identity
from mockfts.model.store import FtsState
from mockfts.x509.tls import IDENTITY_KEY as X509_IDENTITY_KEY

IDENTITY_KEY = "mockfts.identity"


def x509_user(certificate, state: FtsState) -> Identity:
    """The FTS identity of a verified X.509 chain (``mockfts.x509.X509Identity``)."""
    return certificate_identity(
        certificate.user_dn,
        certificate.voms_cred,
        dn=certificate.dn,
        is_root=certificate.user_dn == state.host_dn,
        certificate=certificate,
    )


def authenticate(request: Request, state: FtsState) -> Identity:
    environ = request.environ
    identity = None
    header = environ.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        with state.lock:
            identity = state.tokens.identity(header[7:].strip())
    if identity is None:
        identity = environ.get(IDENTITY_KEY)
    if identity is None and environ.get(X509_IDENTITY_KEY) is not None:
        identity = x509_user(environ[X509_IDENTITY_KEY], state)
    if identity is None:
        identity = anonymous()
    if identity.user_dn in state.banned_dns:
        raise errors.UserBanned()
    return state.ops.config.effective(identity)  # grants from /config/authorize
