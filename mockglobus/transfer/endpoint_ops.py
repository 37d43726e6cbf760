"""Endpoint and collection documents: get, update, delete, create (GCP and guest), subscriptions, servers, SDK 3 activation."""

from __future__ import annotations

from typing import Any

from mockcore.locking import settled
from mockcore.state import ServiceState
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller
from mockglobus.transfer.base import Lookups, checked_path, is_uuid, object_body, result
from mockglobus.transfer.building import Building
from mockglobus.transfer.endpoints import (
    BOOL_FIELDS,
    MAPPED_TYPES,
    STR_OR_NULL_FIELDS,
    UPDATABLE_GUEST,
    UPDATABLE_MAPPED,
    Collection,
)
from mockglobus.transfer.file_access import FileAccess
from mockglobus.transfer.query import int_param
from mockglobus.transfer.tables import Tables
from mockglobus.transfer.vfs import join

DEFAULT_SUBSCRIPTION_ID = "5ab5c12a-7e11-4d0c-8f0e-000000000001"


class EndpointOps:
    """What ``/endpoint/...`` and ``/shared_endpoint`` do; GCSv5 ones are read-only here,
    as on the real service. New collections are made by ``building``; a guest
    collection's host path is checked through ``file_access``."""

    def __init__(
        self,
        state: ServiceState,
        tables: Tables,
        lookups: Lookups,
        file_access: FileAccess,
        building: Building,
    ) -> None:
        self.state = state
        self.t = tables
        self.lookups = lookups
        self.file_access = file_access
        self.building = building

    @settled
    def get_endpoint(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        return self.lookups.endpoint_doc(self.lookups.collection(endpoint_id), caller)

    @settled
    def update_endpoint(self, caller: Caller, endpoint_id: str, body: Any) -> dict[str, Any]:
        coll = self.lookups.collection(endpoint_id)
        body = object_body(body, "Expected a JSON object of endpoint fields")
        self.lookups.require_role(coll, caller, "administrator")
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
                checked_path(value)
            changes[key] = value
        for key, value in changes.items():
            if key == "display_name":
                coll.display_name = value
            elif key == "owner_string":
                coll.owner_string = value
            else:
                coll.attrs[key] = value
        return result("Updated", "Endpoint updated successfully")

    @settled
    def delete_endpoint(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        coll = self.lookups.collection(endpoint_id)
        self.lookups.require_role(coll, caller, "administrator")
        if not coll.is_gcp:
            raise E.BadRequest(
                "Globus Connect Server v5 endpoints and collections are deleted with "
                "the GCS Manager API, not Transfer"
            )
        coll.deleted = True
        return result("Deleted", "Endpoint deleted successfully")

    @settled
    def set_subscription_id(self, caller: Caller, endpoint_id: str, body: Any) -> dict:
        coll = self.lookups.collection(endpoint_id)
        if not isinstance(body, dict) or "subscription_id" not in body:
            raise E.BadRequest("Could not parse JSON: expected {'subscription_id': ...}")
        value = body["subscription_id"]
        self.lookups.require_role(coll, caller, "administrator")
        if value == "DEFAULT":
            value = coll.attrs.get("subscription_id") or self._default_subscription(caller)
        elif value is not None and not is_uuid(value):
            raise E.BadRequest(f"Invalid subscription_id '{value}'")
        coll.attrs["subscription_id"] = value
        if value is None:
            coll.attrs["subscription_admin_verified"] = False
        return result("Updated", "Endpoint updated successfully")

    def _default_subscription(self, caller: Caller) -> str:
        """``DEFAULT`` means the caller's only subscription; with several, they must pick."""
        mine = [
            sub.id for sub in self.t.subscriptions.values() if sub.available_to(caller.identities)
        ]
        if len(mine) > 1:
            raise E.BadRequest(
                "Please specify the subscription ID to use. You currently have "
                f"access to: {', '.join(mine)}"
            )
        return mine[0] if mine else DEFAULT_SUBSCRIPTION_ID

    @settled
    def set_subscription_admin_verified(self, caller: Caller, endpoint_id: str, body: Any) -> dict:
        coll = self.lookups.collection(endpoint_id)
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
        if "administrator" not in self.lookups.roles(coll, caller):
            raise E.PermissionDenied(
                "User does not have an admin role on the collection's subscription to "
                "set subscription_admin_verified"
            )
        subscription = self.t.subscriptions.get(coll.attrs["subscription_id"])
        if (
            subscription is not None
            and subscription.high_assurance
            and not (subscription.managers & caller.identities)
        ):
            raise E.BadRequest(
                "No manager or admin identities in session for high-assurance "
                f"subscription {subscription.id}"
            )
        coll.attrs["subscription_admin_verified"] = value
        return result("Updated", "Endpoint updated successfully")

    @settled
    def create_endpoint(self, caller: Caller, body: Any) -> dict[str, Any]:
        """``POST /endpoint``: only Globus Connect Personal mapped collections."""
        body = object_body(body, "Expected an endpoint document")
        if not body.get("is_globus_connect"):
            raise E.BadRequest(
                "Only Globus Connect Personal endpoints can be created through Transfer"
            )
        name = body.get("display_name")
        if not isinstance(name, str) or not name.strip():
            raise E.BadRequest("display_name is required")
        extras = {
            k: v
            for k, v in body.items()
            if k in UPDATABLE_MAPPED and k not in ("display_name", "owner_string")
        }
        coll = self.building.add_mapped_collection(name, gcp_owner=caller, **extras)
        coll.attrs["gcp_connected"] = False  # until its GCP client connects
        return result(
            "Created",
            "Endpoint created",
            "endpoint_create_result",
            id=coll.id,
            globus_connect_setup_key=coll.attrs["globus_connect_setup_key"],
            canonical_name=f"{caller.username.split('@')[0]}#{coll.id}",
        )

    @settled
    def create_shared_endpoint(self, caller: Caller, body: Any) -> dict[str, Any]:
        body = object_body(body, "Expected a shared_endpoint document")
        host_id = body.get("host_endpoint_id") or body.get("host_endpoint")
        if not isinstance(host_id, str):
            raise E.BadRequest("host_endpoint_id is required")
        host = self.lookups.collection(host_id)
        if host.entity_type not in MAPPED_TYPES:
            raise E.BadRequest(f"Endpoint {host.id} does not support sharing")
        name = body.get("display_name")
        if not isinstance(name, str) or not name.strip():
            raise E.BadRequest("display_name is required")
        path = body.get("host_path")
        if not isinstance(path, str):
            raise E.BadRequest("host_path is required")
        mount = self.file_access.mount(host, caller, purpose="share")
        parts = self.file_access.parts(mount, path)
        found = self.file_access.lookup(mount, parts, path, "stat")
        if found.node is None or found.node.kind != "dir":
            raise E.BadRequest(f"host_path '{path}' is not a directory")
        guest = self.building.add_guest_collection(
            name,
            host=host,
            owner=caller,
            host_path=join(found.parts, trailing=True),
            **{
                k: v
                for k, v in body.items()
                if k in UPDATABLE_GUEST and k not in ("display_name", "owner_string")
            },
        )
        return result(
            "Created",
            "Shared endpoint created successfully",
            "endpoint_create_result",
            id=guest.id,
            globus_connect_setup_key=None,
            canonical_name=f"{caller.username.split('@')[0]}#{guest.id}",
        )

    @settled
    def my_shared_endpoint_list(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        host = self.lookups.collection(endpoint_id)
        data = [
            self.lookups.endpoint_doc(c, caller)
            for c in self.t.collections.values()
            if c.host_id == host.id
            and c.is_guest
            and not c.deleted
            and c.creator_id == caller.identity_id
        ]
        return {"DATA_TYPE": "endpoint_list", "DATA": data}

    @settled
    def get_shared_endpoint_list(
        self, caller: Caller, endpoint_id: str, *, max_results: str | None, next_token: str | None
    ) -> dict:
        host = self.lookups.collection(endpoint_id)
        self.lookups.require_role(
            host, caller, "administrator", "activity_monitor", "activity_manager"
        )
        size = int_param(max_results, "max_results", default=1000, minimum=1, maximum=1000)
        start = int_param(next_token, "next_token", default=0)
        guests = [
            c
            for c in self.t.collections.values()
            if c.host_id == host.id and c.is_guest and not c.deleted
        ]
        page = guests[start : start + size]
        more = start + size < len(guests)
        return {
            "shared_endpoints": [self.lookups.endpoint_doc(c, caller) for c in page],
            "next_token": str(start + size) if more else None,
        }

    @settled
    def endpoint_server_list(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        coll = self.lookups.collection(endpoint_id)
        return {
            "DATA_TYPE": "endpoint_server_list",
            "endpoint": coll.id,
            "DATA": [s.document() for s in coll.servers],
        }

    @settled
    def get_endpoint_server(
        self, caller: Caller, endpoint_id: str, server_id: str
    ) -> dict[str, Any]:
        coll = self.lookups.collection(endpoint_id)
        for server in coll.servers:
            if str(server.id) == str(server_id):
                return server.document()
        raise E.NotFound(f"Server '{server_id}' not found on endpoint {coll.id}")

    @settled
    def endpoint_autoactivate(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        coll = self.lookups.collection(endpoint_id)
        doc = self._activation_doc(coll)
        doc.update(
            code="AlreadyActivated",
            message=f"Endpoint does not require activation ({coll.display_name})",
        )
        return doc

    @settled
    def endpoint_get_activation_requirements(
        self, caller: Caller, endpoint_id: str
    ) -> dict[str, Any]:
        return self._activation_doc(self.lookups.collection(endpoint_id))

    def endpoint_activate(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        return self.endpoint_autoactivate(caller, endpoint_id)

    @settled
    def endpoint_deactivate(self, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        coll = self.lookups.collection(endpoint_id)
        return result(
            "NotActivated",
            f"Endpoint {coll.display_name} does not use activation; nothing to deactivate",
        )

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
