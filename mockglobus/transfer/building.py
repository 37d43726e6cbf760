"""Building the world (seed data and tests): endpoints, collections, injected faults."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mockcore.locking import locked, settled
from mockcore.state import ServiceState
from mockglobus.transfer.access import Caller
from mockglobus.transfer.base import Lookups
from mockglobus.transfer.endpoints import (
    GCP_GUEST,
    GCP_MAPPED,
    GCSV5_ENDPOINT,
    GCSV5_GUEST,
    Collection,
    Server,
)
from mockglobus.transfer.engine import TaskEngine
from mockglobus.transfer.file_access import local_user
from mockglobus.transfer.tables import Subscription, Tables, TaskFault
from mockglobus.transfer.vfs import Volume, split_path


class Building:
    """Setup helpers that skip the permission checks the API applies (the seed, tests,
    and the API's own creations); ``engine`` resumes INACTIVE tasks."""

    def __init__(
        self, state: ServiceState, tables: Tables, lookups: Lookups, engine: TaskEngine
    ) -> None:
        self.state = state
        self.t = tables
        self.lookups = lookups
        self.engine = engine

    @locked
    def add_gcs_endpoint(
        self, display_name: str, *, admin: Caller | None = None, id: str | None = None, **attrs: Any
    ) -> Collection:
        """A GCSv5 endpoint (non-functional; hosts mapped collections)."""
        eid = id or self.lookups.new_uuid()
        coll = Collection(
            id=eid,
            display_name=display_name,
            entity_type=GCSV5_ENDPOINT,
            creator_id=admin.identity_id if admin else eid,
            owner_string=f"{eid}@clients.auth.globus.org",
            attrs={
                "gcs_version": "5.4.80",
                "public": True,
                "gcs_manager_url": f"https://{eid[:6]}.{eid[6:8]}.data.globus.org",
                **attrs,
            },
        )
        coll.server_host = f"{eid[:6]}.{eid[6:8]}.data.globus.org"
        self.t.collections[eid] = coll
        return coll

    @locked
    def add_mapped_collection(
        self,
        display_name: str,
        *,
        endpoint: Collection | None = None,
        gcp_owner: Caller | None = None,
        id: str | None = None,
        local_users: dict[str, str] | None = None,
        map_all_identities: bool = False,
        requires_data_access_consent: bool = False,
        quota_bytes: int | None = None,
        home_template: str = "/home/{user}/",
        **attrs: Any,
    ) -> Collection:
        """A GCSv5 mapped collection on ``endpoint``, or a GCP mapped collection of
        ``gcp_owner``; it gets a fresh :class:`Volume`."""
        cid = id or self.lookups.new_uuid()
        now = self.lookups.now()
        if gcp_owner is not None:
            coll = Collection(
                id=cid,
                display_name=display_name,
                entity_type=GCP_MAPPED,
                creator_id=gcp_owner.identity_id,
                owner_string=gcp_owner.username,
                volume=Volume(mtime=now, quota_bytes=quota_bytes),
                local_users={gcp_owner.identity_id: gcp_owner.local_name(), **(local_users or {})},
                home_template=home_template,
                attrs={
                    "gcp_connected": True,
                    "gcp_paused": False,
                    "globus_connect_setup_key": self.lookups.new_uuid(),
                    "default_directory": "/~/",
                    **attrs,
                },
            )
            coll.server_host = f"gcp-{cid[:8]}.example.net"
        else:
            if endpoint is None:
                endpoint = self.add_gcs_endpoint(f"{display_name} Endpoint")
            coll = Collection(
                id=cid,
                display_name=display_name,
                entity_type="GCSv5_mapped_collection",
                creator_id=endpoint.creator_id,
                owner_string=endpoint.owner_string,
                gcs_endpoint_id=endpoint.id,
                host_id=endpoint.id,
                volume=Volume(mtime=now, quota_bytes=quota_bytes),
                local_users=dict(local_users or {}),
                map_all_identities=map_all_identities,
                requires_data_access_consent=requires_data_access_consent,
                home_template=home_template,
                attrs={
                    "gcs_version": endpoint.attrs.get("gcs_version"),
                    "gcs_manager_url": endpoint.attrs.get("gcs_manager_url"),
                    "default_directory": "/~/",
                    **attrs,
                },
            )
            coll.server_host = endpoint.server_host
            coll.roles.update({r.id: r for r in endpoint.roles.values()})
        coll.servers = [Server(next(self.t.server_ids), coll.server_host)]
        self.t.collections[cid] = coll
        return coll

    @locked
    def add_guest_collection(
        self,
        display_name: str,
        *,
        host: Collection,
        owner: Caller,
        host_path: str = "/",
        id: str | None = None,
        **attrs: Any,
    ) -> Collection:
        """A guest collection of ``owner`` sharing ``host_path`` of ``host`` (no checks)."""
        cid = id or self.lookups.new_uuid()
        kind = GCP_GUEST if host.entity_type == GCP_MAPPED else GCSV5_GUEST
        coll = Collection(
            id=cid,
            display_name=display_name,
            entity_type=kind,
            creator_id=owner.identity_id,
            owner_string=owner.username,
            host_root=tuple(split_path(host_path)),
            host_id=host.id,
            gcs_endpoint_id=host.gcs_endpoint_id,
            attrs={
                "local_user": local_user(host, owner),
                "gcs_version": host.attrs.get("gcs_version"),
                "gcs_manager_url": host.attrs.get("gcs_manager_url"),
                "default_directory": "/",
                **attrs,
            },
        )
        coll.server_host = host.server_host
        coll.servers = [Server(next(self.t.server_ids), coll.server_host)]
        self.t.collections[cid] = coll
        return coll

    @locked
    def add_subscription(
        self, subscription_id: str, *, managers: Iterable[str] = (), high_assurance: bool = False
    ) -> Subscription:
        """A subscription managed by these identity ids (none: open to every user)."""
        subscription = Subscription(subscription_id, frozenset(managers), high_assurance)
        self.t.subscriptions[subscription_id] = subscription
        return subscription

    def inject_fault(
        self,
        collection_id: str,
        code: str = "CONNECTION_RESET",
        *,
        path_glob: str = "*",
        times: int | None = 1,
        side: str = "any",
    ) -> TaskFault:
        """Make task subtasks touching matching paths fail with ``code``.

        ``VERIFY_CHECKSUM`` corrupts the copied data (caught only with
        ``verify_checksum``); ``QUOTA_EXCEEDED`` behaves like a full disk; ``AUTH`` makes
        the task INACTIVE until :meth:`reactivate_task`; other codes are transient
        faults retried after ``settings.retry_delay_s``.
        """
        fault = TaskFault(collection_id, path_glob, code, times, side)
        self.t.faults.append(fault)
        return fault

    @settled
    def reactivate_task(self, task_id: str) -> None:
        """What renewing credentials does to an INACTIVE task: it resumes."""
        task = self.t.tasks[task_id]
        self.engine.reactivate(task, self.lookups.now())

    @settled
    def set_gcp_connected(self, collection_id: str, connected: bool) -> None:
        self.t.collections[collection_id].attrs["gcp_connected"] = connected
