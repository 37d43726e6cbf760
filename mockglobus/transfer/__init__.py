"""The fake Globus Transfer service (API v0.10): collections on virtual filesystems,
synchronous file operations, and tasks that move files on the virtual clock.

``model`` composes the state and rules (no HTTP), one part per module; ``routes`` is
the thin Flask blueprint; ``errors`` declares every error once; ``identity`` says what
Transfer asks of Auth (:class:`TransferAuth`).
"""

from mockglobus.transfer.access import Caller
from mockglobus.transfer.errors import TransferError
from mockglobus.transfer.identity import KnownIdentity, TransferAuth
from mockglobus.transfer.model import RESOURCE_SERVER, TRANSFER_SCOPE, Settings, TransferModel

__all__ = [
    "Caller",
    "KnownIdentity",
    "RESOURCE_SERVER",
    "Settings",
    "TRANSFER_SCOPE",
    "TransferAuth",
    "TransferError",
    "TransferModel",
]
