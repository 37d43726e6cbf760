"""The Transfer model's records and tables: settings, injected faults, admin actions,
and every table (with its indexes and counters) that :meth:`TransferModel.reset` empties."""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mockglobus.transfer.endpoints import Bookmark, Collection, PauseRule
from mockglobus.transfer.tasks import Task

DAY = 86_400.0


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
    """An injected task-time failure (see :meth:`~.building.Building.inject_fault`)."""

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


@dataclass
class Subscription:
    """A Globus subscription: who manages it, and whether it is high-assurance."""

    id: str
    managers: frozenset[str] = frozenset()  # identity ids; empty: open to every user
    high_assurance: bool = False

    def available_to(self, caller_ids: frozenset[str]) -> bool:
        return not self.managers or bool(self.managers & caller_ids)


@dataclass
class Tables:
    """Every table of the model; task indexes keep list costs independent of the task count.

    The parts of the model share one :class:`Tables`, so a reset empties it in place
    (:meth:`clear`) rather than replacing it."""

    collections: dict[str, Collection] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    bookmarks: dict[str, Bookmark] = field(default_factory=dict)
    bookmarks_by_owner: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    pause_rules: dict[str, PauseRule] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    tasks_by_owner: dict[str, list[Task]] = field(default_factory=lambda: defaultdict(list))
    tasks_by_endpoint: dict[str, list[Task]] = field(default_factory=lambda: defaultdict(list))
    # (owner, status) -> that owner's tasks in that status, in submission order (by seq)
    tasks_by_owner_status: dict[tuple[str, str], list[Task]] = field(
        default_factory=lambda: defaultdict(list)
    )
    active_by_endpoint: dict[str, dict[str, Task]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    submissions: dict[str, str] = field(default_factory=dict)  # submission id -> task id
    issued_submission_ids: set[str] = field(default_factory=set)
    queued: dict[tuple[str, str], deque[Task]] = field(default_factory=lambda: defaultdict(deque))
    running: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    recently_used: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    admin_actions: dict[int, AdminAction] = field(default_factory=dict)
    faults: list[TaskFault] = field(default_factory=list)
    seq: Iterator[int] = field(default_factory=lambda: itertools.count(1))  # task order
    server_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1001))
    admin_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # -- the task indexes: kept only here --------------------------------------------------
    def add_task(self, task: Task) -> None:
        """Record a new task (the newest: its ``seq`` is the highest) in every index."""
        self.tasks[task.task_id] = task
        self.tasks_by_owner[task.owner_id].append(task)
        self.tasks_by_owner_status[(task.owner_id, task.status)].append(task)
        for eid in task.endpoint_ids:
            self.tasks_by_endpoint[eid].append(task)

    def move_task(self, task: Task, new: str) -> None:
        """:meth:`Task.move`, keeping the (owner, status) index in step."""
        old = task.status
        task.move(new)
        if new != old and self.tasks.get(task.task_id) is task:
            _drop(self.tasks_by_owner_status.get((task.owner_id, old), []), task)
            bisect.insort(self.tasks_by_owner_status[(task.owner_id, new)], task, key=_by_seq)

    def remove_task(self, task: Task) -> None:
        """Forget a task in every index."""
        if self.tasks.get(task.task_id) is not task:
            return
        del self.tasks[task.task_id]
        _drop(self.tasks_by_owner.get(task.owner_id, []), task)
        _drop(self.tasks_by_owner_status.get((task.owner_id, task.status), []), task)
        for eid in task.endpoint_ids:
            _drop(self.tasks_by_endpoint.get(eid, []), task)

    def clear(self) -> None:
        """Empty every table and restart every counter, keeping this object."""
        self.__dict__.update(Tables().__dict__)


def _by_seq(task: Task) -> int:
    return task.seq


def _drop(ordered: list[Task], task: Task) -> None:
    """Remove ``task`` from a list kept in ``seq`` order, by bisection."""
    i = bisect.bisect_left(ordered, task.seq, key=_by_seq)
    if i < len(ordered) and ordered[i] is task:
        del ordered[i]
