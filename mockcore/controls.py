"""Checking the inputs of the ``/_mock/*`` control routes, for both doubles.

A control that refuses an input raises :class:`ControlRefused` (a ``ValueError``)
before it changes anything; each service renders it as its own 400. Refused: numbers
that are not finite (``nan``, ``inf``, ``1e400``), negative advances, lifetimes that are
not positive, advances past :data:`MAX_ADVANCE` or that would take the clock past
:data:`HORIZON` (the services render dates up to year 9999 only), and names that are
empty, too long or hold control characters.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from mockcore.clock import Clock

#: Longest single ``/_mock/advance``: ten years.
MAX_ADVANCE = 10 * 366 * 86400.0
#: Longest token lifetime ``/_mock/token`` mints: ten years.
MAX_LIFETIME = 10 * 366 * 86400.0
#: The clock never goes past this (dates it stamps must stay renderable).
HORIZON = datetime(9000, 1, 1, tzinfo=timezone.utc).timestamp()
#: Longest user, VO or resource server name.
MAX_NAME = 256


class ControlRefused(ValueError):
    """An input a ``/_mock`` control refuses; nothing was changed."""


def number(value: Any, name: str, *, positive: bool = False, maximum: float = math.inf) -> float:
    """``value`` (a JSON number or its text) as a finite float, ``>= 0`` (``> 0`` if
    ``positive``) and ``<= maximum``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ControlRefused(f"{name} must be a number, not {type(value).__name__}")
    try:
        result = float(value)
    except (ValueError, OverflowError):
        raise ControlRefused(f"{name} must be a number (got {str(value)[:40]!r})") from None
    if not math.isfinite(result):
        raise ControlRefused(f"{name} must be a finite number (got {str(value)[:40]!r})")
    if result < 0 or (positive and result == 0):
        raise ControlRefused(f"{name} must be {'> 0' if positive else '>= 0'} (got {result})")
    if result > maximum:
        raise ControlRefused(f"{name} must be at most {maximum:.0f} (got {result})")
    return result


def advance_seconds(value: Any, clock: Clock) -> float:
    """Seconds ``/_mock/advance`` may move ``clock`` by (call with the state's lock held,
    so the clock does not move between the check and the advance)."""
    seconds = number(value, "seconds", maximum=MAX_ADVANCE)
    if clock.time() + seconds > HORIZON:
        horizon = datetime.fromtimestamp(HORIZON, timezone.utc)
        raise ControlRefused(f"seconds={seconds} would take the clock past {horizon:%Y-%m-%d}")
    return seconds


def lifetime(value: Any) -> float:
    return number(value, "lifetime", positive=True, maximum=MAX_LIFETIME)


def name(value: Any, what: str) -> str:
    """A user, VO or resource server name: a non-empty printable string."""
    if not isinstance(value, str):
        raise ControlRefused(f"{what} must be a string, not {type(value).__name__}")
    if not value or len(value) > MAX_NAME:
        raise ControlRefused(f"{what} must have 1 to {MAX_NAME} characters")
    if not value.isprintable():
        raise ControlRefused(f"{what} must not hold control characters")
    return value


__all__ = [
    "HORIZON",
    "MAX_ADVANCE",
    "MAX_LIFETIME",
    "MAX_NAME",
    "ControlRefused",
    "advance_seconds",
    "lifetime",
    "name",
    "number",
]
