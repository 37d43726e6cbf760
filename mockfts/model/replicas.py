"""Choosing the source of a multiple-replica job at submission, as the REST server does.

fts-rest-flask ``lib/JobBuilder_utils.py: select_best_replica`` ranks the sources with
``lib/scheduler/schd.py: Scheduler`` over ``lib/scheduler/db.py: Database`` behind
``lib/scheduler/Cache.py: ThreadLocalCache``; here :class:`Database` reads the double's
own tables (SUBMITTED files per link from :class:`~mockfts.model.lifecycle.JobIndex`,
the optimizer's evolution rows of the last hour, the VO's activity share) and
:class:`Cache` keeps each value 300 s on the virtual clock, so a second submission
within five minutes reuses the counts of the first, as on a real server. The real
cache is per worker thread; the double has one, as a server with one thread.

Quirks kept: ties keep submission order; when a throughput-based strategy meets a
source whose throughput is 0 the ranking stops and the first row wins
(``Scheduler.select_source`` returns a list the caller reads as ranks); the success
rate is 100 for a link with no history; ``pending-data`` and the strategies built on
it answer 400 ``Malformed request: ...`` when the VO has an activity share that is
not a JSON text of a dict holding the user's activity (a share stored by
``/config/activity_shares`` is a list, so it always fails).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from mockfts import errors

if TYPE_CHECKING:
    from mockcore.clock import Clock
    from mockfts.model.lifecycle import JobIndex
    from mockfts.model.ops.configuration import Configuration
    from mockfts.model.ops.optimizer import Optimizer
    from mockfts.model.records import File

ENTRY_LIFE = 300  # ThreadLocalCache.cache_entry_life
REFRESH_TIME = 1800  # ThreadLocalCache.cache_refresh_time


class Database:
    """``lib/scheduler/db.py: Database`` over the double's tables."""

    def __init__(
        self, index: JobIndex, optimizer: Optimizer, config: Configuration, clock: Clock
    ) -> None:
        self.index = index
        self.optimizer = optimizer
        self.config = config
        self.clock = clock

    def get_submitted(self, src: str, dst: str, vo: str) -> int:
        return self.index.submitted_files(src, dst, vo)

    def get_success_rate(self, src: str, dst: str) -> float:
        rows = self.optimizer.history(src, dst, self.clock.time())
        total = sum(row.success for row in rows)
        return 100 if total == 0 else total / len(rows)

    def get_throughput(self, src: str, dst: str) -> float:
        rows = self.optimizer.history(src, dst, self.clock.time())
        return sum(row.throughput * row.active for row in rows) / len(rows) if rows else 0

    def get_per_file_throughput(self, src: str, dst: str) -> float:
        rows = self.optimizer.history(src, dst, self.clock.time())
        return sum(row.throughput for row in rows) / len(rows) if rows else 0

    def get_pending_data(self, src: str, dst: str, vo: str, user_activity: str) -> float:
        """Bytes SUBMITTED on the link by the VO; with an activity share, only of the
        activities weighing at least the user's (the share is ``json.loads``-ed, which
        is what makes a stored list or a missing activity a ``TypeError``)."""
        share = self.config.activity_shares.get(vo)
        if share is None:
            return self.index.submitted_bytes(src, dst, vo)
        activities = json.loads(share["activity_share"])
        return sum(
            self.index.submitted_bytes(src, dst, vo, key)
            for key in activities.keys()
            if activities.get(key) >= activities.get(user_activity)
        )


class Cache:
    """``lib/scheduler/Cache.py: ThreadLocalCache`` on the virtual clock. Its key is the
    sum of the arguments' hashes, so arguments in another order share an entry (the
    throughput of ``b -> a`` answers for ``a -> b``); the double keys by the sorted
    arguments to the same effect."""

    def __init__(self, provider: Database, clock: Clock) -> None:
        self.provider = provider
        self.clock = clock
        self.created = clock.time()
        self.tables: dict[str, dict[tuple, tuple[Any, float]]] = {}

    def _expired(self, since: float, life: int) -> bool:
        return math.floor(self.clock.time() - since) > life

    def _cached(self, table: str, func: Callable[..., Any], *args: str) -> Any:
        if self._expired(self.created, REFRESH_TIME):  # cache_cleanup: drop expired entries
            self.created = self.clock.time()
            for entries in self.tables.values():
                for key in [k for k, (_, t) in entries.items() if self._expired(t, ENTRY_LIFE)]:
                    del entries[key]
        entries = self.tables.setdefault(table, {})
        key = tuple(sorted(args))
        found = entries.get(key)
        if found is None or self._expired(found[1], ENTRY_LIFE):
            found = entries[key] = (func(*args), self.clock.time())
        return found[0]

    def get_submitted(self, src: str, dst: str, vo: str) -> int:
        return self._cached("submitted", self.provider.get_submitted, src, dst, vo)

    def get_success_rate(self, src: str, dst: str) -> float:
        return self._cached("success", self.provider.get_success_rate, src, dst)

    def get_throughput(self, src: str, dst: str) -> float:
        return self._cached("throughput", self.provider.get_throughput, src, dst)

    def get_per_file_throughput(self, src: str, dst: str) -> float:
        return self._cached("per_file", self.provider.get_per_file_throughput, src, dst)

    def get_pending_data(self, src: str, dst: str, vo: str, user_activity: str) -> float:
        return self._cached(
            "pending_data", self.provider.get_pending_data, src, dst, vo, user_activity
        )


class _ZeroThroughput(Exception):
    """A probed source has throughput 0: ``Scheduler.select_source`` ends the ranking."""


class Scheduler:
    """``lib/scheduler/schd.py: Scheduler``: each strategy's rank of one source."""

    def __init__(self, data: Cache) -> None:
        self.data = data

    def _throughput(self, src: str, dst: str) -> float:
        throughput = self.data.get_throughput(src, dst)
        if throughput == 0:
            raise _ZeroThroughput()
        return throughput

    def _waiting_time_with_error(self, src: str, dst: str, vo: str, activity: str) -> float:
        waiting = self.data.get_pending_data(src, dst, vo, activity) / self._throughput(src, dst)
        failure_rate = 100 - self.data.get_success_rate(src, dst)
        return waiting + failure_rate * waiting / 100

    def rank(self, strategy: str, src: str, dst: str, vo: str, activity: str, size: float):
        data = self.data
        if strategy in ("auto", "queue"):
            return data.get_submitted(src, dst, vo)
        if strategy == "success":
            return data.get_success_rate(src, dst)
        if strategy == "throughput":
            return self._throughput(src, dst)
        if strategy == "file-throughput":
            per_file = data.get_per_file_throughput(src, dst)
            if per_file == 0:
                raise _ZeroThroughput()
            return per_file
        if strategy == "pending-data":
            return data.get_pending_data(src, dst, vo, activity)
        if strategy == "waiting-time":
            return data.get_pending_data(src, dst, vo, activity) / self._throughput(src, dst)
        if strategy == "waiting-time-with-error":
            return self._waiting_time_with_error(src, dst, vo, activity)
        # duration (rank_finish_time): the size in MiB over the per-file throughput
        waiting = self._waiting_time_with_error(src, dst, vo, activity)
        return waiting + (size / 1024 / 1024) / data.get_per_file_throughput(src, dst)


DESCENDING = frozenset({"success", "throughput", "file-throughput"})
RANKED = frozenset(
    {
        "auto",
        "queue",
        "pending-data",
        "waiting-time",
        "waiting-time-with-error",
        "duration",
        *DESCENDING,
    }
)
STRATEGIES = RANKED | {"orderly"}  # the names select_best_replica knows (exact case)


def select_best_replica(
    files: Sequence[File], vo: str, entry_state: str, scheduler: Scheduler
) -> File:
    """``select_best_replica``: the first row's strategy ranks the rows' sources toward
    the first row's destination; the first row of the best source enters
    ``entry_state``, every other row keeps its state (``NOT_USED``)."""
    first = files[0]
    strategy = first.selection_strategy
    sources = [file.source_se for file in files]
    best = 0
    if strategy != "orderly":
        if strategy not in RANKED:
            raise errors.UnknownStrategy(strategy=strategy)
        size = float(first.user_filesize or 0)
        try:
            ranks = [
                (src, scheduler.rank(strategy, src, first.dest_se, vo, first.activity, size))
                for src in sources
            ]
        except _ZeroThroughput:
            ranks = []  # row 0 wins
        if ranks:
            ranked = sorted(ranks, key=itemgetter(1), reverse=strategy in DESCENDING)
            best = sources.index(ranked[0][0])
    chosen = files[best]
    chosen.file_state = entry_state
    return chosen


class ReplicaSelection:
    """The scheduler of one double, with its cache (what ``select_best_replica`` builds
    from ``Scheduler(ThreadLocalCache(Database(Session)))``)."""

    def __init__(
        self, index: JobIndex, optimizer: Optimizer, config: Configuration, clock: Clock
    ) -> None:
        self.scheduler = Scheduler(Cache(Database(index, optimizer, config, clock), clock))

    def select(self, files: Sequence[File], vo: str, entry_state: str) -> File:
        return select_best_replica(files, vo, entry_state, self.scheduler)
