"""What the parts of the Transfer model share: the constants, result documents, and
:class:`Lookups` (the clock, collection and task lookups, role checks, documents)."""

from __future__ import annotations

import uuid
from typing import Any

from mockcore.state import ServiceState
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller
from mockglobus.transfer.endpoints import Collection
from mockglobus.transfer.identity import TransferAuth
from mockglobus.transfer.tables import Settings, Tables
from mockglobus.transfer.tasks import Task
from mockglobus.transfer.vfs import FsError, check_path_text

TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"
RESOURCE_SERVER = "transfer.api.globus.org"
#: Roles that may watch (monitor) and act on (manage) other users' tasks.
MONITOR_ROLES = ("administrator", "activity_monitor", "activity_manager")
MANAGER_ROLES = ("administrator", "activity_manager")


def result(code: str, message: str, data_type: str = "result", **extra: Any) -> dict[str, Any]:
    """A result document; the routes add ``request_id`` and ``resource``."""
    return {"DATA_TYPE": data_type, "code": code, "message": message, **extra}


def object_body(body: Any, complaint: str) -> dict[str, Any]:
    """``body`` when it is a JSON object; else the 400 ``BadRequest`` saying ``complaint``."""
    if not isinstance(body, dict):
        raise E.BadRequest(complaint)
    return body


def checked_path(text: Any) -> Any:
    """``text`` when it is usable as a path; else the ``InvalidPath`` the service answers."""
    try:
        check_path_text(text)
    except FsError as exc:
        raise E.InvalidPath(exc.detail, path=str(text)) from None
    return text


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


class Lookups:
    """What every part asks: the time and fresh ids (from ``state``), a collection or an
    owned task by id, a caller's roles and groups (groups from ``auth``), and the
    documents of collections and tasks as a caller sees them."""

    def __init__(
        self, state: ServiceState, tables: Tables, settings: Settings, auth: TransferAuth
    ) -> None:
        self.state = state
        self.t = tables
        self.settings = settings
        self.auth = auth

    def now(self) -> float:
        return self.state.clock.time()

    def new_uuid(self) -> str:
        return str(self.state.ids.uuid4())

    def groups(self, caller: Caller) -> frozenset[str]:
        """The caller's group ids: those its token carried, else Groups' answer (through
        ``auth``); either is current (a membership change drops cached callers)."""
        return caller.group_ids or self.auth.group_ids_of(caller.identity_id)

    def collection(self, endpoint_id: str, *, allow_deleted: bool = False) -> Collection:
        coll = self.t.collections.get(str(endpoint_id))
        if coll is None or (coll.deleted and not allow_deleted):
            raise E.EndpointNotFound(str(endpoint_id))
        return coll

    def roles(self, coll: Collection, caller: Caller) -> list[str]:
        groups = self.groups(caller)
        roles = coll.roles_of(caller.identity_id, groups)
        if coll.is_guest and coll.host_id:
            host = self.t.collections.get(coll.host_id)
            # administrators of the mapped collection administer its guest collections
            if (
                host is not None
                and "administrator" in host.roles_of(caller.identity_id, groups)
                and "administrator" not in roles
            ):
                roles = ["administrator"] + roles
        return roles

    def require_role(self, coll: Collection, caller: Caller, *wanted: str) -> list[str]:
        roles = self.roles(coll, caller)
        if not set(roles) & set(wanted):
            raise E.PermissionDenied(
                f"You do not have the {' or '.join(wanted)} role on endpoint {coll.id}"
            )
        return roles

    def endpoint_doc(self, coll: Collection, caller: Caller) -> dict[str, Any]:
        host = self.t.collections.get(coll.host_id) if coll.host_id else None
        gcs = self.t.collections.get(coll.gcs_endpoint_id) if coll.gcs_endpoint_id else None
        doc = coll.document(viewer_roles=self.roles(coll, caller), host=host, gcs_endpoint=gcs)
        doc["in_use"] = bool(self.t.active_by_endpoint.get(coll.id))
        return doc

    def admin_of(self, caller: Caller, coll: Collection | None, roles: tuple[str, ...]) -> bool:
        """Whether ``caller`` holds one of ``roles`` on ``coll`` or on a host of it."""
        while coll is not None:
            if set(self.roles(coll, caller)) & set(roles):
                return True
            coll = self.t.collections.get(coll.host_id) if coll.host_id else None
        return False

    def require_manager(self, caller: Caller, coll: Collection) -> None:
        if not self.admin_of(caller, coll, MANAGER_ROLES):
            raise E.PermissionDenied(
                f"You do not have the activity_manager role on endpoint {coll.id}"
            )

    def require_monitor(self, caller: Caller, coll: Collection) -> None:
        if not self.admin_of(caller, coll, MONITOR_ROLES):
            raise E.PermissionDenied(f"You do not have a monitoring role on {coll.id}")

    @staticmethod
    def access_list(coll: Collection) -> dict[str, Any]:
        data = [r.document() for r in coll.acl.values()]
        return {"DATA_TYPE": "access_list", "endpoint": coll.id, "length": len(data), "DATA": data}

    def own_task(self, caller: Caller, task_id: str) -> Task:
        task = self.t.tasks.get(str(task_id))
        if task is None or task.owner_id != caller.identity_id:
            raise E.NotFound(f"Task {task_id} not found")
        return task

    def task_doc(self, task: Task, *, admin: bool = False) -> dict[str, Any]:
        s = self.settings
        src = self.t.collections.get(task.source_id)
        dst = self.t.collections.get(task.destination_id or "")
        return task.document(
            now=self.now(),
            bytes_per_second=s.bytes_per_second,
            overhead=s.file_overhead_s,
            source=src,
            destination=dst,
            admin=admin,
            source_host=self.t.collections.get(src.host_id or "") if src else None,
            destination_host=self.t.collections.get(dst.host_id or "") if dst else None,
        )
