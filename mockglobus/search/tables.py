"""The records of the Search model (indexes, entries, roles, tasks) and its settings."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from mockcore.scheduler import ScheduledEvent
from mockglobus.search.engine import FullText

OPEN, DELETE_PENDING = "open", "delete-pending"
ROLE_ORDER = {"writer": 1, "admin": 2, "owner": 3}

PENDING, PROGRESS, SUCCESS, FAILED, CANCELLED = (
    "PENDING",
    "PROGRESS",
    "SUCCESS",
    "FAILED",
    "CANCELLED",
)
#: The moves a task may make (docs.globus.org/api/search/reference/get_task).
TRANSITIONS = {
    PENDING: (PROGRESS, CANCELLED),
    PROGRESS: (SUCCESS, FAILED, CANCELLED),
    SUCCESS: (),
    FAILED: (),
    CANCELLED: (),
}
STATE_DESCRIPTIONS = {
    PENDING: "Task is pending",
    PROGRESS: "Task is in progress",
    SUCCESS: "Task succeeded",
    FAILED: "Task failed",
    CANCELLED: "Task was cancelled",
}


@dataclass
class Settings:
    """Limits (docs.globus.org/api/search/limits) and the double's task timing."""

    trial_indices_per_owner: int = 3
    trial_max_size_in_mb: int = 1
    max_entries_per_subject: int = 10
    max_visible_to: int = 100
    max_subject_bytes: int = 500
    max_roles: int = 50
    max_fields: int = 1000
    max_offset_plus_limit: int = 10_000
    max_index_list: int = 100
    max_task_list: int = 1000
    #: Virtual seconds an ingest or delete task waits (PENDING), then runs (PROGRESS).
    task_pending_seconds: float = 1.0
    task_running_seconds: float = 1.0
    #: Virtual seconds a deleted trial index stays ``delete-pending`` before it is purged.
    trial_purge_seconds: float = 600.0


@dataclass(eq=False)
class Entry:
    key: int  # the engine's row id
    subject: str
    entry_id: str | None
    visible_to: list[str]
    content: dict[str, Any]
    principal_sets: dict[str, list[str]]
    values: dict[str, list[Any]]  # typed values per field path
    size: int


@dataclass(eq=False)
class Role:
    id: str
    index_id: str
    role_name: str
    principal: str
    principal_type: str
    creation_date: float


@dataclass(eq=False)
class Index:
    id: str
    display_name: str
    description: str
    creation_date: float
    is_trial: bool = True
    subscription_id: str | None = None
    max_size_in_mb: int = 1
    status: str = OPEN
    content_last_modified: float | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # field path -> type
    entries: dict[tuple[str, str | None], Entry] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    busy_until: float = 0.0  # when the last queued task of the index ends
    purge_event: ScheduledEvent | None = None

    @property
    def num_subjects(self) -> int:
        return len({subject for subject, _ in self.entries})

    @property
    def size_bytes(self) -> int:
        return sum(e.size for e in self.entries.values())


@dataclass(eq=False)
class Task:
    task_id: str
    index_id: str
    task_type: str
    creation_date: float
    work: Any  # what the task does when it runs (see :mod:`.ingest`)
    state: str = PENDING
    completion_date: float | None = None
    message: str = ""
    additional_details: Any = None
    events: list[ScheduledEvent] = field(default_factory=list)


class Tables:
    """Every record of the Search model, and the full-text engine over the entries."""

    def __init__(self) -> None:
        self.indexes: dict[str, Index] = {}
        self.tasks: dict[str, Task] = {}
        self.engine = FullText()
        self._keys = itertools.count(1)
        self._role_ids = itertools.count(30_000)

    def next_key(self) -> int:
        return next(self._keys)

    def next_role_id(self) -> str:
        """Opaque short role ids like the real ``MDQ1MzAy`` (base64 of a number)."""
        import base64

        return base64.b64encode(f"{next(self._role_ids):06d}".encode()).decode()

    def clear(self) -> None:
        self.indexes.clear()
        self.tasks.clear()
        self.engine.clear()
        self._keys = itertools.count(1)
        self._role_ids = itertools.count(30_000)


__all__ = [
    "CANCELLED",
    "DELETE_PENDING",
    "Entry",
    "FAILED",
    "Index",
    "OPEN",
    "PENDING",
    "PROGRESS",
    "ROLE_ORDER",
    "Role",
    "SUCCESS",
    "Settings",
    "Tables",
    "Task",
    "TRANSITIONS",
]
