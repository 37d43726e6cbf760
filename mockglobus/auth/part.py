"""What every part of the Auth model holds (:mod:`.model` builds the parts and hands
each the other parts it calls)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockcore.ids import IdSource
    from mockcore.state import ServiceState
    from mockglobus.auth.tables import Tables


class AuthPart:
    """``state`` (lock, clock, ids; what :func:`~mockcore.locking.locked` takes) and the
    shared :class:`~mockglobus.auth.tables.Tables`."""

    def __init__(self, state: ServiceState, tables: Tables) -> None:
        self.state = state
        self.tables = tables

    @property
    def ids(self) -> IdSource:
        return self.state.ids

    def now(self) -> float:
        return self.state.clock.time()
