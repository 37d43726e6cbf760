"""The Search service's state and rules; knows nothing about HTTP.

:class:`SearchModel` builds the tables (:mod:`.tables`) and the parts, handing each
what it calls: ``lookups`` (indexes, the caller's roles, documents), ``indexes``,
``roles``, ``ingest`` (ingest, deletes and their tasks on the clock) and ``queries``.
API methods are named after the ``globus_sdk.SearchClient`` methods they serve, take
a :class:`~mockglobus.search.identity.SearchCaller` and return plain documents or raise
a :class:`~mockglobus.search.errors.SearchError`. What Search asks of Auth comes in as
``auth`` (:class:`~mockglobus.search.identity.SearchAuth`).

Not implemented: subscriptions (every index is a trial index), the ``/beta`` routes
(mappings, field budget, insights), geo filters and ``field_mapping``, and ``q_settings``.
"""

from __future__ import annotations

from typing import Any

from mockcore.locking import locked
from mockcore.state import ServiceState
from mockglobus.search.base import Lookups
from mockglobus.search.identity import SearchAuth
from mockglobus.search.indexes import Indexes
from mockglobus.search.ingest import Ingest
from mockglobus.search.queries import Queries
from mockglobus.search.roles import Roles
from mockglobus.search.tables import PENDING, PROGRESS, Settings, Tables

RESOURCE_SERVER = "search.api.globus.org"


class SearchModel:
    """Indexes of entries, searched by a full-text engine; writes are clock-driven tasks."""

    def __init__(self, state: ServiceState, auth: SearchAuth) -> None:
        self.state = state
        self.auth = auth
        self.settings = Settings()
        self.t = Tables()
        t, s = self.t, self.settings
        self.lookups = Lookups(state, t, s)
        self.indexes = Indexes(state, t, s, self.lookups)
        self.roles = Roles(state, t, s, self.lookups)
        self.ingest = Ingest(state, t, s, self.lookups)
        self.queries = Queries(state, t, s, self.lookups)
        #: The part serving each API class, for the routes (see :meth:`part`).
        self._by_class: dict[type, object] = {
            type(p): p for p in (self.indexes, self.roles, self.ingest, self.queries)
        }

    def part(self, cls: type) -> Any:
        """This model's instance of the part class ``cls`` (the routes bind by class)."""
        return self._by_class[cls]

    @locked
    def reset(self) -> None:
        self.t.clear()

    @locked
    def wait_for_task(self, task_id: str, timeout: float = 3600.0) -> dict[str, Any]:
        """Run the virtual clock until the task has finished; its document (for tests)."""
        task = self.t.tasks[task_id]
        self.state.run_until(lambda: task.state not in (PENDING, PROGRESS), timeout)
        return self.lookups.task_doc(task)


__all__ = ["RESOURCE_SERVER", "SearchModel"]
