"""The fake Globus Transfer service (API v0.10): collections on virtual filesystems,
synchronous file operations, and tasks that move files on the virtual clock.

``model`` holds state and rules (no HTTP); ``routes`` is the thin Flask blueprint;
``errors`` declares every error once.
"""

from mockglobus.transfer.access import Caller
from mockglobus.transfer.errors import TransferError
from mockglobus.transfer.model import RESOURCE_SERVER, TRANSFER_SCOPE, Settings, TransferModel

__all__ = ["Caller", "RESOURCE_SERVER", "Settings", "TRANSFER_SCOPE", "TransferError",
           "TransferModel"]
