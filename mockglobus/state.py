"""The state of one Globus double: Auth and (when present) Transfer on one clock."""

from __future__ import annotations

from typing import Any

from mockcore.clock import Clock
from mockcore.state import ServiceState
from mockglobus.auth.model import AuthModel


def _transfer_model() -> Any:
    """``mockglobus.transfer.model.TransferModel``, or None in a checkout without it."""
    try:
        from mockglobus.transfer.model import TransferModel
    except ModuleNotFoundError as exc:
        if exc.name in ("mockglobus.transfer", "mockglobus.transfer.model"):
            return None
        raise
    return TransferModel


class GlobusState(ServiceState):
    """``auth`` is the :class:`AuthModel`; ``transfer`` the Transfer model, or None
    when this checkout has no ``mockglobus.transfer``. Keyword arguments other than
    ``clock`` and ``seed`` configure the AuthModel (``scenario``, ``permissive``, ...)."""

    def __init__(self, clock: Clock | None = None, seed: int = 0, **auth_options: Any) -> None:
        super().__init__(clock, seed)
        self.auth = AuthModel(self, **auth_options)
        model = _transfer_model()
        self.transfer = model(self) if model is not None else None

    def reset(self) -> None:
        with self.lock:
            super().reset()
            self.auth.reset()
            if self.transfer is not None:
                self.transfer.reset()
