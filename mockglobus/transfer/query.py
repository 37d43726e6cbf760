"""The filter and orderby mini-languages of Transfer list routes.

``filter``: clauses ``key:value`` joined by ``/`` (AND); a value may be a comma list
(any of). Repeated ``filter`` parameters (``operation_ls`` only) are OR-ed. String
values may start with ``=`` (exact, default), ``~`` (glob), ``!`` / ``!=`` (not
equal) or ``!~`` (not matching). Date ranges are ``start,end`` with either side empty.

``orderby``: comma-separated ``field [ASC|DESC]``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from mockglobus.transfer.errors import BadRequest


@dataclass(frozen=True)
class StringMatch:
    pattern: str
    glob: bool
    negate: bool

    @classmethod
    def parse(cls, text: str) -> StringMatch:
        negate = text.startswith("!")
        if negate:
            text = text[1:]
        glob = text.startswith("~")
        if glob or text.startswith("="):
            text = text[1:]
        return cls(text, glob, negate)

    def __call__(self, value: str | None) -> bool:
        value = value or ""
        hit = fnmatch.fnmatchcase(value, self.pattern) if self.glob else value == self.pattern
        return hit != self.negate


def parse_time(text: str) -> float:
    """An ISO 8601 date or datetime (``T`` or space; ``Z`` or offset; naive = UTC)."""
    value = text.strip().replace("Z", "+00:00")
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"Invalid date '{text}'") from exc
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.timestamp()


@dataclass(frozen=True)
class TimeRange:
    start: float | None
    end: float | None

    @classmethod
    def parse(cls, text: str, key: str) -> TimeRange:
        if "," not in text:
            raise BadRequest(f"Invalid filter '{key}:{text}': a date range is 'start,end'")
        left, right = text.split(",", 1)
        try:
            return cls(
                parse_time(left) if left.strip() else None,
                parse_time(right) if right.strip() else None,
            )
        except ValueError as exc:
            raise BadRequest(f"Invalid filter '{key}:{text}': {exc}") from None

    def __call__(self, value: float | None) -> bool:
        if value is None:
            return False
        return (self.start is None or value >= self.start) and (
            self.end is None or value <= self.end
        )


def split_clauses(text: str, allowed: Iterable[str]) -> dict[str, str]:
    """``a:1/b:2`` → ``{"a": "1", "b": "2"}``; unknown keys are a ``BadRequest``."""
    allowed = tuple(allowed)
    clauses: dict[str, str] = {}
    for clause in text.split("/"):
        if not clause:
            continue
        key, sep, value = clause.partition(":")
        key = key.strip()
        if not sep:
            raise BadRequest(f"Invalid filter clause '{clause}': expected 'field:value'")
        if key not in allowed:
            raise BadRequest(
                f"Invalid filter field '{key}'; valid fields are: {', '.join(allowed)}"
            )
        clauses[key] = value
    return clauses


Predicate = Callable[[Any], bool]


def parse_orderby(text: str | None, allowed: Iterable[str]) -> list[tuple[str, bool]]:
    """``"name ASC,size DESC"`` → ``[("name", False), ("size", True)]`` (True = DESC)."""
    allowed = tuple(allowed)
    if not text:
        return []
    order: list[tuple[str, bool]] = []
    for item in text.split(","):
        words = item.split()
        if not words:
            continue
        name = words[0]
        direction = words[1].upper() if len(words) > 1 else "ASC"
        if name not in allowed or direction not in ("ASC", "DESC") or len(words) > 2:
            raise BadRequest(
                f"Invalid orderby '{item.strip()}'; valid fields are: {', '.join(allowed)}"
                " followed by ASC or DESC"
            )
        order.append((name, direction == "DESC"))
    return order


def sort_by(
    items: list[Any], order: list[tuple[str, bool]], key: Callable[[Any, str], Any]
) -> list[Any]:
    """Stable multi-key sort; ``None`` sorts after every value in either direction."""
    for name, desc in reversed(order):
        present = [i for i in items if key(i, name) is not None]
        missing = [i for i in items if key(i, name) is None]
        present.sort(key=lambda i, n=name: key(i, n), reverse=desc)  # type: ignore[misc]
        items = present + missing
    return items


def int_param(
    value: str | None, name: str, *, default: int, minimum: int = 0, maximum: int | None = None
) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"Invalid {name} '{value}': must be an integer") from None
    if number < minimum or (maximum is not None and number > maximum):
        bound = f" and {maximum}" if maximum is not None else ""
        raise BadRequest(f"Invalid {name} '{value}': must be between {minimum}{bound}")
    return number


def bool_param(value: str | None, name: str, *, default: bool) -> bool:
    if value is None or value == "":
        return default
    lowered = value.lower()
    if lowered in ("1", "true", "t", "yes", "y", "on"):
        return True
    if lowered in ("0", "false", "f", "no", "n", "off"):
        return False
    raise BadRequest(f"Invalid {name} '{value}': must be a boolean")
