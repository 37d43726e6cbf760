"""Globus Auth: accounts, OAuth2/OIDC, tokens. ``model`` composes the rules (one
module per part: accounts, clients, consents, grants, tokens, ...), ``routes`` serves
them, ``errors`` declares every error once."""

from mockglobus.auth.entities import TokenInfo
from mockglobus.auth.errors import AuthenticationFailed, ConsentRequired
from mockglobus.auth.model import AuthModel
from mockglobus.auth.scopes import AUTH_RS, TRANSFER_RS, TRANSFER_SCOPE

__all__ = [
    "AUTH_RS",
    "TRANSFER_RS",
    "TRANSFER_SCOPE",
    "AuthModel",
    "AuthenticationFailed",
    "ConsentRequired",
    "TokenInfo",
]
