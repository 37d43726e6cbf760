"""How a caller reaches a collection's files: mounts, local users, consent, pauses, and the errors an endpoint reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockcore.state import ServiceState
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller, Mount
from mockglobus.transfer.base import Lookups
from mockglobus.transfer.endpoints import GCSV5_ENDPOINT, Collection
from mockglobus.transfer.identity import TransferAuth
from mockglobus.transfer.tables import Tables
from mockglobus.transfer.vfs import FsError, Parts, User, View, join, normalise, split_path


def local_user(coll: Collection, caller: Caller) -> str | None:
    """The local account ``coll`` maps ``caller`` to, if any."""
    name = coll.local_users.get(caller.identity_id)
    if name is None and coll.map_all_identities:
        name = caller.local_name()
    return name


class FileAccess:
    """Shared by the synchronous file operations and the task engine; asks ``auth``
    whether a caller consented to a collection's ``data_access`` scope."""

    def __init__(
        self, state: ServiceState, tables: Tables, lookups: Lookups, auth: TransferAuth
    ) -> None:
        self.state = state
        self.t = tables
        self.lookups = lookups
        self.auth = auth

    def mount(
        self, coll: Collection, caller: Caller, *, purpose: str = "op", check_consent: bool = True
    ) -> Mount:
        """How ``caller`` sees ``coll``; raises the error the real service gives when
        it cannot see it at all."""
        if coll.entity_type == GCSV5_ENDPOINT:
            raise E.NotSupported(
                f"'{coll.display_name}' ({coll.id}) is a Globus Connect Server v5 endpoint, "
                "not a collection; use one of its collections for file operations"
            )
        if check_consent:
            self.check_consent(coll, caller)
        if coll.attrs.get("mfa_required") and not caller.mfa:
            raise E.DirListingLoginFailed(
                f"The collection '{coll.display_name}' requires a session with "
                "multi-factor authentication",
                session_required_mfa=True,
            )
        now = self.lookups.now()
        if coll.is_guest:
            host = self.lookups.collection(coll.host_id or "")
            assert host.volume is not None
            roles = self.lookups.roles(coll, caller)
            owner_like = bool({"administrator", "access_manager"} & set(roles))
            groups = self.lookups.groups(caller)

            def grant(parts: Parts) -> str:
                if owner_like:
                    return "rw"
                return coll.acl_permissions(caller.identity_id, parts, groups)

            user = User(coll.attrs.get("local_user") or "nobody")
            home = tuple(split_path(coll.attrs.get("default_directory") or "/"))
            if not owner_like and not any(
                r.principal_type in ("anonymous", "all_authenticated_users")
                or r.principal == caller.identity_id
                or r.principal in groups
                for r in coll.acl.values()
            ):
                raise E.EndpointPermissionDenied(
                    E.endpoint_transcript(
                        "Denied by endpoint",
                        coll,
                        "MLST /",
                        "Permission denied",
                        "You do not have access to this guest collection",
                    )
                )
            return Mount(coll, View(host.volume, coll.host_root), user, home, grant, roles)
        assert coll.volume is not None
        local = local_user(coll, caller)
        if local is None:
            raise E.EndpointPermissionDenied(
                E.endpoint_transcript(
                    "Denied by endpoint",
                    coll,
                    "SITE AUTHZ",
                    "Permission denied",
                    f"No local account is mapped for identity {caller.username}",
                )
            )
        home_text = coll.home_template.format(user=local)
        home = tuple(split_path(home_text))
        if home and coll.volume.root is not None:
            view = View(coll.volume)
            probe = view._node_at(home)
            if probe is None:
                coll.volume.put_dir(join(home[:-1]), mtime=now)
                coll.volume.put_dir(join(home), user=local, mode=0o700, mtime=now)
        return Mount(
            coll, View(coll.volume), User(local), home, None, self.lookups.roles(coll, caller)
        )

    def check_consent(self, coll: Collection, caller: Caller) -> None:
        """A collection that needs a ``data_access`` consent refuses callers whose user
        has not given it (beneath the Transfer scope of their token); Auth decides."""
        if not coll.requires_data_access_consent or coll.attrs.get("high_assurance"):
            return
        if caller.has_data_access(coll.id):
            return
        self.auth.require_consent(caller, f"https://auth.globus.org/scopes/{coll.id}/data_access")

    def parts(self, mount: Mount, path: Any) -> Parts:
        try:
            return normalise(path, mount.home)
        except FsError as exc:
            raise E.InvalidPath(exc.detail, path=str(path)) from None

    def fs_error(self, exc: FsError, mount: Mount, op: str, path: str) -> E.TransferError:
        """The endpoint's answer to a filesystem failure of ``op``: the error class and
        GridFTP-style transcript the real service gives (see :data:`_ENDPOINT_FAILURES`)."""
        if exc.kind == FsError.INVALID_PATH:
            return E.InvalidPath(exc.detail, path=path)
        command = f"{_FTP_COMMANDS.get(op, op)} {path}"
        failure = _ENDPOINT_FAILURES.get(exc.kind)
        if failure is None:
            return E.EndpointError(
                E.endpoint_transcript(
                    "Error",
                    mount.collection,
                    command,
                    exc.kind.replace("_", " "),
                    exc.detail or path,
                )
            )
        text = E.endpoint_transcript(
            failure.titles.get(op, failure.title),
            mount.collection,
            command,
            failure.message,
            failure.details.format(path=path),
        )
        return failure.errors.get(op, failure.default)(text)

    def lookup(self, mount: Mount, parts: Parts, path: str, op: str) -> Any:
        """What ``path`` names, as the caller's local user; the endpoint's error if not."""
        try:
            return mount.view.lookup(parts, mount.user, text=path)
        except FsError as exc:
            raise self.fs_error(exc, mount, op, path) from None

    def gate(self, mount: Mount, parts: Parts, need: str, op: str, path: str) -> None:
        if not mount.allows(parts, need):
            raise self.fs_error(FsError(FsError.PERMISSION, path), mount, op, path)

    def _paused_op(self, coll: Collection, caller: Caller, flag: str) -> None:
        now = self.lookups.now()
        for rule in self.t.pause_rules.values():
            if (
                rule.endpoint_id in (coll.id, coll.host_id)
                and rule.flags.get(flag)
                and rule.active(now)
                and rule.applies_to(caller.identity_id)
            ):
                raise E.OperationPaused(
                    f"Operation paused by a pause rule on endpoint {rule.endpoint_display_name}"
                    f": {rule.message}"
                )

    def file_op_prelude(self, caller: Caller, endpoint_id: str, flag: str, op: str) -> Mount:
        coll = self.lookups.collection(endpoint_id)
        if coll.is_gcp:
            host = self.t.collections.get(coll.host_id or "") if coll.is_guest else coll
            if host is not None and not host.attrs.get("gcp_connected", True):
                if op == "ls":
                    raise E.DirListingGCDisconnected()
                raise E.EndpointError("The GCP endpoint is not currently connected to Globus")
        mount = self.mount(coll, caller)
        self._paused_op(coll, caller, flag)
        self.t.recently_used[caller.identity_id][coll.id] = self.lookups.now()
        return mount


@dataclass(frozen=True)
class _EndpointFailure:
    """How the endpoint reports one kind of filesystem failure."""

    title: str
    message: str
    details: str  # formatted with ``path``
    default: type[E.TransferError]
    errors: dict[str, type[E.TransferError]] = field(default_factory=dict)  # per operation
    titles: dict[str, str] = field(default_factory=dict)  # per operation


_FTP_COMMANDS = {"ls": "MLSD", "stat": "MLST", "mkdir": "MKD", "rename": "RNFR"}

_ENDPOINT_FAILURES = {
    FsError.NOT_FOUND: _EndpointFailure(
        "Path not found",
        "No such file or directory",
        "550-GlobusError: v=1 c=PATH_NOT_FOUND\\r\\n550 '{path}' not found.\\r\\n",
        E.NotFound,
        {"stat": E.PathNotFound, "rename": E.EndpointError},
        {"ls": "Directory not found"},
    ),
    FsError.NOT_DIR: _EndpointFailure(
        "Not a directory",
        "Not a directory",
        "500-Path '{path}' is not a directory\\r\\n",
        E.EndpointError,
        {"ls": E.DirListingNotDirectory},
    ),
    FsError.PERMISSION: _EndpointFailure(
        "Denied by endpoint",
        "Permission denied",
        "550-GlobusError: v=1 c=PERMISSION_DENIED\\r\\n550 '{path}': Permission denied.\\r\\n",
        E.EndpointPermissionDenied,
        {"ls": E.DirListingPermissionDenied, "mkdir": E.MkdirPermissionDenied},
        {"ls": "Permission denied"},
    ),
    FsError.EXISTS: _EndpointFailure(
        "Path already exists",
        "File exists",
        "550-GlobusError: v=1 c=PATH_EXISTS\\r\\n550 '{path}' already exists.\\r\\n",
        E.EndpointError,
        {"mkdir": E.MkdirExists},
    ),
    FsError.LOOP: _EndpointFailure(
        "Error", "Too many levels of symbolic links", "{path}", E.EndpointError
    ),
}
