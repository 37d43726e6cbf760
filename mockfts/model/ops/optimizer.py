"""Optimizer tables (``/optimizer...``).

Facts read in fts-rest-flask 3.13.4 ``controllers/optimizer.py`` and
``model/optimizer.py``: one current row per pair (``t_optimizer``: ``source_se,
dest_se, ema, active, datetime, nostreams``) and an evolution log
(``t_optimizer_evolution``). ``POST /optimizer/current`` checks its numbers in a fixed
order (integers ``active`` 2, ``nostreams`` 1, ``diff`` 1, ``actual_active`` 1,
``queue_size`` 1; floats ``ema``, ``throughput``, ``success``, ``filesize_avg``,
``filesize_stddev`` 0), each with its own message, and answers ``[evolution,
optimizer]``. The server copies every input key onto both ORM objects before saving,
so the optimizer row it answers also carries the other keys posted (e.g.
``rationale``); the stored row, read back by ``GET``, has only its columns.

The double's daemon does not write optimizer decisions of its own; the tables hold
what clients post.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from mockcore.locking import locked, settled
from mockfts import errors
from mockfts.model import columns

if TYPE_CHECKING:
    from mockfts.model.store import FtsState

EVOLUTION_LIMIT = 50

_INTEGERS = (("active", 2), ("nostreams", 1), ("diff", 1), ("actual_active", 1), ("queue_size", 1))
_FLOATS = (
    ("ema", 0),
    ("throughput", 0),
    ("success", 0),
    ("filesize_avg", 0),
    ("filesize_stddev", 0),
)


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


def _number(body: dict, name: str, default: Any, kind: type) -> Any:
    try:
        value = kind(body.get(name, default))
    except (TypeError, ValueError) as exc:
        error = errors.NotAnInteger if kind is int else errors.NotAFloat
        raise error(name=name.capitalize(), detail=str(exc)) from None
    if value < 0:
        raise errors.NotPositive(name=name.capitalize(), value=value)
    return value


class Optimizer:
    def __init__(self, state: FtsState) -> None:
        self.state = state
        self.enabled = True  # server config ``Optimizer`` (default true)
        self.current: dict[tuple[str, str], OptimizerRow] = {}
        self.evolution: list[EvolutionRow] = []  # oldest first

    def set_values(self, body: dict) -> tuple[EvolutionRow, OptimizerRow, dict]:
        """Store a decision; returns both rows and the extra keys echoed by the server."""
        source, dest = body.get("source_se"), body.get("dest_se")
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
        if self.evolution and (
            self.evolution[-1].datetime,
            self.evolution[-1].source_se,
            self.evolution[-1].dest_se,
        ) == (now, source, dest):
            self.evolution[-1] = evolution  # same primary key: merged
        else:
            self.evolution.append(evolution)
        self.current[(source, dest)] = optimizer
        columns = {f.name for f in fields(OptimizerRow)}
        extra = {k: v for k, v in body.items() if k not in columns}
        return evolution, optimizer, extra

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
