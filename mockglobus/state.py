"""The state of one Globus double: Auth and Transfer on one clock."""

from __future__ import annotations

from typing import Any

from mockcore.clock import Clock
from mockcore.state import ServiceState
from mockglobus.auth.for_groups import AuthForGroups
from mockglobus.auth.for_search import AuthForSearch
from mockglobus.auth.for_timers import AuthForTimers
from mockglobus.auth.for_transfer import AuthForTransfer
from mockglobus.auth.model import AuthModel
from mockglobus.auth.seed import load_scenario
from mockglobus.groups.model import GroupsModel
from mockglobus.search.model import SearchModel
from mockglobus.timers.model import TimersModel
from mockglobus.transfer.model import TransferModel


class GlobusState(ServiceState):
    """``auth`` is the :class:`AuthModel`; ``groups`` the :class:`GroupsModel` (asking
    Auth through ``auth_for_groups``); ``transfer`` the :class:`TransferModel`, which
    asks Auth and Groups what it needs through ``auth_for_transfer`` (:class:`AuthForTransfer`).
    ``timers`` the :class:`TimersModel`, handed Transfer and ``auth_for_timers``.
    Keyword arguments other than ``clock`` and ``seed`` configure the AuthModel
    (``scenario``, ``permissive``, ...)."""

    def __init__(self, clock: Clock | None = None, seed: int = 0, **auth_options: Any) -> None:
        super().__init__(clock, seed)
        self.auth = AuthModel(self, **auth_options)
        # Groups (through ``auth_for_groups``) is the one source of group membership
        self.auth_for_groups = AuthForGroups(self.auth)
        self.groups = GroupsModel(
            self, self.auth_for_groups, scenario=load_scenario(self.auth.scenario)
        )
        self.auth_for_transfer = AuthForTransfer(self.auth, self.groups)
        self.transfer = TransferModel(self, self.auth_for_transfer)
        # Search: group membership through the same (Groups-backed) answer as Transfer
        self.auth_for_search = AuthForSearch(self.auth, self.auth_for_transfer.group_ids_of)
        self.search = SearchModel(self, self.auth_for_search)
        # Timers runs transfers as their users: after Transfer, handed it and Auth
        self.auth_for_timers = AuthForTimers(self.auth, self.auth_for_transfer)
        self.timers = TimersModel(self, self.auth_for_timers, self.transfer)

    def reset(self) -> None:
        with self.lock:
            super().reset()
            self.auth.reset()
            self.groups.reset()
            self.transfer.reset()
            self.search.reset()
            self.timers.reset()
