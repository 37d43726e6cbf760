"""Timer schedules: checking a submitted one, and when its runs fall.

A schedule is ``{"type": "once", "datetime"?}`` or ``{"type": "recurring",
"interval_seconds", "start"?, "end"?}`` with ``end`` ``{"condition": "iterations",
"count"}`` or ``{"condition": "time", "datetime"}`` (globus-sdk
``services/timers/data.py`` ``OnceTimerSchedule``/``RecurringTimerSchedule``; the CLI
and the service's spec say ``count``, the SDK docstring ``iterations``: both are
accepted). A missing ``datetime``/``start`` means the time of submission.

Runs fall on slots: slot ``k`` is ``start + k * interval_seconds`` (a once schedule has
slot 0 only). A recurring schedule allows slot ``k`` while fewer than ``count`` runs
happened and the slot is not after the end ``datetime``. A timer whose ``start`` has
passed at submission runs from the first slot not yet past (a once timer: at once).

Limits as the service's spec states them for jobs: ``interval_seconds`` from 60 seconds
to 365 days; a start at most one year after submission.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from mockglobus.timers import errors as E

DAY = 86_400
MIN_INTERVAL = 60
MAX_INTERVAL = 365 * DAY
MAX_LEAD = 365 * DAY


def iso(when: float | None) -> str | None:
    """A time as the service writes it: ISO 8601 in UTC with ``+00:00``."""
    if when is None:
        return None
    return datetime.fromtimestamp(when, tz=timezone.utc).isoformat()


def parse_iso(value: Any, loc: tuple[str | int, ...]) -> float:
    """An ISO 8601 text as a time; naive times are UTC (as the SDK sends them)."""
    if not isinstance(value, str):
        raise E.invalid(loc, "invalid datetime format", "value_error.datetime")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise E.invalid(loc, "invalid datetime format", "value_error.datetime") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def _int(value: Any, loc: tuple[str | int, ...]) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise E.invalid(loc, "value is not a valid integer", "type_error.integer")
    if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
        raise E.invalid(loc, "value is not a valid integer", "type_error.integer")
    return int(value)


@dataclass(frozen=True)
class Schedule:
    """When a timer runs: ``start`` (the first slot), ``interval`` (None for once) and
    the end conditions ``end_count`` / ``end_time``."""

    kind: str
    start: float
    interval: int | None = None
    end_count: int | None = None
    end_time: float | None = None

    def slot(self, k: int) -> float:
        return self.start + k * (self.interval or 0)

    def first_slot_after(self, when: float) -> int:
        """The first slot strictly after ``when`` (a once schedule has no other)."""
        if self.interval is None:
            return 0 if self.start > when else 1
        if self.start > when:
            return 0
        return int((when - self.start) // self.interval) + 1

    def first_slot_from(self, when: float) -> int:
        """The first slot at or after ``when`` (a once schedule's only slot is 0)."""
        if self.interval is None or self.start >= when:
            return 0
        return math.ceil((when - self.start) / self.interval)

    def allows(self, k: int, runs_done: int) -> bool:
        """May slot ``k`` run, ``runs_done`` runs having happened?"""
        if self.interval is None:
            return k == 0 and runs_done == 0
        if self.end_count is not None and runs_done >= self.end_count:
            return False
        return self.end_time is None or self.slot(k) <= self.end_time

    def to_api(self) -> dict[str, Any]:
        """As the service answers (recorded ``create_timer``: ``end`` without its
        ``condition``)."""
        if self.interval is None:
            return {"type": "once", "datetime": iso(self.start)}
        doc: dict[str, Any] = {
            "type": "recurring",
            "interval_seconds": self.interval,
            "start": iso(self.start),
        }
        if self.end_count is not None:
            doc["end"] = {"count": self.end_count}
        elif self.end_time is not None:
            doc["end"] = {"datetime": iso(self.end_time)}
        return doc

    def stop_after(self) -> dict[str, Any]:
        """The v1 ``stop_after`` of a job document."""
        if self.interval is None:
            return {"date": None, "n_runs": 1}
        return {"date": iso(self.end_time), "n_runs": self.end_count}


def parse_schedule(doc: Any, now: float, loc: tuple[str | int, ...]) -> Schedule:
    """A submitted schedule, checked; ``now`` is the time of submission."""
    if not isinstance(doc, dict):
        raise E.missing(*loc) if doc is None else E.invalid(loc, "value is not a valid dict")
    kind = doc.get("type")
    if kind not in ("once", "recurring"):
        raise E.invalid(
            (*loc, "type"),
            "unexpected value; permitted: 'once', 'recurring'",
            "value_error.const",
        )
    if kind == "once":
        when = doc.get("datetime")
        start = now if when is None else parse_iso(when, (*loc, "datetime"))
        _check_lead(start, now, (*loc, "datetime"))
        return Schedule("once", start)
    if "interval_seconds" not in doc:
        raise E.missing(*loc, "interval_seconds")
    interval = _int(doc["interval_seconds"], (*loc, "interval_seconds"))
    if not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        raise E.invalid(
            (*loc, "interval_seconds"),
            f"interval_seconds must be between {MIN_INTERVAL} and {MAX_INTERVAL}",
        )
    start = now if doc.get("start") is None else parse_iso(doc["start"], (*loc, "start"))
    _check_lead(start, now, (*loc, "start"))
    end = doc.get("end")
    if end is None:
        return Schedule("recurring", start, interval)
    if not isinstance(end, dict):
        raise E.invalid((*loc, "end"), "value is not a valid dict")
    condition = end.get("condition")
    if condition == "iterations" or (condition is None and ("count" in end or "iterations" in end)):
        if "count" not in end and "iterations" not in end:
            raise E.missing(*loc, "end", "count")
        key = "count" if "count" in end else "iterations"
        count = _int(end[key], (*loc, "end", key))
        if count < 1:
            raise E.invalid((*loc, "end", key), "ensure this value is greater than or equal to 1")
        return Schedule("recurring", start, interval, end_count=count)
    if condition == "time" or (condition is None and "datetime" in end):
        if "datetime" not in end:
            raise E.missing(*loc, "end", "datetime")
        end_time = parse_iso(end["datetime"], (*loc, "end", "datetime"))
        if end_time < start:
            raise E.invalid((*loc, "end", "datetime"), "end datetime must not be before start")
        return Schedule("recurring", start, interval, end_time=end_time)
    raise E.invalid(
        (*loc, "end", "condition"),
        "unexpected value; permitted: 'iterations', 'time'",
        "value_error.const",
    )


def _check_lead(start: float, now: float, loc: tuple[str | int, ...]) -> None:
    if start > now + MAX_LEAD:
        raise E.invalid(loc, "must be no more than one year after submission")


__all__ = ["Schedule", "iso", "parse_iso", "parse_schedule"]
