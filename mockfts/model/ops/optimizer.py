"""Optimizer tables (``/optimizer...``), and the optimizer that writes them.

REST side, read in fts-rest-flask 3.13.4 ``controllers/optimizer.py`` and
``model/optimizer.py``: one current row per pair (``t_optimizer``: ``source_se,
dest_se, ema, active, datetime, nostreams``) and an evolution log
(``t_optimizer_evolution``). ``POST /optimizer/current`` checks its numbers in a fixed
order (integers ``active`` 2, ``nostreams`` 1, ``diff`` 1, ``actual_active`` 1,
``queue_size`` 1; floats ``ema``, ``throughput``, ``success``, ``filesize_avg``,
``filesize_stddev`` 0), each with its own message, and answers ``[evolution,
optimizer]``. The server copies every input key onto both ORM objects before saving,
so the optimizer row it answers also carries the other keys posted (e.g.
``rationale``); the stored row, read back by ``GET``, has only its columns.

Daemon side, read in cern-fts/fts3 (``src/optimizer/services/OptimizerService.cpp``,
``OptimizerConnections.cpp``, ``OptimizerStreams.cpp``, ``src/db/mysql/Optimizer.cpp``):
every ``OptimizerInterval`` the optimizer decides, for each pair with SUBMITTED or
ACTIVE files, how many transfers may run on it, from the success rate and throughput
of the transfers that ended on it, and stores the decision in both tables. The daemon
(:mod:`mockfts.model.daemon`) obeys the decision as the link's limit, so with no
configuration a link runs 2 transfers at a time once the optimizer has seen it (10 on a
LAN pair), as the real one does. What is not modelled: the bytes of transfers still
running (the real throughput counts them pro rata; the double's agent reports no
progress), retried transfers in the success rate, the throughput limits of
``/config/se`` (the double's running transfers report no throughput, so they would
never fire) and legacy's link-wide ``max_active`` bound. Generations: 3.14 builds a
fresh ``OptimizerExecutor`` per pair and run, so its "previous state" is always the
current one (the steady skip never happens); 3.13 and legacy keep it in memory, and
legacy writes nothing the first time it sees a pair that already has a decision.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, NamedTuple

from mockcore.locking import locked, settled
from mockfts import errors
from mockfts.model import columns
from mockfts.model import states as S

if TYPE_CHECKING:
    from mockcore.scheduler import ScheduledEvent
    from mockfts.model.ops.configuration import Configuration, Link
    from mockfts.model.records import File
    from mockfts.model.store import FtsState

EVOLUTION_LIMIT = 50
HISTORY_WINDOW = 3600.0  # what the REST scheduler reads (lib/scheduler/db.py: last hour)
_LONGEST_FRAME = 1800  # the optimizer's widest time frame (calculateTimeFrame)

_INTEGERS = (("active", 2), ("nostreams", 1), ("diff", 1), ("actual_active", 1), ("queue_size", 1))
_FLOATS = (
    ("ema", 0),
    ("throughput", 0),
    ("success", 0),
    ("filesize_avg", 0),
    ("filesize_stddev", 0),
)
_CONSERVATIVE, _NORMAL = 1, 2  # optimizer_mode values (OptimizerMode)


@dataclass
class OptimizerSettings:
    """fts3 ``ServerConfigReader.cpp`` defaults; ``running`` False stops the ticks."""

    running: bool = True
    interval: float = 60.0  # OptimizerInterval
    steady_interval: float = 300.0  # OptimizerSteadyInterval
    max_streams: int = 16  # OptimizerMaxStreams
    low_success_rate: int = 97
    base_success_rate: int = 96
    ema_alpha: float = 0.1
    increase_step: int = 1
    aggressive_increase_step: int = 2
    decrease_step: int = 1
    history_limit: int = 100_000  # evolution rows kept (the oldest go first)


@dataclass
class OptimizerRow:
    source_se: str
    dest_se: str
    ema: float
    active: int
    datetime: float
    nostreams: int


@dataclass
class EvolutionRow:
    datetime: float
    source_se: str
    dest_se: str
    active: int
    throughput: float
    success: float
    rationale: str | None
    diff: int
    actual_active: int
    queue_size: int
    ema: float
    filesize_avg: float
    filesize_stddev: float


class _Ended(NamedTuple):
    """A transfer that ended on a pair, as ``t_file`` tells the optimizer's queries. Kept
    as a plain tuple (which the garbage collector stops tracking, unlike a named one)
    and named when the optimizer reads it."""

    finish: int
    start: int
    filesize: int
    finished: bool
    recoverable: bool
    tx_duration: float


@dataclass
class _PairState:
    """``PairState`` of fts3 ``src/db/generic/Pair.h``."""

    timestamp: float = 0.0
    throughput: float = 0.0
    success: float = 0.0
    retries: int = 0
    active: int = 0
    queue: int = 0
    ema: float = 0.0
    filesize_avg: float = 0.0
    filesize_stddev: float = 0.0
    connections: int = 1


@dataclass
class _Range:
    min: int = 0
    max: int = 0
    specific: bool = False
    storage_specific: bool = False


@dataclass
class _Counts:
    submitted: int = 0
    active: int = 0


def _number(body: dict, name: str, default: Any, kind: type) -> Any:
    try:
        value = kind(body.get(name, default))
    except (TypeError, ValueError) as exc:
        error = errors.NotAnInteger if kind is int else errors.NotAFloat
        raise error(name=name.capitalize(), detail=str(exc)) from None
    if value < 0:
        raise errors.NotPositive(name=name.capitalize(), value=value)
    return value


def _magnitude(value: float) -> float:
    """C++ ``round(log10(x))``: halves away from zero, ``-inf`` for 0."""
    if value <= 0:
        return -math.inf
    exponent = math.log10(value)
    return math.copysign(math.floor(abs(exponent) + 0.5), exponent)


def _time_frame(avg_duration: int) -> int:
    """``calculateTimeFrame``: the window the throughput and success rate look at."""
    if 0 < avg_duration < 30:
        return 300
    if 30 < avg_duration < 900:
        return 900
    return _LONGEST_FRAME


def _domain(storage: str) -> str:
    dot = storage.find(".")
    return storage[dot:] if dot >= 0 else ""


def is_lan(source: str, dest: str) -> bool:
    """fts3 ``common/Uri.cpp: isLanTransfer``: equal, or equal from the first dot on
    (so ``mock://a.example`` and ``mock://b.example`` are a LAN pair)."""
    return source == dest or _domain(source) == _domain(dest)


class Optimizer:
    def __init__(self, state: FtsState, config: Configuration) -> None:
        self.state = state
        self.config = config
        self.settings = OptimizerSettings()
        self.enabled = True  # server config ``Optimizer`` (default true)
        self.current: dict[tuple[str, str], OptimizerRow] = {}
        self.evolution: deque[EvolutionRow] = deque(maxlen=self.settings.history_limit)
        self._recent: dict[tuple[str, str], deque[EvolutionRow]] = {}  # last hour, per pair
        self._ended: dict[tuple[str, str], deque[tuple]] = {}  # _Ended, last 30 min, per pair
        self._memory: dict[tuple[str, str], _PairState] = {}  # 3.13/legacy inMemoryStore
        self._tick: ScheduledEvent | None = None

    # --- the REST side -----------------------------------------------------------------

    def set_values(self, body: dict) -> tuple[EvolutionRow, OptimizerRow, dict]:
        """Store a decision; returns both rows and the extra keys echoed by the server."""
        source, dest = body.get("source_se"), body.get("dest_se")
        if not isinstance(source, str | None) or not isinstance(dest, str | None):
            # the real server fails in its database (a 500); the double answers 400
            raise errors.InvalidValue(detail="source_se and dest_se must be strings")
        if not source or not dest:
            raise errors.MissingPair()
        numbers = {name: _number(body, name, default, int) for name, default in _INTEGERS}
        numbers.update({name: _number(body, name, default, float) for name, default in _FLOATS})
        columns.fits("t_optimizer", {"source_se": source, "dest_se": dest})  # real: a 500
        return self._store(body, source, dest, numbers)

    @settled  # after the checks above: a refused decision settles nothing
    def _store(
        self, body: dict, source: str, dest: str, numbers: dict[str, Any]
    ) -> tuple[EvolutionRow, OptimizerRow, dict]:
        now = self.state.clock.time()
        evolution = EvolutionRow(
            now,
            source,
            dest,
            numbers["active"],
            numbers["throughput"],
            numbers["success"],
            body.get("rationale"),
            numbers["diff"],
            numbers["actual_active"],
            numbers["queue_size"],
            numbers["ema"],
            numbers["filesize_avg"],
            numbers["filesize_stddev"],
        )
        optimizer = OptimizerRow(
            source, dest, numbers["ema"], numbers["active"], now, numbers["nostreams"]
        )
        self._record(evolution)
        self.current[(source, dest)] = optimizer
        self.state.daemon.limits_changed(now)
        columns = {f.name for f in fields(OptimizerRow)}
        extra = {k: v for k, v in body.items() if k not in columns}
        return evolution, optimizer, extra

    def _record(self, row: EvolutionRow) -> None:
        """Append an evolution row; one with the same primary key (datetime, pair) is
        merged into the stored one, as ``session.merge`` does."""
        pair = (row.source_se, row.dest_se)
        recent = self._recent.setdefault(pair, deque())
        if recent and recent[-1].datetime == row.datetime:
            old = recent.pop()
            for index in range(len(self.evolution) - 1, -1, -1):
                if self.evolution[index] is old:
                    self.evolution[index] = row
                    break
            else:  # it had fallen off the bounded log
                self.evolution.append(row)
        else:
            self.evolution.append(row)
        recent.append(row)
        while recent and recent[0].datetime < row.datetime - HISTORY_WINDOW:
            recent.popleft()

    @locked
    def evolution_rows(self, source: str | None = None, dest: str | None = None) -> list:
        rows = []
        for row in reversed(self.evolution):
            if (source and row.source_se != source) or (dest and row.dest_se != dest):
                continue
            rows.append(row)
            if len(rows) == EVOLUTION_LIMIT:
                break
        return rows

    @locked
    def current_rows(self, source: str | None = None, dest: str | None = None) -> list:
        rows = [
            row
            for row in self.current.values()
            if not (source and row.source_se != source) and not (dest and row.dest_se != dest)
        ]
        return sorted(rows, key=lambda row: row.datetime, reverse=True)

    def active_for(self, source: str, dest: str) -> int | None:
        row = self.current.get((source, dest))
        return row.active if row is not None else None

    def history(self, source: str, dest: str, now: float) -> list[EvolutionRow]:
        """Evolution rows of a pair dated within the last hour (what
        ``lib/scheduler/db.py`` averages), oldest first."""
        since = now - HISTORY_WINDOW
        return [row for row in self._recent.get((source, dest), ()) if row.datetime >= since]

    # --- what the optimizer sees ---------------------------------------------------------

    def transfer_ended(self, file: File, now: float) -> None:
        """The lifecycle's ``ended`` hook: a transfer ended FINISHED or FAILED."""
        ended = self._ended.setdefault((file.source_se, file.dest_se), deque())
        ended.append(
            (  # an _Ended
                math.floor(now),
                math.floor(file.start_time if file.start_time is not None else now),
                file.filesize or 0,
                file.file_state == S.FINISHED,
                file.recoverable,
                file.tx_duration or 0.0,
            )
        )
        while ended and ended[0][0] < now - _LONGEST_FRAME:  # finish
            ended.popleft()
        self.watch(now)  # a spare replica may start

    def watch(self, now: float | None = None) -> None:
        """Make sure a run is planned, ``OptimizerInterval`` after ``now`` (default: the
        clock; the store calls it on every submission)."""
        if self._tick is None and self.settings.running:
            start = self.state.clock.time() if now is None else now
            self._tick = self.state.scheduler.at(start + self.settings.interval, self._run)

    def _pairs(self) -> dict[tuple[str, str], _Counts]:
        """``getActivePairs`` with each pair's SUBMITTED and ACTIVE counts, sorted."""
        return {
            pair: _Counts(submitted, active)
            for pair, (submitted, active) in self.state.index.active_pairs().items()
        }

    def _run(self, now: float) -> None:
        """``OptimizerService::optimizeAllPairs``, then the next run while pairs remain."""
        self._tick = None
        if not self.settings.running:
            return
        pairs = self._pairs()
        memory = self._memory if self.state.profile.name != "3.14" else {}
        for pair, counts in pairs.items():
            mode = self._mode(*pair)
            if self._optimize(pair, counts, now, mode, memory):
                self._streams(pair, mode, memory[pair])
        if pairs:
            self.watch(now)

    # --- the decision --------------------------------------------------------------------

    def _measure(self, pair: tuple[str, str], counts: _Counts, now: float) -> _PairState:
        """The pair's ``PairState`` from the transfers that ended on it
        (``getAverageDuration``, ``getThroughputInfo``, ``getSuccessRateForPair``)."""
        ended = list(map(_Ended._make, self._ended.get(pair, ())))
        moment = math.floor(now)
        durations = [
            e.tx_duration
            for e in ended
            if e.finished and e.tx_duration > 0 and e.finish > moment - _LONGEST_FRAME
        ]
        frame = _time_frame(int(sum(durations) / len(durations)) if durations else 0)
        start_of_window = moment - frame
        total, sizes = 0.0, []
        finished = failed = 0
        for e in ended:
            if e.finished and e.finish >= start_of_window:
                duration = e.finish - e.start
                if duration > 0 and e.filesize > 0:
                    total += (e.filesize // duration) * (e.finish - max(e.start, start_of_window))
                elif duration <= 0:
                    total += e.filesize
                if e.filesize > 0:
                    sizes.append(e.filesize)
            if e.finish > start_of_window:
                if e.finished:
                    finished += 1
                elif e.recoverable:
                    failed += 1
        state = _PairState(
            timestamp=now, active=counts.active, queue=counts.submitted, throughput=total / frame
        )
        state.success = (
            math.ceil(finished * 100.0 / (finished + failed)) if finished + failed else 100.0
        )
        if sizes:
            state.filesize_avg = sum(sizes) / len(sizes)
            state.filesize_stddev = math.sqrt(
                sum((state.filesize_avg - s) ** 2 for s in sizes) / len(sizes)
            )
        return state

    def _working_range(self, source: str, dest: str) -> _Range:
        """``getPairLimits`` then ``getOptimizerWorkingRange``."""
        storages = self.config.storages
        outbound = storages.get(source) or storages.get("*") or {}
        inbound = storages.get(dest) or storages.get("*") or {}
        found = _Range()
        preference, link = self._link(source, dest)
        if link is not None:
            found.specific = preference < 3
            if link.min_active is not None and link.max_active is not None:
                found.min, found.max = link.min_active, link.max_active
        if found.min <= 0:
            found.min = 10 if is_lan(source, dest) else 2
        if found.max <= 0:
            found.max = min(
                int(outbound.get("outbound_max_active") or 0),
                int(inbound.get("inbound_max_active") or 0),
            )
            found.storage_specific = True
            found.max = max(found.max, found.min)
        return found

    def _link(self, source: str, dest: str) -> tuple[int, Link | None]:
        """The link configuration that applies, and its preference: (source, dest) 0,
        (source, *) 1, (*, dest) 2, (*, *) 3 (``getPairLimits``, ``getOptimizerMode``)."""
        links = {(link.source, link.destination): link for link in self.config.links.values()}
        for preference, key in enumerate(((source, dest), (source, "*"), ("*", dest), ("*", "*"))):
            if key in links:
                return preference, links[key]
        return 4, None

    def _mode(self, source: str, dest: str) -> int:
        """``getOptimizerMode``: the link's ``optimizer_mode``, conservative (1) by default."""
        link = self._link(source, dest)[1]
        return (link.optimizer_mode if link is not None else None) or _CONSERVATIVE

    def _optimize(
        self,
        pair: tuple[str, str],
        counts: _Counts,
        now: float,
        mode: int,
        memory: dict[tuple[str, str], _PairState],
    ) -> bool:
        """``OptimizerExecutor::optimizeConnectionsForPair``: True when it decided."""
        settings, legacy = self.settings, self.state.profile.name == "legacy"
        span = self._working_range(*pair)
        row = self.current.get(pair)
        previous_value = row.active if row is not None else 0
        current = self._measure(pair, counts, now)
        if previous_value == 0:
            if span.specific:
                decision, rationale = span.max, "No information. Use configured range max."
            else:
                decision = span.min + (span.max - span.min) // 2
                rationale = "No information. Start halfway."
            self._decide(pair, current, decision, decision, rationale, memory)
            current.ema = current.throughput  # after the store: the first row has ema 0
            memory[pair] = current  # with connections 1: the streams see 1
            return True
        first_run = pair not in memory
        if first_run:
            current.ema = current.throughput
            memory[pair] = current
            if legacy:
                return False  # fts3 3.9: the first feedback since the start decides nothing
        previous = replace(memory[pair])  # a copy, as the C++ takes one
        if current.throughput > 0:
            current.ema = settings.ema_alpha * current.throughput + (1 - settings.ema_alpha) * (
                previous.ema
            )
        else:
            current.ema = previous.ema
        if span.min == span.max:
            self._decide(pair, current, span.min, 0, "Range fixed", memory)
            return True
        if (
            not first_run
            and current.success == previous.success
            and current.ema == previous.ema
            and int(now - previous.timestamp) < settings.steady_interval
        ):
            return False  # same success and EMA, too soon: skipped, nothing written
        decision, rationale = self._step(current, previous, previous_value, mode)
        if decision < span.min:
            decision, rationale = span.min, rationale + ". Hit lower range limit"
            if not span.specific and not legacy:
                rationale += ". Using *->* link configuration"
        elif decision > span.max:
            decision, rationale = span.max, rationale + ". Hit upper range limit"
            if not legacy and not span.specific:
                rationale += ". Using *->* link configuration"
            elif not legacy and span.storage_specific:
                rationale += ". Link not configured. Using SE limits"
        if mode == _CONSERVATIVE and decision > previous_value and current.queue < decision:
            decision, rationale = previous_value, rationale + ". Not enough files in the queue"
        if (
            mode >= _NORMAL
            and (legacy or decision > previous_value)
            and decision > current.queue * settings.max_streams
        ):
            decision, rationale = previous_value, rationale + ". Too many streams"
        self._decide(pair, current, decision, decision - previous_value, rationale, memory)
        return True

    def _step(
        self, current: _PairState, previous: _PairState, value: int, mode: int
    ) -> tuple[int, str]:
        """``optimizeLowSuccessRate``, ``optimizeNotEnoughInformation`` and
        ``optimizeGoodSuccessRate``: the step from the previous decision, and why."""
        settings = self.settings
        down = value - settings.decrease_step
        if current.success < settings.low_success_rate:
            if (
                current.success > previous.success
                and current.success >= settings.base_success_rate
                and current.retries <= previous.retries
            ):
                return value, "Bad link efficiency but progressively improving"
            if current.success < previous.success:
                return down, "Bad link efficiency"
            return down, "Bad link efficiency, no changes"
        if current.ema == 0:
            return value, "Steady, not enough throughput information"
        step = settings.aggressive_increase_step if mode >= _NORMAL else settings.increase_step
        if current.queue < value:
            return value, "Queue emptying. Hold on."
        if current.ema < previous.ema:
            if _magnitude(current.filesize_avg) < _magnitude(previous.filesize_avg):
                return value + step, (
                    "Good link efficiency, throughput deterioration, avg. filesize decreasing"
                )
            if _magnitude(current.ema) < _magnitude(previous.ema):
                return down, "Good link efficiency, throughput deterioration"
            return value, "Good link efficiency, small throughput deterioration"
        if current.ema > previous.ema:
            return value + step, (
                "Good link efficiency, current average throughput is larger than the "
                "preceding average"
            )
        return value + step, "Good link efficiency. Increment"

    def _decide(
        self,
        pair: tuple[str, str],
        current: _PairState,
        decision: int,
        diff: int,
        rationale: str,
        memory: dict[tuple[str, str], _PairState],
    ) -> None:
        """``setOptimizerDecision``: remember it, and ``storeOptimizerDecision`` (the
        evolution row, and the current row's ``active``, ``ema`` and ``datetime``)."""
        now = current.timestamp
        memory[pair] = replace(current, connections=decision)
        self._record(
            EvolutionRow(
                now,
                *pair,
                active=decision,
                throughput=current.throughput,
                success=current.success,
                rationale=rationale,
                diff=diff,
                actual_active=current.active,
                queue_size=current.queue,
                ema=current.ema,
                filesize_avg=current.filesize_avg,
                filesize_stddev=current.filesize_stddev,
            )
        )
        row = self.current.get(pair)
        streams = row.nostreams if row is not None else 1
        self.current[pair] = OptimizerRow(*pair, current.ema, decision, now, streams)
        self.state.daemon.limits_changed(now)  # a raised decision starts waiting files

    def _streams(self, pair: tuple[str, str], mode: int, state: _PairState) -> None:
        """``optimizeStreamsForPair``: 1 up to conservative mode, else the connections
        shared among the pair's transfers, within 1..``OptimizerMaxStreams``."""
        streams = 1
        available = state.active + state.queue
        if mode > _CONSERVATIVE and available > 0:
            streams = min(max(state.connections // available, 1), max(self.settings.max_streams, 1))
        self.current[pair].nostreams = streams
