"""A high-fidelity test double for Globus Auth, Transfer, Groups, Search and Timers.

In-process, on the production URLs, for unmodified ``globus_sdk`` code::

    from mockglobus import mock_globus

    with mock_globus() as globus:
        token = globus.token_for("alice@globusid.org")
        ...

Standalone: ``mockglobus serve --port 8447`` (or ``python -m mockglobus serve``).
pytest: the ``globus_mock`` and ``globus_server`` fixtures.
"""

from mockglobus.auth import AuthenticationFailed, AuthModel, ConsentRequired, TokenInfo
from mockglobus.double import AUTH_URL, PRODUCTION_URLS, TRANSFER_URL, GlobusDouble, mock_globus
from mockglobus.remote import RemoteGlobus, remote
from mockglobus.state import GlobusState

__all__ = [
    "AUTH_URL",
    "PRODUCTION_URLS",
    "TRANSFER_URL",
    "AuthModel",
    "AuthenticationFailed",
    "ConsentRequired",
    "GlobusDouble",
    "GlobusState",
    "TokenInfo",
    "RemoteGlobus",
    "mock_globus",
    "remote",
]
