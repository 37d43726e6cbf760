"""Endpoints and collections, their roles, ACL rules, servers, bookmarks and pause rules.

A :class:`Collection` is what Transfer calls an endpoint document: a GCSv5 endpoint
(no storage of its own), a GCSv5 mapped or guest collection, or a Globus Connect
Personal mapped or guest collection. Mapped collections own a :class:`Volume`;
guest collections view their host's volume from ``host_path``.

Who may do what:
- mapped collections map an identity to a local account (``local_users``, or every
  identity when ``map_all_identities``) and the filesystem's permission bits decide;
- guest collections act as their creator's local account on the host, and only the
  creator, holders of an ``administrator``/``access_manager`` role, and principals of
  a matching ACL rule (``r`` or ``rw`` on a path prefix) get in;
- roles: ``administrator`` may update/delete the collection and manage roles,
  ``access_manager`` manages ACL rules, ``activity_monitor``/``activity_manager``
  may use the endpoint_manager routes (the latter may also cancel/pause).

Group principals (roles and ACL rules with ``principal_type: "group"``) match the
active members of the group, as Groups says at each request (``TransferAuth.group_ids_of``,
answered from :mod:`mockglobus.groups`). Not implemented: ``local_user`` selection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from mockglobus.transfer.vfs import Parts, Volume, split_path

GCSV5_ENDPOINT = "GCSv5_endpoint"
GCSV5_MAPPED = "GCSv5_mapped_collection"
GCSV5_GUEST = "GCSv5_guest_collection"
GCP_MAPPED = "GCP_mapped_collection"
GCP_GUEST = "GCP_guest_collection"
ENTITY_TYPES = (GCSV5_ENDPOINT, GCSV5_MAPPED, GCSV5_GUEST, GCP_MAPPED, GCP_GUEST)
GUEST_TYPES = (GCSV5_GUEST, GCP_GUEST)
MAPPED_TYPES = (GCSV5_MAPPED, GCP_MAPPED)
ROLES = ("administrator", "access_manager", "activity_manager", "activity_monitor")
PRINCIPAL_TYPES_ACL = ("identity", "group", "all_authenticated_users", "anonymous")

# Fields a PUT /endpoint/{id} may change [docs, GCP]; others are ignored as the real
# service ignores read-only fields in a round-tripped document.
UPDATABLE_GUEST = (
    "display_name",
    "organization",
    "department",
    "keywords",
    "description",
    "contact_email",
    "contact_info",
    "info_link",
    "owner_string",
    "default_directory",
    "force_encryption",
    "disable_verify",
    "acl_max_expiration_period_mins",
)
UPDATABLE_MAPPED = UPDATABLE_GUEST + (
    "authentication_timeout_mins",
    "subscription_id",
    "public",
    "location",
    "network_use",
    "max_concurrency",
    "preferred_concurrency",
    "max_parallelism",
    "preferred_parallelism",
    "user_message",
    "user_message_link",
)
BOOL_FIELDS = ("force_encryption", "disable_verify", "public")
STR_OR_NULL_FIELDS = (
    "display_name",
    "organization",
    "department",
    "keywords",
    "description",
    "contact_email",
    "contact_info",
    "info_link",
    "owner_string",
    "default_directory",
    "location",
    "network_use",
    "user_message",
    "user_message_link",
    "subscription_id",
)


def iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).isoformat()


@dataclass
class Server:
    id: int
    hostname: str
    port: int = 443
    scheme: str | None = "gsiftp"
    subject: str | None = None
    is_connected: bool = True
    is_paused: bool = False

    def document(self) -> dict[str, Any]:
        uri = f"{self.scheme}://{self.hostname}:{self.port}" if self.scheme else None
        return {
            "DATA_TYPE": "server",
            "id": self.id,
            "hostname": self.hostname,
            "port": self.port,
            "scheme": self.scheme,
            "subject": self.subject,
            "uri": uri,
            "is_connected": self.is_connected,
            "is_paused": self.is_paused,
            "incoming_data_port_start": None,
            "incoming_data_port_end": None,
            "outgoing_data_port_start": None,
            "outgoing_data_port_end": None,
        }


@dataclass
class Role:
    id: str
    principal_type: str
    principal: str
    role: str

    def document(self) -> dict[str, Any]:
        return {
            "DATA_TYPE": "role",
            "id": self.id,
            "principal_type": self.principal_type,
            "principal": self.principal,
            "role": self.role,
        }


@dataclass
class AclRule:
    id: str
    principal_type: str
    principal: str
    path: str  # absolute, directories end with "/"
    permissions: str  # "r" or "rw"
    create_time: float
    expiration_date: str | None = None
    notify_email: str | None = None
    role_id: str | None = None
    role_type: str | None = None

    def covers(self, parts: Parts) -> bool:
        rule = tuple(split_path(self.path))
        return parts[: len(rule)] == rule

    def document(self) -> dict[str, Any]:
        return {
            "DATA_TYPE": "access",
            "id": self.id,
            "principal_type": self.principal_type,
            "principal": self.principal,
            "path": self.path,
            "permissions": self.permissions,
            "create_time": iso(self.create_time),
            "expiration_date": self.expiration_date,
            "notify_email": self.notify_email,
            "role_id": self.role_id,
            "role_type": self.role_type,
        }


@dataclass
class Bookmark:
    id: str
    owner_id: str
    name: str
    endpoint_id: str
    path: str
    pinned: bool = False

    def document(self) -> dict[str, Any]:
        return {
            "DATA_TYPE": "bookmark",
            "id": self.id,
            "name": self.name,
            "endpoint_id": self.endpoint_id,
            "path": self.path,
            "pinned": self.pinned,
        }


PAUSE_FLAGS = (
    "pause_ls",
    "pause_mkdir",
    "pause_symlink",
    "pause_rename",
    "pause_task_delete",
    "pause_task_transfer_write",
    "pause_task_transfer_read",
)


@dataclass
class PauseRule:
    id: str
    endpoint_id: str
    endpoint_display_name: str
    message: str
    modified_by_id: str
    start_time: float | None = None
    identity_id: str | None = None
    created_by_host_manager: bool = False
    flags: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(PAUSE_FLAGS, False))

    def active(self, now: float) -> bool:
        return self.start_time is None or self.start_time <= now

    def applies_to(self, identity_id: str) -> bool:
        return self.identity_id is None or self.identity_id == identity_id

    def document(self, *, limited: bool = False) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "DATA_TYPE": "pause_rule_limited" if limited else "pause_rule",
            "id": self.id,
            "message": self.message,
            "start_time": iso(self.start_time),
            "endpoint_id": self.endpoint_id,
            "endpoint_display_name": self.endpoint_display_name,
            "identity_id": self.identity_id,
            **self.flags,
        }
        if not limited:
            doc.update(
                modified_by_id=self.modified_by_id,
                created_by_host_manager=self.created_by_host_manager,
                editable=True,
            )
        return doc


@dataclass
class Collection:
    """One endpoint document and the state behind it."""

    id: str
    display_name: str
    entity_type: str
    creator_id: str  # identity that created / owns it
    owner_string: str
    volume: Volume | None = None
    host_root: Parts = ()  # guest collections: host_path on the host's volume
    host_id: str | None = None  # guest -> mapped collection; collection -> GCSv5 endpoint
    gcs_endpoint_id: str | None = None
    local_users: dict[str, str] = field(default_factory=dict)  # identity id -> account
    map_all_identities: bool = False
    requires_data_access_consent: bool = False
    server_host: str = "gridftp.example.org"
    home_template: str = "/home/{user}/"
    attrs: dict[str, Any] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    acl: dict[str, AclRule] = field(default_factory=dict)
    servers: list[Server] = field(default_factory=list)
    deleted: bool = False

    @property
    def is_guest(self) -> bool:
        return self.entity_type in GUEST_TYPES

    @property
    def has_storage(self) -> bool:
        return self.entity_type != GCSV5_ENDPOINT

    @property
    def is_gcp(self) -> bool:
        return self.entity_type in (GCP_MAPPED, GCP_GUEST)

    def roles_of(self, identity_id: str, group_ids: frozenset[str] = frozenset()) -> list[str]:
        found = {
            r.role
            for r in self.roles.values()
            if (r.principal_type == "identity" and r.principal == identity_id)
            or (r.principal_type == "group" and r.principal in group_ids)
        }
        if identity_id == self.creator_id:
            found.add("administrator")
        return [r for r in ROLES if r in found]

    def acl_permissions(
        self, identity_id: str | None, parts: Parts, group_ids: frozenset[str] = frozenset()
    ) -> str:
        """The best of ``""``, ``"r"``, ``"rw"`` that ACL rules give at ``parts``."""
        best = ""
        for rule in self.acl.values():
            if not rule.covers(parts):
                continue
            if rule.principal_type == "anonymous" or (
                identity_id is not None
                and (
                    rule.principal_type == "all_authenticated_users"
                    or (rule.principal_type == "identity" and rule.principal == identity_id)
                    or (rule.principal_type == "group" and rule.principal in group_ids)
                )
            ):
                if rule.permissions == "rw":
                    return "rw"
                best = "r"
        return best

    def document(
        self,
        *,
        viewer_roles: list[str],
        host: Collection | None = None,
        gcs_endpoint: Collection | None = None,
    ) -> dict[str, Any]:
        a = self.attrs
        gcsv5 = self.entity_type.startswith("GCSv5")
        owner_id = self.gcs_endpoint_id if gcsv5 and self.gcs_endpoint_id else self.creator_id
        if self.entity_type == GCSV5_ENDPOINT:
            owner_id = self.id
        admin = "administrator" in viewer_roles
        doc: dict[str, Any] = {
            "DATA_TYPE": "endpoint",
            "id": self.id,
            "display_name": self.display_name,
            "entity_type": self.entity_type,
            "owner_id": owner_id,
            "owner_string": self.owner_string,
            "canonical_name": f"{self.owner_string.split('@')[0]}#{self.id}",
            "name": self.id,
            "username": self.owner_string.split("@")[0],
            "description": a.get("description"),
            "organization": a.get("organization"),
            "department": a.get("department"),
            "keywords": a.get("keywords"),
            "contact_email": a.get("contact_email"),
            "contact_info": a.get("contact_info"),
            "info_link": a.get("info_link"),
            "user_message": a.get("user_message"),
            "user_message_link": a.get("user_message_link"),
            "public": bool(a.get("public", False)),
            "subscription_id": a.get("subscription_id"),
            "default_directory": a.get("default_directory"),
            "force_encryption": bool(a.get("force_encryption", False)),
            "disable_verify": bool(a.get("disable_verify", False)),
            "disable_anonymous_writes": False,
            "force_verify": False,
            "mfa_required": bool(a.get("mfa_required", False)),
            "french_english_bilingual": False,
            "requester_pays": False,
            "is_globus_connect": self.is_gcp,
            "gcp_connected": a.get("gcp_connected", True) if self.is_gcp else None,
            "gcp_paused": a.get("gcp_paused", False) if self.is_gcp else None,
            "globus_connect_setup_key": (
                a.get("globus_connect_setup_key") if self.is_gcp and admin else None
            ),
            "gcs_version": a.get("gcs_version") if gcsv5 else None,
            "gcs_manager_url": a.get("gcs_manager_url") if gcsv5 else None,
            "tlsftp_server": (
                f"tlsftp://{self.server_host}:443" if gcsv5 and self.has_storage else None
            ),
            "https_server": (f"https://{self.server_host}" if gcsv5 and self.has_storage else None),
            "high_assurance": bool(a.get("high_assurance", False)),
            "host_endpoint": (
                f"{host.owner_string.split('@')[0]}#{host.id}" if self.is_guest and host else None
            ),
            "host_endpoint_id": self.host_id if self.is_guest else None,
            "host_endpoint_display_name": host.display_name if self.is_guest and host else None,
            "host_path": (
                "/" + "/".join(self.host_root) + ("/" if self.host_root else "")
                if self.is_guest
                else None
            ),
            "mapped_collection_id": self.host_id if self.entity_type == GCSV5_GUEST else None,
            "mapped_collection_display_name": (
                host.display_name if self.entity_type == GCSV5_GUEST and host else None
            ),
            "non_functional": self.entity_type == GCSV5_ENDPOINT,
            "non_functional_endpoint_id": (
                self.gcs_endpoint_id if gcsv5 and self.entity_type != GCSV5_ENDPOINT else None
            ),
            "non_functional_endpoint_display_name": (
                gcs_endpoint.display_name
                if gcs_endpoint and self.entity_type != GCSV5_ENDPOINT
                else None
            ),
            "my_effective_roles": viewer_roles,
            "acl_available": self.is_guest,
            "acl_editable": self.is_guest
            and bool({"administrator", "access_manager"} & set(viewer_roles)),
            "in_use": False,
            "shareable": self.entity_type in MAPPED_TYPES,
            "local_user_info_available": self.entity_type == GCSV5_MAPPED,
            "network_use": a.get("network_use"),
            "location": a.get("location"),
            "max_concurrency": a.get("max_concurrency"),
            "preferred_concurrency": a.get("preferred_concurrency"),
            "max_parallelism": a.get("max_parallelism"),
            "preferred_parallelism": a.get("preferred_parallelism"),
            "authentication_timeout_mins": a.get("authentication_timeout_mins"),
            "authentication_assurance_timeout": a.get("authentication_assurance_timeout"),
            "authentication_policy_id": a.get("authentication_policy_id"),
            "acl_max_expiration_period_mins": a.get("acl_max_expiration_period_mins"),
            "activated": False,
            "expires_in": -1,
            "expire_time": None,
            "myproxy_server": None,
            "myproxy_dn": None,
            "oauth_server": None,
            "s3_url": None,
            "s3_owner_activated": False,
            "is_go_storage": False,
            "storage_type": None,
            "sharing_target_endpoint": None,
            "sharing_target_root_path": None,
            "last_accessed_time": None,
            "DATA": [s.document() for s in self.servers],
        }
        return doc
