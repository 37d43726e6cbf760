"""The Transfer service's state and rules; knows nothing about HTTP.

Every public method takes ``state.lock`` and settles the scheduler first, so each
answer reflects exactly the virtual time of the call. Methods take a
:class:`~mockglobus.transfer.access.Caller` (who asks) and return plain documents
(dicts) or raise a :class:`~mockglobus.transfer.errors.TransferError`.

:class:`TransferModel` builds the tables (:mod:`.tables`) and the parts, one per
module, handing each what it calls: ``lookups`` (shared lookups and role checks),
``file_access`` (mounts, consent), the task engine (``subtasks``, ``expansion``,
``engine``, ``submission``), ``building`` (seed and tests), and the API:
``endpoint_ops``, ``endpoint_search``, ``roles_acls``, ``bookmarks``, ``file_ops``,
``task_ops`` and ``task_queries``, ``endpoint_manager``, ``admin_actions`` and
``pause_rules``. API methods are named after the ``globus_sdk.TransferClient`` methods
they serve. What Transfer asks of Auth comes in as ``auth``
(:class:`~mockglobus.transfer.identity.TransferAuth`).

Not implemented: GCSv4 hosts and servers management, ``local_user`` selection,
timers, streams/tunnels, the v2 bookmark API, deadline extension of busy transfers.
"""

from __future__ import annotations

from typing import Any

from mockcore.locking import locked
from mockcore.state import ServiceState
from mockglobus.transfer import errors as E
from mockglobus.transfer.admin_actions import AdminActions
from mockglobus.transfer.base import RESOURCE_SERVER, TRANSFER_SCOPE, Lookups, result
from mockglobus.transfer.bookmarks import Bookmarks
from mockglobus.transfer.building import Building
from mockglobus.transfer.endpoint_manager import EndpointManager
from mockglobus.transfer.endpoint_ops import EndpointOps
from mockglobus.transfer.endpoint_search import EndpointSearch
from mockglobus.transfer.endpoints import GUEST_TYPES, Collection
from mockglobus.transfer.engine import TaskEngine
from mockglobus.transfer.expansion import Expansion
from mockglobus.transfer.file_access import FileAccess
from mockglobus.transfer.file_ops import FileOps
from mockglobus.transfer.identity import TransferAuth
from mockglobus.transfer.pause_rules import PauseRules
from mockglobus.transfer.roles_acls import RolesAndAcls
from mockglobus.transfer.submission import Submission
from mockglobus.transfer.subtasks import Subtasks
from mockglobus.transfer.tables import DAY, Settings, Tables, TaskFault
from mockglobus.transfer.task_ops import TaskOps
from mockglobus.transfer.task_queries import TaskQueries
from mockglobus.transfer.tasks import ACTIVE
from mockglobus.transfer.vfs import Parts, View, fs_time, join


class TransferModel:
    """Collections on virtual filesystems, and tasks that really move their files."""

    def __init__(
        self, state: ServiceState, auth: TransferAuth, *, seed_defaults: bool = True
    ) -> None:
        self.state = state
        self.auth = auth
        self.settings = Settings()
        self.seed_defaults = seed_defaults
        self.t = Tables()
        t, s = self.t, self.settings
        self.lookups = Lookups(state, t, s, auth)
        self.file_access = FileAccess(state, t, self.lookups, auth)
        self.subtasks = Subtasks(t, self.file_access)
        self.expansion = Expansion(self.file_access, self.subtasks)
        self.engine = TaskEngine(state, t, s, self.expansion, self.subtasks)
        self.submission = Submission(state, t, s, self.lookups, self.file_access, self.engine)
        self.building = Building(state, t, self.lookups, self.engine)
        self.endpoint_ops = EndpointOps(state, t, self.lookups, self.file_access, self.building)
        self.endpoint_search = EndpointSearch(state, t, self.lookups)
        self.roles_acls = RolesAndAcls(state, t, self.lookups)
        self.bookmarks = Bookmarks(state, t, self.lookups)
        self.file_ops = FileOps(state, self.lookups, self.file_access)
        self.task_ops = TaskOps(state, t, self.lookups, self.submission, self.engine)
        self.task_queries = TaskQueries(state, t, self.lookups)
        self.endpoint_manager = EndpointManager(state, t, self.lookups, self.task_queries, auth)
        self.admin_actions = AdminActions(
            state, t, self.lookups, self.endpoint_manager, self.engine
        )
        self.pause_rules = PauseRules(state, t, self.lookups, self.engine)
        #: The part serving each API class, for the routes (see :meth:`part`).
        self._by_class: dict[type, object] = {
            type(p): p
            for p in (
                self.endpoint_ops,
                self.endpoint_search,
                self.roles_acls,
                self.bookmarks,
                self.file_ops,
                self.task_ops,
                self.task_queries,
                self.endpoint_manager,
                self.admin_actions,
                self.pause_rules,
            )
        }
        self.reset()

    def part(self, cls: type) -> Any:
        """This model's instance of the part class ``cls`` (the routes bind by class)."""
        return self._by_class[cls]

    @locked
    def reset(self) -> None:
        self.t.clear()
        if self.seed_defaults:
            from mockglobus.transfer.seed import seed_default_world

            seed_default_world(self.building)

    @locked
    def wait_for_task(self, task_id: str, timeout: float = 7 * DAY) -> dict[str, Any]:
        """Run the virtual clock until the task is no longer ACTIVE; returns its owner's
        view of it (for tests driving the model directly)."""
        task = self.t.tasks[task_id]
        self.state.run_until(lambda: task.status != ACTIVE, timeout)
        return self.lookups.task_doc(task)

    @locked
    def file_tree(self, collection_id: str) -> dict[str, Any]:
        """``{path: (kind, size, md5)}`` of a collection's whole tree (test helper)."""
        coll = self.lookups.collection(collection_id)
        view = self._view_as_root(coll)
        out: dict[str, Any] = {}

        def walk(node: Any, parts: Parts) -> None:
            for name, child in sorted(node.children.items()):
                sub = parts + (name,)
                if child.kind == "dir":
                    out[join(sub)] = ("dir", None, None)
                    walk(child, sub)
                elif child.kind == "file":
                    out[join(sub)] = ("file", child.size, child.checksum("MD5"))
                else:
                    out[join(sub)] = ("symlink", child.target, None)

        root = view._node_at(view.root)
        if root is not None:
            walk(root, ())
        return out

    def _view_as_root(self, coll: Collection) -> View:
        if coll.is_guest:
            host = self.lookups.collection(coll.host_id or "")
            assert host.volume is not None
            return View(host.volume, coll.host_root)
        if coll.volume is None:
            raise E.NotSupported(f"{coll.id} has no storage")
        return View(coll.volume)


__all__ = [
    "GUEST_TYPES",
    "RESOURCE_SERVER",
    "TRANSFER_SCOPE",
    "Settings",
    "TaskFault",
    "TransferModel",
    "fs_time",
    "result",
]
