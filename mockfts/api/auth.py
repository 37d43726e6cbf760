"""Who is calling: the authentication middleware of the real server, as one function.

Methods are tried in the real order: OAuth2 bearer token, then an X.509 identity,
then anonymous. A bearer token that does not validate counts as absent. An X.509
identity arrives in the WSGI environ: the TLS server and the in-process transport
put the presented certificate there (``mockfts.identity`` when a test names one
directly). Banned DNs get the middleware's HTML 403 on every route.
"""

from __future__ import annotations

from flask import Request

from mockfts import errors
from mockfts.model.identity import Identity, anonymous
from mockfts.model.store import FtsState

IDENTITY_KEY = "mockfts.identity"


def authenticate(request: Request, state: FtsState) -> Identity:
    identity = None
    header = request.environ.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        with state.lock:
            identity = state.tokens.identity(header[7:].strip())
    if identity is None:
        identity = request.environ.get(IDENTITY_KEY)
    if identity is None:
        identity = anonymous()
    if identity.user_dn in state.banned_dns:
        raise errors.UserBanned()
    return identity
