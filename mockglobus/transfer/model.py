"""The Transfer service's state and rules; knows nothing about HTTP.

Every public method takes ``state.lock`` and settles the scheduler first, so each
answer reflects exactly the virtual time of the call. Methods take a
:class:`~mockglobus.transfer.access.Caller` (who asks) and return plain documents
(dicts) or raise a :class:`~mockglobus.transfer.errors.TransferError`.

Indexes keep list costs independent of the total number of tasks: tasks by owner
(in submission order), by endpoint, and the active tasks per endpoint.

Not implemented: GCSv4 hosts and servers management, ``local_user`` selection,
timers, streams/tunnels, the v2 bookmark API, deadline extension of busy transfers.
"""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller, Mount
from mockglobus.transfer.endpoints import (
    BOOL_FIELDS,
    ENTITY_TYPES,
    GCP_GUEST,
    GCP_MAPPED,
    GCSV5_ENDPOINT,
    GCSV5_GUEST,
    GUEST_TYPES,
    MAPPED_TYPES,
    PAUSE_FLAGS,
    PRINCIPAL_TYPES_ACL,
    ROLES,
    STR_OR_NULL_FIELDS,
    UPDATABLE_GUEST,
    UPDATABLE_MAPPED,
    AclRule,
    Bookmark,
    Collection,
    PauseRule,
    Server,
)
from mockglobus.transfer.query import (
    StringMatch,
    TimeRange,
    bool_param,
    int_param,
    parse_orderby,
    parse_time,
    sort_by,
    split_clauses,
)
from mockglobus.transfer.tasks import ACTIVE, INACTIVE, Task
from mockglobus.transfer.vfs import (
    FsError,
    Parts,
    User,
    View,
    Volume,
    check_path_text,
    fs_time,
    join,
    normalise,
    split_path,
)

TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"
RESOURCE_SERVER = "transfer.api.globus.org"
LS_FIELDS = ("group", "last_modified", "name", "permissions", "size", "type", "user")
LS_FILTER_FIELDS = ("name", "type", "size", "last_modified", "permissions", "user", "group")
TASK_FILTER_FIELDS = ("task_id", "type", "status", "label", "request_time", "completion_time")
TASK_ORDER_FIELDS = (
    "task_id", "type", "status", "label", "request_time", "completion_time", "deadline",
    "owner_id", "source_endpoint_id", "destination_endpoint_id", "bytes_transferred",
    "files", "faults",
)
STATUSES = ("ACTIVE", "INACTIVE", "SUCCEEDED", "FAILED")
DAY = 86_400.0
DEFAULT_SUBSCRIPTION_ID = "5ab5c12a-7e11-4d0c-8f0e-000000000001"


@dataclass
class Settings:
    """How fast the fake world moves (all virtual seconds / bytes)."""

    bytes_per_second: float = 50_000_000.0
    file_overhead_s: float = 0.5
    op_overhead_s: float = 0.1
    startup_delay_s: float = 1.0
    retry_delay_s: float = 30.0
    progress_interval_s: float = 60.0
    max_active_tasks_per_user: int = 3
    default_deadline_s: float = DAY


@dataclass
class TaskFault:
    """An injected task-time failure (see :meth:`TransferModel.inject_fault`)."""

    collection_id: str
    path_glob: str
    code: str
    times: int | None = 1
    side: str = "any"  # "source" | "destination" | "any"
    fired: int = 0

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


@dataclass
class AdminAction:
    id: int
    kind: str
    message: str
    task_ids: list[str]
    created_by: str
    create_time: float
    done: bool = True

    def document(self) -> dict[str, Any]:
        from mockglobus.transfer.tasks import iso

        return {
            "DATA_TYPE": self.kind,
            "id": self.id,
            "done": self.done,
            "message": self.message,
            "task_id_list": list(self.task_ids),
            "created_by": self.created_by,
            "create_time": iso(self.create_time),
        }


def result(code: str, message: str, data_type: str = "result", **extra: Any) -> dict[str, Any]:
    """A result document; the routes add ``request_id`` and ``resource``."""
    return {"DATA_TYPE": data_type, "code": code, "message": message, **extra}


@dataclass
class _Tables:
    collections: dict[str, Collection] = field(default_factory=dict)
    bookmarks: dict[str, Bookmark] = field(default_factory=dict)
    bookmarks_by_owner: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    pause_rules: dict[str, PauseRule] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    tasks_by_owner: dict[str, list[Task]] = field(default_factory=lambda: defaultdict(list))
    tasks_by_endpoint: dict[str, list[Task]] = field(default_factory=lambda: defaultdict(list))
    active_by_endpoint: dict[str, dict[str, Task]] = field(
        default_factory=lambda: defaultdict(dict))
    submissions: dict[str, str] = field(default_factory=dict)  # submission id -> task id
    issued_submission_ids: set[str] = field(default_factory=set)
    queued: dict[tuple[str, str], deque[Task]] = field(default_factory=lambda: defaultdict(deque))
    running: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    recently_used: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    admin_actions: dict[int, AdminAction] = field(default_factory=dict)
    faults: list[TaskFault] = field(default_factory=list)


class TransferModel:
    """Collections on virtual filesystems, and tasks that really move their files."""

    def __init__(self, state: Any, *, seed_defaults: bool = True) -> None:
        self.state = state
        self.settings = Settings()
        self.seed_defaults = seed_defaults
        from mockglobus.transfer.engine import TaskEngine

        self.engine = TaskEngine(self)
        self.reset()

    # ================================================================ housekeeping ====
    def reset(self) -> None:
        with self.state.lock:
            self.t = _Tables()
            self._seq = itertools.count(1)
            self._server_ids = itertools.count(1001)
            self._admin_ids = itertools.count(1)
            if self.seed_defaults:
                from mockglobus.transfer.seed import seed_default_world

                seed_default_world(self)

    def _now(self) -> float:
        return self.state.clock.time()

    def _settle(self) -> None:
        self.state.scheduler.run_due()

    def _uuid(self) -> str:
        return str(self.state.ids.uuid4())

    def _groups(self, caller: Caller) -> frozenset[str]:
        if caller.group_ids:
            return caller.group_ids
        lookup = getattr(getattr(self.state, "auth", None), "group_ids_of", None)
        if callable(lookup):
            try:
                return frozenset(lookup(caller.identity_id))
            except Exception:  # noqa: BLE001 - auth not knowing groups means no groups
                return frozenset()
        return frozenset()

    # =================================================== building (seed and tests) ====
    def add_gcs_endpoint(self, display_name: str, *, admin: Caller | None = None,
                         id: str | None = None, **attrs: Any) -> Collection:
        """A GCSv5 endpoint (non-functional; hosts mapped collections)."""
        with self.state.lock:
            eid = id or self._uuid()
            coll = Collection(
                id=eid, display_name=display_name, entity_type=GCSV5_ENDPOINT,
                creator_id=admin.identity_id if admin else eid,
                owner_string=f"{eid}@clients.auth.globus.org",
                attrs={"gcs_version": "5.4.80", "public": True,
                       "gcs_manager_url": f"https://{eid[:6]}.{eid[6:8]}.data.globus.org",
                       **attrs},
            )
            coll.server_host = f"{eid[:6]}.{eid[6:8]}.data.globus.org"
            self.t.collections[eid] = coll
            return coll

    def add_mapped_collection(
        self, display_name: str, *, endpoint: Collection | None = None,
        gcp_owner: Caller | None = None, id: str | None = None,
        local_users: dict[str, str] | None = None, map_all_identities: bool = False,
        requires_data_access_consent: bool = False, quota_bytes: int | None = None,
        home_template: str = "/home/{user}/", **attrs: Any,
    ) -> Collection:
        """A GCSv5 mapped collection on ``endpoint``, or a GCP mapped collection of
        ``gcp_owner``; it gets a fresh :class:`Volume`."""
        with self.state.lock:
            cid = id or self._uuid()
            now = self._now()
            if gcp_owner is not None:
                coll = Collection(
                    id=cid, display_name=display_name, entity_type=GCP_MAPPED,
                    creator_id=gcp_owner.identity_id, owner_string=gcp_owner.username,
                    volume=Volume(mtime=now, quota_bytes=quota_bytes),
                    local_users={gcp_owner.identity_id: gcp_owner.local_name(),
                                 **(local_users or {})},
                    home_template=home_template,
                    attrs={"gcp_connected": True, "gcp_paused": False,
                           "globus_connect_setup_key": self._uuid(),
                           "default_directory": "/~/", **attrs},
                )
                coll.server_host = f"gcp-{cid[:8]}.example.net"
            else:
                if endpoint is None:
                    endpoint = self.add_gcs_endpoint(f"{display_name} Endpoint")
                coll = Collection(
                    id=cid, display_name=display_name, entity_type="GCSv5_mapped_collection",
                    creator_id=endpoint.creator_id,
                    owner_string=endpoint.owner_string, gcs_endpoint_id=endpoint.id,
                    host_id=endpoint.id,
                    volume=Volume(mtime=now, quota_bytes=quota_bytes),
                    local_users=dict(local_users or {}), map_all_identities=map_all_identities,
                    requires_data_access_consent=requires_data_access_consent,
                    home_template=home_template,
                    attrs={"gcs_version": endpoint.attrs.get("gcs_version"),
                           "gcs_manager_url": endpoint.attrs.get("gcs_manager_url"),
                           "default_directory": "/~/", **attrs},
                )
                coll.server_host = endpoint.server_host
                coll.roles.update(
                    {r.id: r for r in endpoint.roles.values()}
                )
            coll.servers = [Server(next(self._server_ids), coll.server_host)]
            self.t.collections[cid] = coll
            return coll

    def add_guest_collection(self, display_name: str, *, host: Collection, owner: Caller,
                             host_path: str = "/", id: str | None = None,
                             **attrs: Any) -> Collection:
        """A guest collection of ``owner`` sharing ``host_path`` of ``host`` (no checks)."""
        with self.state.lock:
            cid = id or self._uuid()
            kind = GCP_GUEST if host.entity_type == GCP_MAPPED else GCSV5_GUEST
            coll = Collection(
                id=cid, display_name=display_name, entity_type=kind,
                creator_id=owner.identity_id, owner_string=owner.username,
                host_root=tuple(split_path(host_path)), host_id=host.id,
                gcs_endpoint_id=host.gcs_endpoint_id,
                attrs={"local_user": self._local_user(host, owner),
                       "gcs_version": host.attrs.get("gcs_version"),
                       "gcs_manager_url": host.attrs.get("gcs_manager_url"),
                       "default_directory": "/", **attrs},
            )
            coll.server_host = host.server_host
            coll.servers = [Server(next(self._server_ids), coll.server_host)]
            self.t.collections[cid] = coll
            return coll

    def inject_fault(self, collection_id: str, code: str = "CONNECTION_RESET", *,
                     path_glob: str = "*", times: int | None = 1,
                     side: str = "any") -> TaskFault:
        """Make task subtasks touching matching paths fail with ``code``.

        ``VERIFY_CHECKSUM`` corrupts the copied data (caught only with
        ``verify_checksum``); ``QUOTA_EXCEEDED`` behaves like a full disk; ``AUTH`` makes
        the task INACTIVE until :meth:`reactivate_task`; other codes are transient
        faults retried after ``settings.retry_delay_s``.
        """
        with self.state.lock:
            fault = TaskFault(collection_id, path_glob, code, times, side)
            self.t.faults.append(fault)
            return fault

    def reactivate_task(self, task_id: str) -> None:
        """What renewing credentials does to an INACTIVE task: it resumes."""
        with self.state.lock:
            self._settle()
            task = self.t.tasks[task_id]
            self.engine.reactivate(task, self._now())

    def set_gcp_connected(self, collection_id: str, connected: bool) -> None:
        with self.state.lock:
            self._settle()
            self.t.collections[collection_id].attrs["gcp_connected"] = connected

    # ================================================================ collections =====
    def _collection(self, endpoint_id: str, *, allow_deleted: bool = False) -> Collection:
        coll = self.t.collections.get(str(endpoint_id))
        if coll is None or (coll.deleted and not allow_deleted):
            raise E.EndpointNotFound(str(endpoint_id))
        return coll

    def _roles(self, coll: Collection, caller: Caller) -> list[str]:
        roles = coll.roles_of(caller.identity_id, self._groups(caller))
        if coll.is_guest and coll.host_id:
            host = self.t.collections.get(coll.host_id)
            # administrators of the mapped collection administer its guest collections
            if host is not None and "administrator" in host.roles_of(
                    caller.identity_id, self._groups(caller)) and "administrator" not in roles:
                roles = ["administrator"] + roles
        return roles

    def _require_role(self, coll: Collection, caller: Caller, *wanted: str) -> list[str]:
        roles = self._roles(coll, caller)
        if not set(roles) & set(wanted):
            raise E.PermissionDenied(
                f"You do not have the {' or '.join(wanted)} role on endpoint {coll.id}"
            )
        return roles

    def _doc(self, coll: Collection, caller: Caller) -> dict[str, Any]:
        host = self.t.collections.get(coll.host_id) if coll.host_id else None
        gcs = self.t.collections.get(coll.gcs_endpoint_id) if coll.gcs_endpoint_id else None
        doc = coll.document(viewer_roles=self._roles(coll, caller), host=host, gcs_endpoint=gcs)
        doc["in_use"] = bool(self.t.active_by_endpoint.get(coll.id))
        return doc

    def get_endpoint(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            return self._doc(self._collection(endpoint_id), caller)

    def update_endpoint(self, caller: Caller, endpoint_id: str, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._collection(endpoint_id)
            if not isinstance(body, dict):
                raise E.BadRequest("Expected a JSON object of endpoint fields")
            self._require_role(coll, caller, "administrator")
            if not coll.is_gcp:
                raise E.BadRequest(
                    "Globus Connect Server v5 endpoints and collections are managed with "
                    "the GCS Manager API, not Transfer"
                )
            allowed = UPDATABLE_GUEST if coll.is_guest else UPDATABLE_MAPPED
            changes: dict[str, Any] = {}
            for key, value in body.items():
                if key not in allowed:
                    continue  # read-only fields of a round-tripped document are ignored
                if key in BOOL_FIELDS and not isinstance(value, bool):
                    raise E.BadRequest(f"Invalid value for '{key}': must be a boolean")
                if key in STR_OR_NULL_FIELDS and value is not None and not isinstance(value, str):
                    raise E.BadRequest(f"Invalid value for '{key}': must be a string or null")
                if key == "display_name" and not (isinstance(value, str) and value.strip()):
                    raise E.BadRequest("display_name must be a non-empty string")
                if key == "default_directory" and value is not None:
                    try:
                        check_path_text(value)
                    except FsError as exc:
                        raise E.InvalidPath(exc.detail, path=value) from None
                changes[key] = value
            for key, value in changes.items():
                if key == "display_name":
                    coll.display_name = value
                elif key == "owner_string":
                    coll.owner_string = value
                else:
                    coll.attrs[key] = value
            return result("Updated", "Endpoint updated successfully")

    def delete_endpoint(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._collection(endpoint_id)
            self._require_role(coll, caller, "administrator")
            if not coll.is_gcp:
                raise E.BadRequest(
                    "Globus Connect Server v5 endpoints and collections are deleted with "
                    "the GCS Manager API, not Transfer"
                )
            coll.deleted = True
            return result("Deleted", "Endpoint deleted successfully")

    def set_subscription_id(self, caller: Caller, endpoint_id: str, body: Any) -> dict:
        with self.state.lock:
            self._settle()
            coll = self._collection(endpoint_id)
            if not isinstance(body, dict) or "subscription_id" not in body:
                raise E.BadRequest("Could not parse JSON: expected {'subscription_id': ...}")
            value = body["subscription_id"]
            self._require_role(coll, caller, "administrator")
            if value == "DEFAULT":
                value = coll.attrs.get("subscription_id") or self._default_subscription()
            elif value is not None and not _is_uuid(value):
                raise E.BadRequest(f"Invalid subscription_id '{value}'")
            coll.attrs["subscription_id"] = value
            if value is None:
                coll.attrs["subscription_admin_verified"] = False
            return result("Updated", "Endpoint updated successfully")

    def _default_subscription(self) -> str:
        return DEFAULT_SUBSCRIPTION_ID

    def set_subscription_admin_verified(self, caller: Caller, endpoint_id: str,
                                        body: Any) -> dict:
        with self.state.lock:
            self._settle()
            coll = self._collection(endpoint_id)
            value = body.get("subscription_admin_verified") if isinstance(body, dict) else None
            if not isinstance(value, bool):
                raise E.BadRequest(
                    "Could not parse JSON: subscription_admin_verified must be a boolean"
                )
            if not coll.attrs.get("subscription_id"):
                raise E.BadRequest(
                    "The collection must be associated with a subscription to set "
                    "subscription_admin_verified"
                )
            if "administrator" not in self._roles(coll, caller):
                raise E.PermissionDenied(
                    "User does not have an admin role on the collection's subscription to "
                    "set subscription_admin_verified"
                )
            coll.attrs["subscription_admin_verified"] = value
            return result("Updated", "Endpoint updated successfully")

    def create_endpoint(self, caller: Caller, body: Any) -> dict[str, Any]:
        """``POST /endpoint``: only Globus Connect Personal mapped collections."""
        with self.state.lock:
            self._settle()
            if not isinstance(body, dict):
                raise E.BadRequest("Expected an endpoint document")
            if not body.get("is_globus_connect"):
                raise E.BadRequest(
                    "Only Globus Connect Personal endpoints can be created through Transfer"
                )
            name = body.get("display_name")
            if not isinstance(name, str) or not name.strip():
                raise E.BadRequest("display_name is required")
            extras = {k: v for k, v in body.items()
                      if k in UPDATABLE_MAPPED and k not in ("display_name", "owner_string")}
            coll = self.add_mapped_collection(name, gcp_owner=caller, **extras)
            coll.attrs["gcp_connected"] = False  # until its GCP client connects
            return result("Created", "Endpoint created", "endpoint_create_result",
                          id=coll.id,
                          globus_connect_setup_key=coll.attrs["globus_connect_setup_key"],
                          canonical_name=f"{caller.username.split('@')[0]}#{coll.id}")

    def create_shared_endpoint(self, caller: Caller, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            if not isinstance(body, dict):
                raise E.BadRequest("Expected a shared_endpoint document")
            host_id = body.get("host_endpoint_id") or body.get("host_endpoint")
            if not isinstance(host_id, str):
                raise E.BadRequest("host_endpoint_id is required")
            host = self._collection(host_id)
            if host.entity_type not in MAPPED_TYPES:
                raise E.BadRequest(f"Endpoint {host.id} does not support sharing")
            name = body.get("display_name")
            if not isinstance(name, str) or not name.strip():
                raise E.BadRequest("display_name is required")
            path = body.get("host_path")
            if not isinstance(path, str):
                raise E.BadRequest("host_path is required")
            mount = self._mount(host, caller, purpose="share")
            parts = self._parts(mount, path)
            try:
                found = mount.view.lookup(parts, mount.user, text=path)
            except FsError as exc:
                raise self._fs_error(exc, mount, "stat", path) from None
            if found.node is None or found.node.kind != "dir":
                raise E.BadRequest(f"host_path '{path}' is not a directory")
            guest = self.add_guest_collection(
                name, host=host, owner=caller, host_path=join(found.parts, trailing=True),
                **{k: v for k, v in body.items()
                   if k in UPDATABLE_GUEST and k not in ("display_name", "owner_string")},
            )
            return result("Created", "Shared endpoint created successfully",
                          "endpoint_create_result", id=guest.id, globus_connect_setup_key=None,
                          canonical_name=f"{caller.username.split('@')[0]}#{guest.id}")

    def my_shared_endpoint_list(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            host = self._collection(endpoint_id)
            data = [self._doc(c, caller) for c in self.t.collections.values()
                    if c.host_id == host.id and c.is_guest and not c.deleted
                    and c.creator_id == caller.identity_id]
            return {"DATA_TYPE": "endpoint_list", "DATA": data}

    def shared_endpoint_list(self, caller: Caller, endpoint_id: str, *,
                             max_results: str | None, next_token: str | None) -> dict:
        with self.state.lock:
            self._settle()
            host = self._collection(endpoint_id)
            self._require_role(host, caller, "administrator", "activity_monitor",
                               "activity_manager")
            size = int_param(max_results, "max_results", default=1000, minimum=1, maximum=1000)
            start = int_param(next_token, "next_token", default=0)
            guests = [c for c in self.t.collections.values()
                      if c.host_id == host.id and c.is_guest and not c.deleted]
            page = guests[start:start + size]
            more = start + size < len(guests)
            return {"shared_endpoints": [self._doc(c, caller) for c in page],
                    "next_token": str(start + size) if more else None}

    def endpoint_search(self, caller: Caller, args: dict[str, str | None]) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            scope = args.get("filter_scope") or "all"
            text = (args.get("filter_fulltext") or "").strip()
            limit = int_param(args.get("limit"), "limit", default=25, minimum=1, maximum=100)
            offset = int_param(args.get("offset"), "offset", default=0, maximum=999)
            if offset + limit > 1000:
                raise E.BadRequest("offset + limit must not exceed 1000")
            entity_type = args.get("filter_entity_type")
            non_functional = args.get("filter_non_functional")
            if entity_type and non_functional not in (None, ""):
                raise E.BadRequest(
                    "filter_entity_type and filter_non_functional are mutually exclusive"
                )
            if entity_type and entity_type not in ENTITY_TYPES:
                raise E.BadRequest(f"Invalid filter_entity_type '{entity_type}'")
            scopes = {
                "all", "my-endpoints", "my-gcp-endpoints", "recently-used", "in-use",
                "shared-by-me", "shared-with-me", "hide-no-permissions", "administered-by-me",
            }
            if scope not in scopes:
                raise E.BadRequest(
                    f"Invalid filter_scope '{scope}'; valid scopes are: "
                    + ", ".join(sorted(scopes))
                )
            if scope == "all" and not text:
                raise E.BadRequest("filter_fulltext is required when filter_scope is 'all'")
            nf = None if non_functional in (None, "") else bool_param(
                non_functional, "filter_non_functional", default=False)
            owner = args.get("filter_owner_id")
            host_ep = args.get("filter_host_endpoint")
            words = [w.lower() for w in text.split()]
            hits: list[tuple[float, Collection]] = []
            recent = self.t.recently_used.get(caller.identity_id, {})
            for coll in self.t.collections.values():
                if coll.deleted:
                    continue
                roles = self._roles(coll, caller)
                if not self._in_scope(scope, coll, caller, roles, recent):
                    continue
                if entity_type and coll.entity_type != entity_type:
                    continue
                if nf is not None and (coll.entity_type == GCSV5_ENDPOINT) != nf:
                    continue
                if owner and owner not in (coll.creator_id, coll.gcs_endpoint_id, coll.id):
                    continue
                if host_ep and coll.host_id != host_ep:
                    continue
                rank = 1.0
                if words:
                    rank = self._rank(coll, words)
                    if rank <= 0:
                        continue
                hits.append((rank, coll))
            if scope == "recently-used":
                hits.sort(key=lambda h: -recent.get(h[1].id, 0.0))
            else:
                hits.sort(key=lambda h: (-h[0], h[1].display_name.lower(), h[1].id))
            page = hits[offset:offset + limit]
            data = []
            for rank, coll in page:
                doc = self._doc(coll, caller)
                doc["_rank"] = round(rank, 4)
                data.append(doc)
            return {"DATA_TYPE": "endpoint_list", "DATA": data, "limit": limit,
                    "offset": offset, "has_next_page": offset + limit < min(len(hits), 1000)}

    def _in_scope(self, scope: str, coll: Collection, caller: Caller, roles: list[str],
                  recent: dict[str, float]) -> bool:
        mine = coll.creator_id == caller.identity_id
        if scope == "my-endpoints":
            return mine and coll.entity_type != GCSV5_ENDPOINT or (
                coll.entity_type == GCSV5_ENDPOINT and "administrator" in roles)
        if scope == "my-gcp-endpoints":
            return mine and coll.entity_type == GCP_MAPPED
        if scope == "recently-used":
            return coll.id in recent
        if scope == "in-use":
            return any(t.owner_id == caller.identity_id
                       for t in self.t.active_by_endpoint.get(coll.id, {}).values())
        if scope == "shared-by-me":
            return mine and coll.is_guest
        if scope == "shared-with-me":
            return coll.is_guest and not mine and any(
                r.principal_type == "identity" and r.principal == caller.identity_id
                for r in coll.acl.values())
        if scope == "administered-by-me":
            return "administrator" in roles
        visible = (bool(coll.attrs.get("public")) or bool(roles) or mine
                   or (coll.is_guest and bool(coll.acl_permissions(
                       caller.identity_id, tuple(), self._groups(caller)) or any(
                       r.principal in (caller.identity_id, "") for r in coll.acl.values()))))
        if scope == "hide-no-permissions":
            return visible and (bool(roles) or mine or not coll.is_guest)
        return visible

    @staticmethod
    def _rank(coll: Collection, words: list[str]) -> float:
        fields = [coll.display_name, coll.id, coll.owner_string] + [
            str(coll.attrs.get(k) or "") for k in
            ("description", "organization", "department", "keywords")
        ]
        haystack = [f.lower() for f in fields]
        score = 0.0
        for word in words:
            if word in haystack[0]:
                score += 2.0
            elif any(word in f for f in haystack[1:]):
                score += 1.0
            else:
                return 0.0
        return score / len(words)

    def server_list(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._collection(endpoint_id)
            return {"DATA_TYPE": "endpoint_server_list", "endpoint": coll.id,
                    "DATA": [s.document() for s in coll.servers]}

    def get_server(self, caller: Caller, endpoint_id: str, server_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._collection(endpoint_id)
            for server in coll.servers:
                if str(server.id) == str(server_id):
                    return server.document()
            raise E.NotFound(f"Server '{server_id}' not found on endpoint {coll.id}")

    # --- SDK 3 activation ---------------------------------------------------------------
    def autoactivate(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._collection(endpoint_id)
            doc = self._activation_doc(coll)
            doc.update(code="AlreadyActivated",
                       message=f"Endpoint does not require activation ({coll.display_name})")
            return doc

    def activation_requirements(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            return self._activation_doc(self._collection(endpoint_id))

    def activate(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        return self.autoactivate(caller, endpoint_id)

    def deactivate(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._collection(endpoint_id)
            return result("NotActivated", f"Endpoint {coll.display_name} does not use "
                          "activation; nothing to deactivate")

    @staticmethod
    def _activation_doc(coll: Collection) -> dict[str, Any]:
        return {
            "DATA_TYPE": "activation_requirements",
            "endpoint": coll.id,
            "activated": True,
            "auto_activation_supported": True,
            "expires_in": -1,
            "expire_time": None,
            "length": 0,
            "oauth_server": None,
            "DATA": [],
        }

    # ================================================================ roles =============
    def role_list(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._collection(endpoint_id)
            self._require_role(coll, caller, *ROLES)
            return {"DATA_TYPE": "role_list",
                    "DATA": [r.document() for r in coll.roles.values()]}

    def add_role(self, caller: Caller, endpoint_id: str, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._collection(endpoint_id)
            self._require_role(coll, caller, "administrator")
            if not isinstance(body, dict):
                raise E.BadRequest("Expected a role document")
            ptype, principal, role = (body.get("principal_type"), body.get("principal"),
                                      body.get("role"))
            if ptype not in ("identity", "group"):
                raise E.BadRequest("principal_type must be 'identity' or 'group'")
            if not isinstance(principal, str) or not _is_uuid(principal):
                raise E.BadRequest(f"Invalid principal '{principal}': must be a UUID")
            if role not in ROLES:
                raise E.BadRequest(f"Invalid role '{role}'; valid roles are: {', '.join(ROLES)}")
            for existing in coll.roles.values():
                if (existing.principal_type, existing.principal, existing.role) == (
                        ptype, principal, role):
                    raise E.Conflict(f"A role '{role}' for {ptype} {principal} already exists")
            from mockglobus.transfer.endpoints import Role

            new = Role(self._uuid(), ptype, principal, role)
            coll.roles[new.id] = new
            doc = new.document()
            doc.update(code="Created", message="Role assigned successfully")
            return doc

    def get_role(self, caller: Caller, endpoint_id: str, role_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._collection(endpoint_id)
            self._require_role(coll, caller, *ROLES)
            role = coll.roles.get(role_id)
            if role is None:
                raise E.NotFound(f"Role '{role_id}' not found on endpoint {coll.id}")
            return role.document()

    def delete_role(self, caller: Caller, endpoint_id: str, role_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._collection(endpoint_id)
            self._require_role(coll, caller, "administrator")
            if coll.roles.pop(role_id, None) is None:
                raise E.NotFound(f"Role '{role_id}' not found on endpoint {coll.id}")
            return result("Deleted", f"Role '{role_id}' deleted successfully")

    # ================================================================ ACL rules =========
    def _acl_collection(self, caller: Caller, endpoint_id: str) -> Collection:
        coll = self._collection(endpoint_id)
        if not coll.is_guest:
            raise E.NotSupported(f"Endpoint {coll.id} does not support access rules")
        self._require_role(coll, caller, "administrator", "access_manager")
        return coll

    def acl_list(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._acl_collection(caller, endpoint_id)
            data = [r.document() for r in coll.acl.values()]
            return {"DATA_TYPE": "access_list", "endpoint": coll.id, "length": len(data),
                    "DATA": data}

    def get_acl_rule(self, caller: Caller, endpoint_id: str, rule_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._acl_collection(caller, endpoint_id)
            rule = coll.acl.get(rule_id)
            if rule is None:
                raise E.NotFound(f"Access rule '{rule_id}' not found")
            return rule.document()

    def add_acl_rule(self, caller: Caller, endpoint_id: str, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._acl_collection(caller, endpoint_id)
            if not isinstance(body, dict):
                raise E.BadRequest("Expected an access document")
            ptype, principal = body.get("principal_type"), body.get("principal", "")
            if ptype not in PRINCIPAL_TYPES_ACL:
                raise E.BadRequest(
                    f"Invalid principal_type '{ptype}'; valid types are: "
                    + ", ".join(PRINCIPAL_TYPES_ACL)
                )
            if ptype in ("identity", "group"):
                if not isinstance(principal, str) or not _is_uuid(principal):
                    raise E.BadRequest(f"Invalid principal '{principal}': must be a UUID")
            else:
                principal = ""
            perms = body.get("permissions")
            if perms not in ("r", "rw"):
                raise E.BadRequest("permissions must be 'r' or 'rw'")
            path = body.get("path")
            if not isinstance(path, str) or not path.startswith("/"):
                raise E.BadRequest("path must be an absolute path (starting with '/')")
            try:
                check_path_text(path)
            except FsError as exc:
                raise E.InvalidPath(exc.detail, path=path) from None
            if not path.endswith("/"):
                raise E.BadRequest("path must be a directory path ending in '/'")
            norm = join(tuple(split_path(path)), trailing=True) if split_path(path) else "/"
            for rule in coll.acl.values():
                if (rule.principal_type, rule.principal, rule.path) == (ptype, principal, norm):
                    raise E.AclExists(
                        f"Access rule for {ptype} '{principal}' on '{norm}' already exists"
                    )
            rule = AclRule(self._uuid(), ptype, principal, norm, perms, self._now(),
                           expiration_date=body.get("expiration_date"),
                           notify_email=body.get("notify_email"))
            coll.acl[rule.id] = rule
            return result("Created", "Access rule created successfully.",
                          "access_create_result", access_id=rule.id)

    def update_acl_rule(self, caller: Caller, endpoint_id: str, rule_id: str,
                        body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._acl_collection(caller, endpoint_id)
            rule = coll.acl.get(rule_id)
            if rule is None:
                raise E.NotFound(f"Access rule '{rule_id}' not found")
            if not isinstance(body, dict):
                raise E.BadRequest("Expected an access document")
            if "permissions" in body:
                if body["permissions"] not in ("r", "rw"):
                    raise E.BadRequest("permissions must be 'r' or 'rw'")
                rule.permissions = body["permissions"]
            if "expiration_date" in body:
                rule.expiration_date = body["expiration_date"]
            return result("Updated", f"Access rule '{rule_id}' updated successfully")

    def delete_acl_rule(self, caller: Caller, endpoint_id: str, rule_id: str) -> dict:
        with self.state.lock:
            self._settle()
            coll = self._acl_collection(caller, endpoint_id)
            if coll.acl.pop(rule_id, None) is None:
                raise E.NotFound(f"Access rule '{rule_id}' not found")
            return result("Deleted", f"Access rule '{rule_id}' deleted successfully")

    # ================================================================ bookmarks =========
    def bookmark_list(self, caller: Caller) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            ids = self.t.bookmarks_by_owner.get(caller.identity_id, [])
            return {"DATA_TYPE": "bookmark_list",
                    "DATA": [self.t.bookmarks[i].document() for i in ids]}

    def _bookmark(self, caller: Caller, bookmark_id: str) -> Bookmark:
        mark = self.t.bookmarks.get(bookmark_id)
        if mark is None or mark.owner_id != caller.identity_id:
            raise E.NotFound(f"Bookmark '{bookmark_id}' not found")
        return mark

    def _check_bookmark_name(self, caller: Caller, name: Any, skip: str | None = None) -> str:
        if not isinstance(name, str) or not name.strip() or len(name) > 128:
            raise E.BadRequest("name must be a non-empty string of at most 128 characters")
        for other in self.t.bookmarks_by_owner.get(caller.identity_id, []):
            if other != skip and self.t.bookmarks[other].name == name:
                raise E.Conflict(f"A bookmark named '{name}' already exists")
        return name

    def create_bookmark(self, caller: Caller, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            if not isinstance(body, dict):
                raise E.BadRequest("Expected a bookmark document")
            name = self._check_bookmark_name(caller, body.get("name"))
            endpoint_id = body.get("endpoint_id")
            if not isinstance(endpoint_id, str):
                raise E.BadRequest("endpoint_id is required")
            coll = self._collection(endpoint_id)
            path = body.get("path")
            if not isinstance(path, str) or not path.startswith("/"):
                raise E.BadRequest("path must be an absolute path (starting with '/')")
            try:
                check_path_text(path)
            except FsError as exc:
                raise E.InvalidPath(exc.detail, path=path) from None
            mark = Bookmark(self._uuid(), caller.identity_id, name, coll.id, path,
                            pinned=bool(body.get("pinned", False)))
            self.t.bookmarks[mark.id] = mark
            self.t.bookmarks_by_owner[caller.identity_id].append(mark.id)
            return mark.document()

    def get_bookmark(self, caller: Caller, bookmark_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            return self._bookmark(caller, bookmark_id).document()

    def update_bookmark(self, caller: Caller, bookmark_id: str, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            mark = self._bookmark(caller, bookmark_id)
            if not isinstance(body, dict):
                raise E.BadRequest("Expected a bookmark document")
            if "name" in body:
                mark.name = self._check_bookmark_name(caller, body["name"], skip=mark.id)
            if "pinned" in body:
                mark.pinned = bool(body["pinned"])
            return mark.document()

    def delete_bookmark(self, caller: Caller, bookmark_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            mark = self._bookmark(caller, bookmark_id)
            del self.t.bookmarks[mark.id]
            self.t.bookmarks_by_owner[caller.identity_id].remove(mark.id)
            return result("Deleted", f"Bookmark '{mark.id}' deleted successfully")

    # ================================================================ file access =======
    def _local_user(self, coll: Collection, caller: Caller) -> str | None:
        name = coll.local_users.get(caller.identity_id)
        if name is None and coll.map_all_identities:
            name = caller.local_name()
        return name

    def _mount(self, coll: Collection, caller: Caller, *, purpose: str = "op",
               check_consent: bool = True) -> Mount:
        """How ``caller`` sees ``coll``; raises the error the real service gives when
        it cannot see it at all."""
        if coll.entity_type == GCSV5_ENDPOINT:
            raise E.NotSupported(
                f"'{coll.display_name}' ({coll.id}) is a Globus Connect Server v5 endpoint, "
                "not a collection; use one of its collections for file operations"
            )
        if check_consent:
            self._check_consent(coll, caller)
        if coll.is_guest:
            host = self._collection(coll.host_id or "")
            assert host.volume is not None
            roles = self._roles(coll, caller)
            owner_like = bool({"administrator", "access_manager"} & set(roles))
            groups = self._groups(caller)

            def grant(parts: Parts) -> str:
                if owner_like:
                    return "rw"
                return coll.acl_permissions(caller.identity_id, parts, groups)

            user = User(coll.attrs.get("local_user") or "nobody")
            home = tuple(split_path(coll.attrs.get("default_directory") or "/"))
            if not owner_like and not any(
                    r.principal_type in ("anonymous", "all_authenticated_users")
                    or r.principal == caller.identity_id or r.principal in groups
                    for r in coll.acl.values()):
                raise E.EndpointPermissionDenied(E.endpoint_transcript(
                    "Denied by endpoint", coll, "MLST /",
                    "Permission denied", "You do not have access to this guest collection"))
            return Mount(coll, View(host.volume, coll.host_root), user, home, grant, roles)
        assert coll.volume is not None
        local = self._local_user(coll, caller)
        if local is None:
            raise E.EndpointPermissionDenied(E.endpoint_transcript(
                "Denied by endpoint", coll, "SITE AUTHZ",
                "Permission denied",
                f"No local account is mapped for identity {caller.username}"))
        home_text = coll.home_template.format(user=local)
        home = tuple(split_path(home_text))
        if home and coll.volume.root is not None:
            view = View(coll.volume)
            probe = view._node_at(home)
            if probe is None:
                coll.volume.put_dir(join(home[:-1]), mtime=self._now())
                coll.volume.put_dir(join(home), user=local, mode=0o700, mtime=self._now())
        return Mount(coll, View(coll.volume), User(local), home, None,
                     self._roles(coll, caller))

    def _check_consent(self, coll: Collection, caller: Caller) -> None:
        """A collection that needs a ``data_access`` consent refuses callers whose user
        has not given it (beneath the Transfer scope of their token)."""
        if not coll.requires_data_access_consent or coll.attrs.get("high_assurance"):
            return
        scope = f"https://auth.globus.org/scopes/{coll.id}/data_access"
        if caller.has_data_access(coll.id):
            return
        auth = getattr(self.state, "auth", None)
        check = getattr(auth, "check_access_token", None)
        if caller.token and callable(check):
            from mockglobus.auth import errors as auth_errors

            try:
                check(caller.token, RESOURCE_SERVER, scope)
                return
            except auth_errors.ConsentRequired as exc:
                raise E.ConsentRequired(exc.required_scopes) from None
            except auth_errors.TokenRejected as exc:
                raise E.AuthenticationFailed(exc.message) from None
        raise E.ConsentRequired([f"{TRANSFER_SCOPE}[*{scope}]"])

    def _parts(self, mount: Mount, path: Any) -> Parts:
        try:
            return normalise(path, mount.home)
        except FsError as exc:
            raise E.InvalidPath(exc.detail, path=str(path)) from None

    def _fs_error(self, exc: FsError, mount: Mount, op: str, path: str) -> E.TransferError:
        coll = mount.collection
        cmd = {"ls": "MLSD", "stat": "MLST", "mkdir": "MKD", "rename": "RNFR"}.get(op, op)
        if exc.kind == FsError.INVALID_PATH:
            return E.InvalidPath(exc.detail, path=path)
        if exc.kind == FsError.NOT_FOUND:
            text = E.endpoint_transcript(
                "Path not found" if op == "stat" else "Directory not found"
                if op == "ls" else "Path not found",
                coll, f"{cmd} {path}", "No such file or directory",
                f"550-GlobusError: v=1 c=PATH_NOT_FOUND\\r\\n550 '{path}' not found.\\r\\n")
            if op == "stat":
                return E.PathNotFound(text)
            if op == "rename":
                return E.EndpointError(text)
            return E.NotFound(text)
        if exc.kind == FsError.NOT_DIR:
            text = E.endpoint_transcript(
                "Not a directory", coll, f"{cmd} {path}", "Not a directory",
                f"500-Path '{path}' is not a directory\\r\\n")
            if op == "ls":
                return E.DirListingNotDirectory(text)
            return E.EndpointError(text)
        if exc.kind == FsError.PERMISSION:
            text = E.endpoint_transcript(
                "Denied by endpoint" if op != "ls" else "Permission denied", coll,
                f"{cmd} {path}", "Permission denied",
                f"550-GlobusError: v=1 c=PERMISSION_DENIED\\r\\n550 '{path}': Permission "
                "denied.\\r\\n")
            if op == "ls":
                return E.DirListingPermissionDenied(text)
            if op == "mkdir":
                return E.MkdirPermissionDenied(text)
            return E.EndpointPermissionDenied(text)
        if exc.kind == FsError.EXISTS:
            text = E.endpoint_transcript(
                "Path already exists", coll, f"{cmd} {path}", "File exists",
                f"550-GlobusError: v=1 c=PATH_EXISTS\\r\\n550 '{path}' already exists.\\r\\n")
            if op == "mkdir":
                return E.MkdirExists(text)
            return E.EndpointError(text)
        if exc.kind == FsError.LOOP:
            return E.EndpointError(E.endpoint_transcript(
                "Error", coll, f"{cmd} {path}", "Too many levels of symbolic links", path))
        return E.EndpointError(E.endpoint_transcript(
            "Error", coll, f"{cmd} {path}", exc.kind.replace("_", " "), exc.detail or path))

    def _gate(self, mount: Mount, parts: Parts, need: str, op: str, path: str) -> None:
        if not mount.allows(parts, need):
            raise self._fs_error(FsError(FsError.PERMISSION, path), mount, op, path)

    def _paused_op(self, coll: Collection, caller: Caller, flag: str) -> None:
        now = self._now()
        for rule in self.t.pause_rules.values():
            if (rule.endpoint_id in (coll.id, coll.host_id) and rule.flags.get(flag)
                    and rule.active(now) and rule.applies_to(caller.identity_id)):
                raise E.OperationPaused(
                    f"Operation paused by a pause rule on endpoint {rule.endpoint_display_name}"
                    f": {rule.message}"
                )

    def _file_op_prelude(self, caller: Caller, endpoint_id: str, flag: str, op: str) -> Mount:
        coll = self._collection(endpoint_id)
        if coll.is_gcp:
            host = self.t.collections.get(coll.host_id or "") if coll.is_guest else coll
            if host is not None and not host.attrs.get("gcp_connected", True):
                if op == "ls":
                    raise E.DirListingGCDisconnected()
                raise E.EndpointError("The GCP endpoint is not currently connected to Globus")
        mount = self._mount(coll, caller)
        self._paused_op(coll, caller, flag)
        self.t.recently_used[caller.identity_id][coll.id] = self._now()
        return mount

    def operation_ls(self, caller: Caller, endpoint_id: str, *, path: str | None = None,
                     show_hidden: str | None = None, orderby: str | None = None,
                     limit: str | None = None, offset: str | None = None,
                     filters: list[str] | None = None) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            mount = self._file_op_prelude(caller, endpoint_id, "pause_ls", "ls")
            hidden = bool_param(show_hidden, "show_hidden", default=True)
            order = parse_orderby(orderby, LS_FIELDS) or [("name", False)]
            lim = int_param(limit, "limit", default=100_000, maximum=100_000)
            off = int_param(offset, "offset", default=0, maximum=100_000)
            predicates = [self._ls_predicate(f) for f in (filters or []) if f]
            requested = path if path not in (None, "") else (
                mount.collection.attrs.get("default_directory") or "/~/")
            parts = self._parts(mount, requested)
            try:
                found = mount.view.lookup(parts, mount.user, text=requested)
            except FsError as exc:
                raise self._fs_error(exc, mount, "ls", requested) from None
            if found.node is None or found.node.kind != "dir":
                raise self._fs_error(FsError(FsError.NOT_DIR, requested), mount, "ls",
                                     requested)
            self._gate(mount, found.parts, "r", "ls", requested)
            if not mount.user.may(found.node, 5):
                raise self._fs_error(FsError(FsError.PERMISSION, requested), mount, "ls",
                                     requested)
            docs = []
            for name, child in found.node.children.items():  # type: ignore[attr-defined]
                if not hidden and name.startswith("."):
                    continue
                doc = mount.view.file_doc(name, child, found.parts, mount.user)
                if predicates and not any(p(doc) for p in predicates):
                    continue
                docs.append(doc)
            docs = sort_by(docs, order, lambda d, k: d[k])
            total = len(docs)
            page = docs[off:off + lim]
            return {
                "DATA_TYPE": "file_list",
                "DATA": page,
                "endpoint": mount.collection.id,
                "path": self._shown_path(requested, parts, mount),
                "absolute_path": join(found.parts, trailing=True) if found.parts else "/",
                "rename_supported": True,
                "symlink_supported": False,
                "length": len(page),
                "total": total,
            }

    @staticmethod
    def _shown_path(requested: str, parts: Parts, mount: Mount) -> str:
        home_relative = requested in ("~", "/~") or requested.startswith(("/~/", "~/"))
        if home_relative and parts[: len(mount.home)] == mount.home:
            rest = parts[len(mount.home):]
            return "/~/" + "".join(p + "/" for p in rest)
        return join(parts, trailing=True) if parts else "/"

    def _ls_predicate(self, text: str):
        clauses = split_clauses(text, LS_FILTER_FIELDS)
        checks = []
        for key, value in clauses.items():
            if key == "type":
                kinds = set(value.split(","))
                checks.append(lambda d, k=kinds: d["type"] in k)
            elif key in ("name", "user", "group", "permissions"):
                match = StringMatch.parse(value)
                checks.append(lambda d, m=match, f=key: m(d[f]))
            elif key == "last_modified":
                rng = TimeRange.parse(value, key)
                checks.append(lambda d, r=rng: r(parse_time(d["last_modified"])))
            elif key == "size":
                low, _, high = value.partition(",")
                try:
                    lo = int(low) if low else None
                    hi = int(high) if high else (lo if "," not in value else None)
                except ValueError:
                    raise E.BadRequest(f"Invalid filter 'size:{value}'") from None
                checks.append(lambda d, a=lo, b=hi: (a is None or d["size"] >= a)
                              and (b is None or d["size"] <= b))
        return lambda doc: all(check(doc) for check in checks)

    def operation_stat(self, caller: Caller, endpoint_id: str, path: str | None) -> dict:
        with self.state.lock:
            self._settle()
            mount = self._file_op_prelude(caller, endpoint_id, "pause_ls", "stat")
            if path in (None, ""):
                raise E.BadRequest("path is required")
            parts = self._parts(mount, path)
            try:
                found = mount.view.lookup(parts, mount.user, text=path)
            except FsError as exc:
                raise self._fs_error(exc, mount, "stat", path) from None
            self._gate(mount, found.parts, "r", "stat", path)
            parent = found.parts[:-1]
            name = found.parts[-1] if found.parts else "/"
            assert found.node is not None
            # stat describes what the path names; a followed symlink keeps its link fields
            raw = mount.view.resolve(parts, mount.user, follow_last=False, text=path).node
            node = raw if raw is not None else found.node
            dir_parts = parent if raw is found.node else tuple(parts[:-1])
            return mount.view.file_doc(name, node, dir_parts, mount.user)

    def operation_mkdir(self, caller: Caller, endpoint_id: str, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            if not isinstance(body, dict):
                raise E.BadRequest("Expected a mkdir document")
            path = body.get("path")
            mount = self._file_op_prelude(caller, endpoint_id, "pause_mkdir", "mkdir")
            if not isinstance(path, str):
                raise E.BadRequest("path is required")
            parts = self._parts(mount, path)
            self._gate(mount, parts, "rw", "mkdir", path)
            try:
                mount.view.mkdir(parts, mount.user, self._now(), text=path)
            except FsError as exc:
                raise self._fs_error(exc, mount, "mkdir", path) from None
            return result("DirectoryCreated", "The directory was created successfully",
                          "mkdir_result")

    def operation_rename(self, caller: Caller, endpoint_id: str, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            if not isinstance(body, dict):
                raise E.BadRequest("Expected a rename document")
            mount = self._file_op_prelude(caller, endpoint_id, "pause_rename", "rename")
            old, new = body.get("old_path"), body.get("new_path")
            if not isinstance(old, str) or not isinstance(new, str):
                raise E.BadRequest("old_path and new_path are required")
            old_parts, new_parts = self._parts(mount, old), self._parts(mount, new)
            self._gate(mount, old_parts, "rw", "rename", old)
            self._gate(mount, new_parts, "rw", "rename", new)
            try:
                mount.view.rename(old_parts, new_parts, mount.user, self._now(),
                                  old_text=old, new_text=new)
            except FsError as exc:
                raise self._fs_error(exc, mount, "rename",
                                     new if exc.path == new else old) from None
            return result("FileRenamed", "File or directory renamed successfully")

    # ================================================================ tasks =============
    def get_submission_id(self, caller: Caller) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            value = str(self.state.ids.uuid1())
            self.t.issued_submission_ids.add(value)
            return {"DATA_TYPE": "submission_id", "value": value}

    def submit_transfer(self, caller: Caller, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            return self.engine.submit(caller, body, "TRANSFER")

    def submit_delete(self, caller: Caller, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            return self.engine.submit(caller, body, "DELETE")

    def _own_task(self, caller: Caller, task_id: str) -> Task:
        task = self.t.tasks.get(str(task_id))
        if task is None or task.owner_id != caller.identity_id:
            raise E.NotFound(f"Task {task_id} not found")
        return task

    def task_doc(self, task: Task, *, admin: bool = False) -> dict[str, Any]:
        s = self.settings
        src = self.t.collections.get(task.source_id)
        dst = self.t.collections.get(task.destination_id or "")
        return task.document(
            now=self._now(), bytes_per_second=s.bytes_per_second, overhead=s.file_overhead_s,
            source=src, destination=dst, admin=admin,
            source_host=self.t.collections.get(src.host_id or "") if src else None,
            destination_host=self.t.collections.get(dst.host_id or "") if dst else None,
        )

    def get_task(self, caller: Caller, task_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            return self.task_doc(self._own_task(caller, task_id))

    def task_list(self, caller: Caller, *, limit: str | None = None,
                  offset: str | None = None, orderby: str | None = None,
                  filter: str | None = None) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            lim = int_param(limit, "limit", default=10, minimum=1, maximum=1000)
            off = int_param(offset, "offset", default=0)
            order = parse_orderby(orderby, TASK_ORDER_FIELDS)
            clauses = split_clauses(filter or "", TASK_FILTER_FIELDS)
            owned = self.t.tasks_by_owner.get(caller.identity_id, [])
            if "task_id" in clauses:
                ids = [i for i in clauses["task_id"].split(",") if i]
                if len(ids) > 50:
                    raise E.BadRequest("At most 50 task ids may be given in a task_id filter")
                candidates = [self.t.tasks[i] for i in dict.fromkeys(ids)
                              if i in self.t.tasks and self.t.tasks[i].owner_id
                              == caller.identity_id]
            else:
                candidates = owned
            checks = self._task_checks(clauses)
            chosen = [t for t in candidates if all(c(t) for c in checks)]
            if order:
                docs_key = self._task_sort_key
                chosen = sort_by(chosen, order, docs_key)
            else:
                chosen = list(reversed(chosen))  # newest first
            page = chosen[off:off + lim]
            return {"DATA_TYPE": "task_list", "DATA": [self.task_doc(t) for t in page],
                    "length": len(page), "limit": lim, "offset": off, "total": len(chosen)}

    def _task_sort_key(self, task: Task, name: str) -> Any:
        if name in ("request_time", "completion_time", "deadline"):
            value = getattr(task, name)
            return None if value is None else (value, task.seq)
        if name == "source_endpoint_id":
            return task.source_id
        if name == "destination_endpoint_id":
            return task.destination_id
        if name == "bytes_transferred":
            return task.bytes_done
        return getattr(task, name)

    @staticmethod
    def _task_checks(clauses: dict[str, str]) -> list:
        checks = []
        for key, value in clauses.items():
            if key == "type":
                kinds = {v.upper() for v in value.split(",") if v}
                bad = kinds - {"TRANSFER", "DELETE"}
                if bad:
                    raise E.BadRequest(f"Invalid filter type '{','.join(sorted(bad))}'")
                checks.append(lambda t, k=kinds: t.type in k)
            elif key == "status":
                states = {v.upper() for v in value.split(",") if v}
                bad = states - set(STATUSES)
                if bad:
                    raise E.BadRequest(f"Invalid filter status '{','.join(sorted(bad))}'")
                checks.append(lambda t, s=states: t.status in s)
            elif key == "label":
                match = StringMatch.parse(value)
                checks.append(lambda t, m=match: m(t.label))
            elif key in ("request_time", "completion_time"):
                rng = TimeRange.parse(value, key)
                checks.append(lambda t, r=rng, f=key: r(getattr(t, f)))
        return checks

    def update_task(self, caller: Caller, task_id: str, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            task = self._own_task(caller, task_id)
            if not isinstance(body, dict):
                raise E.BadRequest("Expected a task document")
            unknown = set(body) - {"DATA_TYPE", "label", "deadline", "task_id"}
            if unknown:
                raise E.BadRequest(
                    "Only label and deadline may be updated; got " + ", ".join(sorted(unknown))
                )
            if task.done:
                raise E.Conflict(f"Task {task.task_id} is complete and cannot be updated")
            if "label" in body:
                task.label = self.engine.check_label(body["label"])
            if "deadline" in body:
                self.engine.set_deadline(task, self.engine.parse_deadline(body["deadline"]),
                                         explicit=True)
            return result("Updated", "Updated task successfully")

    def cancel_task(self, caller: Caller, task_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            task = self._own_task(caller, task_id)
            if task.done:
                return result("TaskComplete", "The task completed before the cancel request "
                              "was processed; there is nothing to cancel.")
            self.engine.cancel(task, self._now(), by_admin=None, message=None)
            return result("Canceled", "The task has been cancelled successfully.")

    def remove_task(self, caller: Caller, task_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            task = self._own_task(caller, task_id)
            if not task.done:
                raise E.Conflict(f"Task {task.task_id} is still running; cancel it first")
            self.engine.forget(task)
            return result("Removed", "The task has been removed successfully.")

    def _paged_events(self, task: Task, limit: str | None, offset: str | None,
                      filter: str | None) -> dict[str, Any]:
        lim = int_param(limit, "limit", default=10, minimum=1, maximum=1000)
        off = int_param(offset, "offset", default=0)
        clauses = split_clauses(filter or "", ("is_error",))
        events = [] if task.history_deleted(self._now()) else list(reversed(task.events))
        if "is_error" in clauses:
            want = bool_param(clauses["is_error"], "is_error", default=True)
            events = [e for e in events if e.is_error == want]
        page = events[off:off + lim]
        return {"DATA_TYPE": "event_list", "DATA": [e.document() for e in page],
                "length": len(page), "limit": lim, "offset": off, "total": len(events)}

    def task_event_list(self, caller: Caller, task_id: str, *, limit: str | None = None,
                        offset: str | None = None, filter: str | None = None) -> dict:
        with self.state.lock:
            self._settle()
            return self._paged_events(self._own_task(caller, task_id), limit, offset, filter)

    def _marker_page(self, task: Task, rows: list[dict], data_type: str,
                     marker: str | None) -> dict[str, Any]:
        start = int_param(marker, "marker", default=0)
        if task.history_deleted(self._now()):
            rows = []
        size = 100
        page = rows[start:start + size]
        more = start + size < len(rows)
        return {"DATA_TYPE": data_type, "marker": start,
                "next_marker": start + size if more else None, "DATA": page}

    def task_successful_transfers(self, caller: Caller, task_id: str,
                                  marker: str | None = None) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            task = self._own_task(caller, task_id)
            return self._marker_page(task, task.successful, "successful_transfers", marker)

    def task_skipped_errors(self, caller: Caller, task_id: str,
                            marker: str | None = None) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            task = self._own_task(caller, task_id)
            return self._marker_page(task, task.skipped, "skipped_errors", marker)

    def task_pause_info(self, caller: Caller, task_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            return self._pause_info(self._own_task(caller, task_id))

    def _pause_info(self, task: Task) -> dict[str, Any]:
        rules = [self.t.pause_rules[r].document(limited=True)
                 for r in task.paused_by_rules if r in self.t.pause_rules]
        admin_msg = task.admin_paused_message
        return {
            "DATA_TYPE": "pause_info_limited",
            "pause_rules": rules,
            "source_pause_message": admin_msg,
            "destination_pause_message": admin_msg if task.type == "TRANSFER" else None,
            "source_pause_message_share": None,
            "destination_pause_message_share": None,
        }

    def my_effective_pause_rule_list(self, caller: Caller, endpoint_id: str) -> dict:
        with self.state.lock:
            self._settle()
            coll = self._collection(endpoint_id)
            now = self._now()
            data = [r.document(limited=True) for r in self.t.pause_rules.values()
                    if r.endpoint_id in (coll.id, coll.host_id) and r.active(now)
                    and r.applies_to(caller.identity_id)]
            return {"DATA_TYPE": "pause_rule_list", "DATA": data}

    # ================================================================ endpoint manager ==
    _MONITOR = ("administrator", "activity_monitor", "activity_manager")
    _MANAGER = ("administrator", "activity_manager")

    def _admin_of(self, caller: Caller, coll: Collection | None, roles: tuple[str, ...]) -> bool:
        while coll is not None:
            if set(self._roles(coll, caller)) & set(roles):
                return True
            coll = self.t.collections.get(coll.host_id) if coll.host_id else None
        return False

    def _admin_sides(self, caller: Caller, task: Task, roles: tuple[str, ...]) -> list[str]:
        sides = []
        if self._admin_of(caller, self.t.collections.get(task.source_id), roles):
            sides.append("SOURCE")
        if task.destination_id and self._admin_of(
                caller, self.t.collections.get(task.destination_id), roles):
            sides.append("DESTINATION")
        return sides

    def _admin_task(self, caller: Caller, task_id: str,
                    roles: tuple[str, ...] = _MONITOR) -> Task:
        task = self.t.tasks.get(str(task_id))
        if task is None or not self._admin_sides(caller, task, roles):
            raise E.NotFound(f"Task {task_id} not found")
        return task

    def monitored_endpoints(self, caller: Caller) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            data = [self._doc(c, caller) for c in self.t.collections.values()
                    if not c.deleted and set(self._roles(c, caller)) & set(self._MONITOR)]
            return {"DATA_TYPE": "endpoint_list", "DATA": data}

    def hosted_endpoint_list(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            host = self._collection(endpoint_id)
            if not self._admin_of(caller, host, self._MONITOR):
                raise E.PermissionDenied(f"You do not have a monitoring role on {host.id}")
            data = [self._doc(c, caller) for c in self.t.collections.values()
                    if c.host_id == host.id and not c.deleted]
            return {"DATA_TYPE": "endpoint_list", "DATA": data}

    def em_get_endpoint(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._collection(endpoint_id)
            if not self._admin_of(caller, coll, self._MONITOR):
                raise E.PermissionDenied(f"You do not have a monitoring role on {coll.id}")
            return self._doc(coll, caller)

    def em_acl_list(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            coll = self._collection(endpoint_id)
            if not self._admin_of(caller, coll, self._MONITOR):
                raise E.PermissionDenied(f"You do not have a monitoring role on {coll.id}")
            data = [r.document() for r in coll.acl.values()]
            return {"DATA_TYPE": "access_list", "endpoint": coll.id, "length": len(data),
                    "DATA": data}

    def em_task_list(self, caller: Caller, args: dict[str, str | None]) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            lim = int_param(args.get("limit"), "limit", default=1000, minimum=1, maximum=1000)
            statuses = {s for s in (args.get("filter_status") or "").upper().split(",") if s}
            if statuses - set(STATUSES):
                raise E.BadRequest(f"Invalid filter_status '{args.get('filter_status')}'")
            task_ids = [i for i in (args.get("filter_task_id") or "").split(",") if i]
            endpoint = args.get("filter_endpoint")
            others = [k for k in ("filter_status", "filter_owner_id", "filter_endpoint",
                                  "filter_is_paused", "filter_completion_time",
                                  "filter_min_faults", "filter_local_user",
                                  "filter_endpoint_use") if args.get(k)]
            if task_ids and others:
                raise E.BadRequest("filter_task_id cannot be combined with other filters")
            if len(task_ids) > 50:
                raise E.BadRequest("At most 50 task ids may be given in filter_task_id")
            active_only = bool(statuses) and statuses <= {ACTIVE, INACTIVE}
            if not (task_ids or endpoint or active_only):
                raise E.BadRequest(
                    "filter_endpoint or filter_task_id is required unless filter_status "
                    "is limited to ACTIVE,INACTIVE"
                )
            use = args.get("filter_endpoint_use")
            if use and use not in ("source", "destination"):
                raise E.BadRequest("filter_endpoint_use must be 'source' or 'destination'")
            if use and not endpoint:
                raise E.BadRequest("filter_endpoint_use requires filter_endpoint")
            owner = args.get("filter_owner_id")
            if owner and not any(t for t in self.t.tasks_by_owner.get(owner, [])) and not (
                    self._identity_known(owner)):
                raise E.UserNotFound(owner)
            paused = args.get("filter_is_paused")
            want_paused = None if paused in (None, "") else bool_param(
                paused, "filter_is_paused", default=False)
            if want_paused is not None and not (statuses and statuses <= {ACTIVE, INACTIVE}):
                raise E.BadRequest("filter_is_paused requires filter_status ACTIVE,INACTIVE")
            completion = (TimeRange.parse(args["filter_completion_time"],
                                          "filter_completion_time")
                          if args.get("filter_completion_time") else None)
            min_faults = int_param(args.get("filter_min_faults"), "filter_min_faults",
                                   default=0)
            # candidates from the indexes, newest first
            if task_ids:
                candidates = [self.t.tasks[i] for i in dict.fromkeys(task_ids)
                              if i in self.t.tasks]
            elif endpoint:
                coll = self._collection(endpoint)
                if not self._admin_of(caller, coll, self._MONITOR):
                    raise E.PermissionDenied(
                        f"You do not have a monitoring role on endpoint {coll.id}")
                if active_only:
                    candidates = list(self.t.active_by_endpoint.get(coll.id, {}).values())
                else:
                    candidates = list(self.t.tasks_by_endpoint.get(coll.id, []))
            else:
                seen: dict[str, Task] = {}
                for coll in self.t.collections.values():
                    if set(self._roles(coll, caller)) & set(self._MONITOR):
                        seen.update(self.t.active_by_endpoint.get(coll.id, {}))
                candidates = list(seen.values())
            candidates.sort(key=lambda t: -t.seq)
            after = self._last_key_seq(args.get("last_key"))
            out: list[Task] = []
            more = False
            for task in candidates:
                if after is not None and task.seq >= after:
                    continue
                if not self._admin_sides(caller, task, self._MONITOR):
                    continue
                if statuses and task.status not in statuses:
                    continue
                if owner and task.owner_id != owner:
                    continue
                if use == "source" and task.source_id != endpoint:
                    continue
                if use == "destination" and task.destination_id != endpoint:
                    continue
                if want_paused is not None and task.is_paused != want_paused:
                    continue
                if completion is not None and not completion(task.completion_time):
                    continue
                if task.faults < min_faults:
                    continue
                if len(out) == lim:
                    more = True
                    break
                out.append(task)
            return {"DATA_TYPE": "task_list", "DATA": [self.task_doc(t, admin=True) for t in out],
                    "has_next_page": more,
                    "last_key": out[-1].list_key() if out else None}

    def _identity_known(self, identity_id: str) -> bool:
        auth = getattr(self.state, "auth", None)
        lookup = getattr(auth, "identity", None) or getattr(auth, "get_identity", None)
        if callable(lookup):
            try:
                return lookup(identity_id) is not None
            except Exception:  # noqa: BLE001
                return False
        return _is_uuid(identity_id)

    @staticmethod
    def _last_key_seq(key: str | None) -> int | None:
        if not key:
            return None
        try:
            return int(key.rsplit(",", 1)[1])
        except (IndexError, ValueError):
            raise E.BadRequest(f"Invalid last_key '{key}'") from None

    def em_get_task(self, caller: Caller, task_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            return self.task_doc(self._admin_task(caller, task_id), admin=True)

    def em_task_event_list(self, caller: Caller, task_id: str, *, limit: str | None = None,
                           offset: str | None = None, filter_is_error: str | None = None) -> dict:
        with self.state.lock:
            self._settle()
            task = self._admin_task(caller, task_id)
            flt = None
            if filter_is_error not in (None, ""):
                if filter_is_error != "1":
                    raise E.BadRequest("filter_is_error only accepts 1")
                flt = "is_error:1"
            return self._paged_events(task, limit, offset, flt)

    def em_task_pause_info(self, caller: Caller, task_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            info = self._pause_info(self._admin_task(caller, task_id))
            info["DATA_TYPE"] = "pause_info"
            return info

    def em_successful_transfers(self, caller: Caller, task_id: str,
                                marker: str | None = None) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            task = self._admin_task(caller, task_id)
            return self._marker_page(task, task.successful, "successful_transfers", marker)

    def em_skipped_errors(self, caller: Caller, task_id: str,
                          marker: str | None = None) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            task = self._admin_task(caller, task_id)
            return self._marker_page(task, task.skipped, "skipped_errors", marker)

    def _admin_batch(self, caller: Caller, body: Any, kind: str,
                     need_message: bool) -> tuple[list[Task], str, list[list[str]]]:
        if not isinstance(body, dict):
            raise E.BadRequest(f"Expected an {kind} document")
        ids = body.get("task_id_list")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise E.BadRequest("task_id_list must be a non-empty list of task ids")
        message = body.get("message", "")
        if need_message and (not isinstance(message, str) or not message.strip()):
            raise E.BadRequest("message is required")
        tasks, sides = [], []
        for tid in ids:
            task = self.t.tasks.get(tid)
            side = self._admin_sides(caller, task, self._MANAGER) if task else []
            if not side:
                raise E.PermissionDenied(
                    f"You do not have the activity_manager role for task {tid}")
            tasks.append(task)
            sides.append(side)
        return tasks, message or "", sides

    def admin_cancel(self, caller: Caller, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            tasks, message, sides = self._admin_batch(caller, body, "admin_cancel", True)
            now = self._now()
            for task, side in zip(tasks, sides, strict=True):
                if not task.done:
                    who = "BOTH" if len(side) == 2 else side[0]
                    self.engine.cancel(task, now, by_admin=who, message=message)
            action = AdminAction(next(self._admin_ids), "admin_cancel", message,
                                 [t.task_id for t in tasks], caller.identity_id, now)
            self.t.admin_actions[action.id] = action
            return action.document()

    def admin_cancel_status(self, caller: Caller, action_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            try:
                action = self.t.admin_actions[int(action_id)]
            except (KeyError, ValueError):
                raise E.NotFound(f"Admin cancel '{action_id}' not found") from None
            if action.kind != "admin_cancel" or action.created_by != caller.identity_id:
                raise E.NotFound(f"Admin cancel '{action_id}' not found")
            return action.document()

    def admin_pause(self, caller: Caller, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            tasks, message, _ = self._admin_batch(caller, body, "admin_pause", True)
            now = self._now()
            for task in tasks:
                if not task.done:
                    self.engine.set_admin_pause(task, message, now)
            action = AdminAction(next(self._admin_ids), "admin_pause", message,
                                 [t.task_id for t in tasks], caller.identity_id, now)
            return action.document()

    def admin_resume(self, caller: Caller, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            tasks, message, _ = self._admin_batch(caller, body, "admin_resume", False)
            now = self._now()
            for task in tasks:
                if not task.done:
                    self.engine.set_admin_pause(task, None, now)
            action = AdminAction(next(self._admin_ids), "admin_resume", message,
                                 [t.task_id for t in tasks], caller.identity_id, now)
            return action.document()

    # --- pause rules --------------------------------------------------------------------
    def _pause_rule(self, caller: Caller, rule_id: str) -> PauseRule:
        rule = self.t.pause_rules.get(rule_id)
        if rule is None:
            raise E.NotFound(f"Pause rule '{rule_id}' not found")
        coll = self._collection(rule.endpoint_id, allow_deleted=True)
        if not self._admin_of(caller, coll, self._MONITOR):
            raise E.NotFound(f"Pause rule '{rule_id}' not found")
        return rule

    def pause_rule_list(self, caller: Caller, filter_endpoint: str | None = None,
                        filter_host_endpoint: str | None = None) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            data = []
            for rule in self.t.pause_rules.values():
                coll = self.t.collections.get(rule.endpoint_id)
                if coll is None or not self._admin_of(caller, coll, self._MONITOR):
                    continue
                if filter_endpoint and rule.endpoint_id != filter_endpoint:
                    continue
                if filter_host_endpoint and coll.host_id != filter_host_endpoint:
                    continue
                data.append(rule.document())
            return {"DATA_TYPE": "pause_rule_list", "DATA": data}

    def _apply_rule_fields(self, rule: PauseRule, body: dict[str, Any]) -> None:
        for flag in PAUSE_FLAGS:
            if flag in body:
                if not isinstance(body[flag], bool):
                    raise E.BadRequest(f"{flag} must be a boolean")
                rule.flags[flag] = body[flag]
        if "pause_task_transfer_delete" in body:  # listed by the docs; treat as delete
            rule.flags["pause_task_delete"] = bool(body["pause_task_transfer_delete"])
        if "message" in body:
            if not isinstance(body["message"], str) or not body["message"].strip():
                raise E.BadRequest("message must be a non-empty string")
            rule.message = body["message"]
        if "identity_id" in body:
            if body["identity_id"] is not None and not _is_uuid(body["identity_id"]):
                raise E.BadRequest("identity_id must be a UUID or null")
            rule.identity_id = body["identity_id"]
        if "start_time" in body:
            if body["start_time"] is None:
                rule.start_time = None
            else:
                try:
                    rule.start_time = parse_time(str(body["start_time"]))
                except ValueError:
                    raise E.BadRequest(f"Invalid start_time '{body['start_time']}'") from None

    def create_pause_rule(self, caller: Caller, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            if not isinstance(body, dict):
                raise E.BadRequest("Expected a pause_rule document")
            endpoint_id = body.get("endpoint_id")
            if not isinstance(endpoint_id, str):
                raise E.BadRequest("endpoint_id is required")
            coll = self._collection(endpoint_id)
            if not self._admin_of(caller, coll, self._MANAGER):
                raise E.PermissionDenied(
                    f"You do not have the activity_manager role on endpoint {coll.id}")
            if not isinstance(body.get("message"), str) or not body["message"].strip():
                raise E.BadRequest("message is required")
            rule = PauseRule(self._uuid(), coll.id, coll.display_name, "", caller.identity_id)
            self._apply_rule_fields(rule, body)
            self.t.pause_rules[rule.id] = rule
            self.engine.rules_changed(coll.id, self._now())
            if rule.start_time is not None and rule.start_time > self._now():
                self.state.scheduler.at(
                    rule.start_time, lambda when, eid=coll.id: self.engine.rules_changed(eid, when))
            return rule.document()

    def get_pause_rule(self, caller: Caller, rule_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            return self._pause_rule(caller, rule_id).document()

    def update_pause_rule(self, caller: Caller, rule_id: str, body: Any) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            rule = self._pause_rule(caller, rule_id)
            if not isinstance(body, dict):
                raise E.BadRequest("Expected a pause_rule document")
            coll = self._collection(rule.endpoint_id, allow_deleted=True)
            if not self._admin_of(caller, coll, self._MANAGER):
                raise E.PermissionDenied(
                    f"You do not have the activity_manager role on endpoint {coll.id}")
            rule.modified_by_id = caller.identity_id
            self._apply_rule_fields(rule, {k: v for k, v in body.items()
                                           if k not in ("endpoint_id", "id")})
            self.engine.rules_changed(rule.endpoint_id, self._now())
            return rule.document()

    def delete_pause_rule(self, caller: Caller, rule_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle()
            rule = self._pause_rule(caller, rule_id)
            coll = self._collection(rule.endpoint_id, allow_deleted=True)
            if not self._admin_of(caller, coll, self._MANAGER):
                raise E.PermissionDenied(
                    f"You do not have the activity_manager role on endpoint {coll.id}")
            del self.t.pause_rules[rule.id]
            self.engine.rules_changed(rule.endpoint_id, self._now())
            return result("Deleted", f"Pause rule '{rule.id}' deleted successfully")

    # ================================================================ conveniences =====
    def wait_for_task(self, task_id: str, timeout: float = 7 * DAY) -> dict[str, Any]:
        """Run the virtual clock until the task is no longer ACTIVE; returns its owner's
        view of it (for tests driving the model directly)."""
        with self.state.lock:
            task = self.t.tasks[task_id]
            self.state.run_until(lambda: task.status != ACTIVE, timeout)
            return self.task_doc(task)

    def file_tree(self, collection_id: str) -> dict[str, Any]:
        """``{path: (kind, size, md5)}`` of a collection's whole tree (test helper)."""
        with self.state.lock:
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


def _is_uuid(value: Any) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


__all__ = ["Settings", "TaskFault", "TransferModel", "fs_time", "GUEST_TYPES"]
