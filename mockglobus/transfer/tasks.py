"""Task records: the state machine, counters, events and the documents they render to.

States and the moves allowed between them (``TRANSITIONS``)::

    ACTIVE   -> INACTIVE | SUCCEEDED | FAILED
    INACTIVE -> ACTIVE   | SUCCEEDED | FAILED

``ACTIVE`` covers queued, running, retrying and paused tasks (``nice_status`` tells
which); ``FAILED`` covers fatal errors, deadline expiry and cancellation.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from mockcore.scheduler import ScheduledEvent
from mockglobus.transfer.vfs import Parts

ACTIVE, INACTIVE, SUCCEEDED, FAILED = "ACTIVE", "INACTIVE", "SUCCEEDED", "FAILED"
TRANSITIONS: dict[str, frozenset[str]] = {
    ACTIVE: frozenset({INACTIVE, SUCCEEDED, FAILED}),
    INACTIVE: frozenset({ACTIVE, SUCCEEDED, FAILED}),
    SUCCEEDED: frozenset(),
    FAILED: frozenset(),
}
TERMINAL = frozenset({SUCCEEDED, FAILED})
HISTORY_SECONDS = 30 * 86_400

# Short descriptions for nice_status codes (the real strings are not all known).
NICE_DESCRIPTIONS = {
    "OK": "OK",
    "Queued": "Queued",
    "PERMISSION_DENIED": "Permission denied",
    "FILE_NOT_FOUND": "File not found",
    "CONNECT_FAILED": "Could not connect to server",
    "CONNECTION_RESET": "Connection reset",
    "ENDPOINT_TOO_BUSY": "Endpoint too busy",
    "GC_NOT_CONNECTED": "Globus Connect not connected",
    "GC_PAUSED": "Globus Connect paused",
    "QUOTA_EXCEEDED": "Quota exceeded",
    "TIMEOUT": "Timeout",
    "VERIFY_CHECKSUM": "Checksum verification failed",
    "AUTH": "Authentication failed",
    "PAUSED": "Paused",
}
EVENT_DESCRIPTIONS = {
    "STARTED": "started",
    "PROGRESS": "progress",
    "SUCCEEDED": "succeeded",
    "CANCELED": "canceled",
    "EXPIRED": "expired",
    "PAUSED": "paused",
    "UNPAUSED": "unpaused",
    "SKIPPED_ERRORS": "skipped errors",
    "FILE_NOT_FOUND": "file not found",
    "PERMISSION_DENIED": "permission denied",
    "VERIFY_CHECKSUM": "checksum verification failed",
    "EXTERNAL_CHECKSUM_MISMATCH": "external checksum mismatch",
    "QUOTA_EXCEEDED": "quota exceeded",
    "CONNECTION_RESET": "connection reset",
    "CONNECT_FAILED": "connect failed",
    "ENDPOINT_TOO_BUSY": "endpoint too busy",
    "GC_NOT_CONNECTED": "globus connect not connected",
    "TIMEOUT": "timeout",
    "AUTH": "authentication failed",
    "IS_A_DIRECTORY": "is a directory",
    "NOT_A_DIRECTORY": "not a directory",
    "INVALID_PATH_NAME": "invalid path name",
    "DELETE_DESTINATION_EXTRA_SKIPPED": "delete destination extra skipped",
}


@functools.lru_cache(maxsize=4096)
def iso(epoch: float | None) -> str | None:
    """``epoch`` as the service writes times. Cached: a task's times are fixed once set
    and every poll of it writes them again, and formatting costs more than a lookup."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).isoformat()


@functools.lru_cache(maxsize=4096)
def iso_micro(epoch: float) -> str:
    """``epoch`` to the microsecond, as in a task's ``key``; cached like :func:`iso`."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")


@dataclass
class Event:
    code: str
    is_error: bool
    description: str
    details: str
    time: float

    def document(self) -> dict[str, Any]:
        return {
            "DATA_TYPE": "event",
            "code": self.code,
            "is_error": self.is_error,
            "description": self.description,
            "details": self.details,
            "time": iso(self.time),
        }


@dataclass
class Op:
    """One subtask: make a directory, copy a file, make a symlink, or delete a path."""

    kind: str  # "mkdir" | "copy" | "symlink" | "delete"
    src: Parts = ()
    dst: Parts = ()
    src_text: str = ""
    dst_text: str = ""
    size: int = 0
    target: str = ""
    external_checksum: str | None = None
    checksum_algorithm: str | None = None
    extra: bool = False  # delete_destination_extra deletion
    attempts: int = 0


@dataclass
class Task:
    task_id: str
    seq: int
    type: str  # TRANSFER | DELETE
    owner_id: str
    username: str
    owner_string: str
    submission_id: str
    request_time: float
    deadline: float
    explicit_deadline: bool
    label: str | None
    source_id: str
    destination_id: str | None
    options: dict[str, Any]
    items: list[dict[str, Any]]
    status: str = ACTIVE
    completion_time: float | None = None
    nice_status: str | None = "Queued"
    last_error_time: float | None = None
    fatal_error: dict[str, str] | None = None
    started: bool = False
    expanded: bool = False
    ops: list[Op] = field(default_factory=list)
    cursor: int = 0
    op_started_at: float | None = None
    pending_event: ScheduledEvent | None = None
    deadline_event: ScheduledEvent | None = None
    events: list[Event] = field(default_factory=list)
    successful: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    # counters
    files: int = 0
    directories: int = 0
    symlinks: int = 0
    files_skipped: int = 0
    files_transferred: int = 0
    subtasks_total: int = 0
    subtasks_succeeded: int = 0
    subtasks_failed: int = 0
    subtasks_expired: int = 0
    subtasks_canceled: int = 0
    subtasks_retrying: int = 0
    subtasks_skipped_errors: int = 0
    faults: int = 0
    bytes_done: int = 0
    bytes_checksummed: int = 0
    # pausing, admin actions, inactivity
    admin_paused_message: str | None = None
    paused_by_rules: list[str] = field(default_factory=list)
    canceled_by_admin: str | None = None
    canceled_by_admin_message: str | None = None
    inactive_reason: str | None = None
    caller: Any = None  # the submitting Caller; tasks act with its access

    # -- state machine ------------------------------------------------------------------
    def move(self, new: str) -> None:
        if new not in TRANSITIONS[self.status]:
            raise ValueError(f"task {self.task_id}: {self.status} -> {new} is not allowed")
        self.status = new

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    @property
    def is_paused(self) -> bool:
        return not self.done and (
            self.admin_paused_message is not None or bool(self.paused_by_rules)
        )

    @property
    def endpoint_ids(self) -> set[str]:
        """The collections the task acts on: its source, and a transfer's destination."""
        return {eid for eid in (self.source_id, self.destination_id) if eid is not None}

    @property
    def running(self) -> bool:
        """Allowed to make progress (started, not paused, not inactive, not done)."""
        return self.started and self.status == ACTIVE and not self.is_paused

    def add_event(
        self,
        when: float,
        code: str,
        *,
        is_error: bool = False,
        details: str | dict[str, Any] = "",
        description: str | None = None,
    ) -> None:
        text = json.dumps(details) if isinstance(details, dict) else details
        self.events.append(
            Event(
                code,
                is_error,
                description or EVENT_DESCRIPTIONS.get(code, code.lower()),
                text,
                when,
            )
        )
        if is_error:
            self.last_error_time = when

    # -- counters -----------------------------------------------------------------------
    @property
    def subtasks_pending(self) -> int:
        return max(
            0,
            self.subtasks_total
            - self.subtasks_succeeded
            - self.subtasks_failed
            - self.subtasks_expired
            - self.subtasks_canceled
            - self.subtasks_retrying
            - self.subtasks_skipped_errors,
        )

    def bytes_transferred(self, now: float, bytes_per_second: float, overhead: float) -> int:
        partial = 0
        if self.running and self.op_started_at is not None and self.cursor < len(self.ops):
            op = self.ops[self.cursor]
            if op.kind == "copy":
                moving = max(0.0, now - self.op_started_at - overhead)
                partial = min(op.size, int(moving * bytes_per_second))
        return self.bytes_done + partial

    def history_deleted(self, now: float) -> bool:
        return self.completion_time is not None and now - self.completion_time > HISTORY_SECONDS

    def list_key(self) -> str:
        """The opaque ``key``/``last_key`` of this task (state, request time, order)."""
        state = "complete" if self.done else "active"
        return f"{state},{iso_micro(self.request_time)},{self.seq}"

    # -- documents ----------------------------------------------------------------------
    def document(
        self,
        *,
        now: float,
        bytes_per_second: float,
        overhead: float,
        source: Any,
        destination: Any,
        admin: bool = False,
        source_host: Any = None,
        destination_host: Any = None,
    ) -> dict[str, Any]:
        moved = self.bytes_transferred(now, bytes_per_second, overhead)
        end = self.completion_time if self.completion_time is not None else now
        elapsed = max(1.0, end - self.request_time)
        opts = self.options
        transfer = self.type == "TRANSFER"
        done = self.done
        paused = self.is_paused
        nice = None if done else self.nice_status
        if nice is not None and paused:
            nice = "PAUSED"
        settled = nice in ("OK", "Queued", "PAUSED")
        doc: dict[str, Any] = {
            "DATA_TYPE": "task",
            "task_id": self.task_id,
            "type": self.type,
            "status": self.status,
            "label": self.label,
            "owner_id": self.owner_id,
            "username": self.username,
            "request_time": iso(self.request_time),
            "completion_time": iso(self.completion_time),
            "deadline": iso(self.deadline),
            "source_endpoint": _legacy_name(source),
            "source_endpoint_id": self.source_id,
            "source_endpoint_display_name": getattr(source, "display_name", None),
            "destination_endpoint": _legacy_name(destination) if transfer else None,
            "destination_endpoint_id": self.destination_id if transfer else None,
            "destination_endpoint_display_name": (
                getattr(destination, "display_name", None) if transfer else None
            ),
            "sync_level": opts.get("sync_level"),
            "verify_checksum": bool(opts.get("verify_checksum", False)),
            "encrypt_data": bool(opts.get("encrypt_data", False)),
            "preserve_timestamp": bool(opts.get("preserve_timestamp", False)),
            "delete_destination_extra": bool(opts.get("delete_destination_extra", False)),
            "skip_source_errors": bool(opts.get("skip_source_errors", False)),
            "fail_on_quota_errors": bool(opts.get("fail_on_quota_errors", False)),
            "recursive_symlinks": opts.get("recursive_symlinks", "ignore") if transfer else None,
            "filter_rules": opts.get("filter_rules"),
            "command": "API 0.10",
            "history_deleted": self.history_deleted(now),
            "faults": self.faults,
            "files": self.files,
            "directories": self.directories,
            "symlinks": self.symlinks,
            "files_skipped": self.files_skipped,
            "files_transferred": self.files_transferred,
            "subtasks_total": self.subtasks_total,
            "subtasks_pending": self.subtasks_pending,
            "subtasks_retrying": self.subtasks_retrying,
            "subtasks_succeeded": self.subtasks_succeeded,
            "subtasks_expired": self.subtasks_expired,
            "subtasks_canceled": self.subtasks_canceled,
            "subtasks_failed": self.subtasks_failed,
            "subtasks_skipped_errors": self.subtasks_skipped_errors,
            "bytes_transferred": moved,
            "bytes_checksummed": self.bytes_checksummed,
            "effective_bytes_per_second": int(moved / elapsed),
            "nice_status": nice,
            "nice_status_short_description": (NICE_DESCRIPTIONS.get(nice, nice) if nice else None),
            "nice_status_expires_in": None if nice is None else -1 if settled else 900,
            "nice_status_details": None,
            "is_ok": None if done else settled and self.status == ACTIVE,
            "is_paused": paused,
            "fatal_error": self.fatal_error,
            "canceled_by_admin": self.canceled_by_admin,
            "canceled_by_admin_message": self.canceled_by_admin_message,
            "key": self.list_key(),
        }
        if opts.get("store_base_path_info") or admin:
            doc["source_base_path"] = opts.get("source_base_path")
            doc["destination_base_path"] = opts.get("destination_base_path")
        if admin:
            doc.update(_admin_fields(self, "source", source, source_host))
            doc.update(
                _admin_fields(
                    self, "destination", destination if transfer else None, destination_host
                )
            )
            doc["owner_string"] = self.owner_string
        return doc


def _legacy_name(collection: Any) -> str | None:
    if collection is None:
        return None
    return f"{collection.owner_string.split('@')[0]}#{collection.id}"


def _admin_fields(task: Task, side: str, collection: Any, host: Any) -> dict[str, Any]:
    guest = collection is not None and collection.is_guest
    return {
        f"{side}_host_endpoint": _legacy_name(host) if guest and host else None,
        f"{side}_host_endpoint_id": collection.host_id if guest else None,
        f"{side}_host_endpoint_display_name": host.display_name if guest and host else None,
        f"{side}_host_path": (("/" + "/".join(collection.host_root) + "/") if guest else None),
        f"{side}_mapped_collection_id": collection.host_id if guest else None,
        f"{side}_mapped_collection_display_name": (host.display_name if guest and host else None),
        f"{side}_local_user": task.options.get(f"{side}_local_user_resolved"),
        f"{side}_local_user_status": "OK" if collection is not None else "NO_ENDPOINT",
    }
