"""The state of one Globus double: Auth and Transfer on one clock."""

from __future__ import annotations

from typing import Any

from mockcore.clock import Clock
from mockcore.state import ServiceState
from mockglobus.auth.for_transfer import AuthForTransfer
from mockglobus.auth.model import AuthModel
from mockglobus.transfer.model import TransferModel


class GlobusState(ServiceState):
    """``auth`` is the :class:`AuthModel`; ``transfer`` the :class:`TransferModel`, which
    asks Auth what it needs through ``auth_for_transfer`` (:class:`AuthForTransfer`).
    Keyword arguments other than ``clock`` and ``seed`` configure the AuthModel
    (``scenario``, ``permissive``, ...)."""

    def __init__(self, clock: Clock | None = None, seed: int = 0, **auth_options: Any) -> None:
        super().__init__(clock, seed)
        self.auth = AuthModel(self, **auth_options)
        self.auth_for_transfer = AuthForTransfer(self.auth)
        self.transfer = TransferModel(self, self.auth_for_transfer)

    def reset(self) -> None:
        with self.lock:
            super().reset()
            self.auth.reset()
            self.transfer.reset()
