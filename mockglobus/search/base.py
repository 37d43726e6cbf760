"""What every Search part shares: finding an index, the caller's roles on it, and the
documents of indexes, roles and tasks."""

from __future__ import annotations

import time
from typing import Any

from mockcore.state import ServiceState
from mockglobus.search import errors as E
from mockglobus.search.identity import SearchCaller
from mockglobus.search.tables import OPEN, ROLE_ORDER, Index, Role, Settings, Tables, Task


def search_date(epoch: float | None) -> str | None:
    """Index, role and task dates as Search writes them: ``2021-04-05 15:05:18``."""
    if epoch is None:
        return None
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


class Lookups:
    def __init__(self, state: ServiceState, t: Tables, settings: Settings) -> None:
        self.state = state
        self.t = t
        self.settings = settings

    def now(self) -> float:
        return self.state.clock.time()

    def index(self, index_id: str) -> Index:
        found = self.t.indexes.get(index_id)
        if found is None:
            raise E.NoSuchIndex(index_id)
        return found

    def open_index(self, index_id: str) -> Index:
        index = self.index(index_id)
        if index.status != OPEN:
            raise E.IncompatibleIndexStatus(index.status, OPEN)
        return index

    def roles_of(self, caller: SearchCaller, index: Index) -> list[str]:
        """The caller's roles on ``index`` (through its identities and groups), best
        first."""
        if caller.anonymous:
            return []
        principals = caller.principals
        names = {r.role_name for r in index.roles.values() if r.principal in principals}
        return sorted(names, key=lambda n: -ROLE_ORDER[n])

    def has_role(self, caller: SearchCaller, index: Index, least: str) -> bool:
        roles = self.roles_of(caller, index)
        return bool(roles) and ROLE_ORDER[roles[0]] >= ROLE_ORDER[least]

    def require(self, caller: SearchCaller, index: Index, least: str, operation: str) -> None:
        """403 ``Forbidden.Generic`` unless the caller holds ``least`` or better; an
        anonymous caller is told to authenticate (401)."""
        if caller.anonymous:
            raise E.Unauthorized(
                f"{operation} requires authentication: make the call with a valid Search token"
            )
        if not self.has_role(caller, index, least):
            raise E.Forbidden(operation)

    # ------------------------------------------------------------ documents
    def index_doc(self, index: Index) -> dict[str, Any]:
        return {
            "@datatype": "GSearchIndex",
            "@version": "2017-09-01",
            "id": index.id,
            "display_name": index.display_name,
            "description": index.description,
            "creation_date": search_date(index.creation_date),
            "is_trial": index.is_trial,
            "subscription_id": index.subscription_id,
            "max_size_in_mb": index.max_size_in_mb,
            "size_in_mb": round(index.size_bytes / 1_000_000),
            "num_entries": len(index.entries),
            "num_subjects": index.num_subjects,
            "status": index.status,
        }

    def index_with_permissions(self, index: Index, caller: SearchCaller) -> dict[str, Any]:
        return {
            **self.index_doc(index),
            "permissions": self.roles_of(caller, index),
            "content_last_modified_date": search_date(index.content_last_modified),
            "available": index.status == OPEN,
        }

    @staticmethod
    def role_doc(role: Role) -> dict[str, Any]:
        return {
            "creation_date": search_date(role.creation_date),
            "id": role.id,
            "index_id": role.index_id,
            "principal": role.principal,
            "principal_type": role.principal_type,
            "role_name": role.role_name,
        }

    @staticmethod
    def task_doc(task: Task) -> dict[str, Any]:
        from mockglobus.search.tables import STATE_DESCRIPTIONS

        return {
            "task_id": task.task_id,
            "state": task.state,
            "state_description": STATE_DESCRIPTIONS[task.state],
            "task_type": task.task_type,
            "index_id": task.index_id,
            "creation_date": search_date(task.creation_date),
            "completion_date": search_date(task.completion_date),
            "message": task.message,
            "additional_details": task.additional_details,
        }


__all__ = ["Lookups", "search_date"]


class SearchPart:
    """A part of the Search API: the state (clock, lock), the tables, the settings, and
    the lookups every part asks (the same :class:`Lookups` for all of them)."""

    def __init__(
        self, state: ServiceState, t: Tables, settings: Settings, lookups: Lookups
    ) -> None:
        self.state = state
        self.t = t
        self.settings = settings
        self.lookups = lookups
