"""The FTS3 operations state: bans, optimizer rows, configuration tables, audit, archive.

Plain classes over :class:`mockfts.model.store.FtsState` (nothing here knows Flask).
``state.ops`` is an :class:`Operations`; the REST handlers of :mod:`mockfts.api.admin`
and :mod:`mockfts.api.config` call it. Every public method runs under ``state.lock``
(``@locked``); those whose answer depends on the jobs settle due events first
(``@settled``), like the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockfts.model.ops.archive import Archive
from mockfts.model.ops.bans import Bans
from mockfts.model.ops.configuration import Configuration
from mockfts.model.ops.optimizer import Optimizer
from mockfts.model.ops.overview import Overview

if TYPE_CHECKING:
    from mockfts.model.store import FtsState

__all__ = ["Operations"]


class Operations:
    """Everything an FTS3 operator changes or inspects, bound to one state."""

    def __init__(self, state: FtsState) -> None:
        self.state = state
        self.config = Configuration(state)
        self.bans = Bans(state, self.config)
        self.optimizer = Optimizer(state, self.config)
        self.overview = Overview(state, self.config, self.optimizer)
        self.archive = Archive(state)

    def check_submission(self, job) -> None:
        """Called by ``FtsState.submit`` before a built job is stored (banned storages)."""
        self.bans.check_submission(job)
