"""The Transfer service's state and rules; knows nothing about HTTP.

Every public method takes ``state.lock`` and settles the scheduler first, so each
answer reflects exactly the virtual time of the call. Methods take a
:class:`~mockglobus.transfer.access.Caller` (who asks) and return plain documents
(dicts) or raise a :class:`~mockglobus.transfer.errors.TransferError`.

:class:`TransferModel` builds the tables (:mod:`.tables`); the rules live one part per
module, each a :class:`~.base.TransferPart`: ``building`` (seed and tests),
``endpoint_ops``, ``endpoint_search``, ``roles_acls``, ``bookmarks``, ``file_access``
and ``file_ops``, ``task_ops`` and ``task_queries``, ``endpoint_manager``,
``admin_actions`` and ``pause_rules``. The :class:`~.engine.TaskEngine` runs tasks.

Not implemented: GCSv4 hosts and servers management, ``local_user`` selection,
timers, streams/tunnels, the v2 bookmark API, deadline extension of busy transfers.
"""

from __future__ import annotations

import itertools
from typing import Any

from mockglobus.locking import locked
from mockglobus.transfer import errors as E
from mockglobus.transfer.admin_actions import AdminActions
from mockglobus.transfer.base import RESOURCE_SERVER, TRANSFER_SCOPE, result
from mockglobus.transfer.bookmarks import Bookmarks
from mockglobus.transfer.building import Building
from mockglobus.transfer.endpoint_manager import EndpointManager
from mockglobus.transfer.endpoint_ops import EndpointOps
from mockglobus.transfer.endpoint_search import EndpointSearch
from mockglobus.transfer.endpoints import GUEST_TYPES, Collection
from mockglobus.transfer.file_access import FileAccess
from mockglobus.transfer.file_ops import FileOps
from mockglobus.transfer.pause_rules import PauseRules
from mockglobus.transfer.roles_acls import RolesAndAcls
from mockglobus.transfer.tables import DAY, Settings, Tables, TaskFault
from mockglobus.transfer.task_ops import TaskOps
from mockglobus.transfer.task_queries import TaskQueries
from mockglobus.transfer.tasks import ACTIVE
from mockglobus.transfer.vfs import Parts, View, fs_time, join


class TransferModel(
    Building, EndpointOps, EndpointSearch, RolesAndAcls, Bookmarks, FileAccess, FileOps,
    TaskOps, TaskQueries, EndpointManager, AdminActions, PauseRules,
):
    """Collections on virtual filesystems, and tasks that really move their files."""

    def __init__(self, state: Any, *, seed_defaults: bool = True) -> None:
        self.state = state
        self.settings = Settings()
        self.seed_defaults = seed_defaults
        from mockglobus.transfer.engine import TaskEngine

        self.engine = TaskEngine(self)
        self.reset()

    @locked
    def reset(self) -> None:
        self.t = Tables()
        self._seq = itertools.count(1)
        self._server_ids = itertools.count(1001)
        self._admin_ids = itertools.count(1)
        if self.seed_defaults:
            from mockglobus.transfer.seed import seed_default_world

            seed_default_world(self)

    @locked
    def wait_for_task(self, task_id: str, timeout: float = 7 * DAY) -> dict[str, Any]:
        """Run the virtual clock until the task is no longer ACTIVE; returns its owner's
        view of it (for tests driving the model directly)."""
        task = self.t.tasks[task_id]
        self.state.run_until(lambda: task.status != ACTIVE, timeout)
        return self.task_doc(task)

    @locked
    def file_tree(self, collection_id: str) -> dict[str, Any]:
        """``{path: (kind, size, md5)}`` of a collection's whole tree (test helper)."""
        coll = self._collection(collection_id)
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
            host = self._collection(coll.host_id or "")
            assert host.volume is not None
            return View(host.volume, coll.host_root)
        if coll.volume is None:
            raise E.NotSupported(f"{coll.id} has no storage")
        return View(coll.volume)


__all__ = ["GUEST_TYPES", "RESOURCE_SERVER", "TRANSFER_SCOPE", "Settings", "TaskFault",
           "TransferModel", "fs_time", "result"]
