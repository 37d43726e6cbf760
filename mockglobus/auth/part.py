"""The base of every part of the Auth model (:mod:`.model` composes them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockcore.state import ServiceState


class AuthPart:
    """What the parts share: ``state`` (lock, clock, ids) and the tables
    :meth:`AuthModel.reset <mockglobus.auth.model.AuthModel.reset>` builds."""

    state: ServiceState

    @property
    def _ids(self) -> Any:
        return self.state.ids

    def _now(self) -> float:
        return self.state.clock.time()
