"""Field paths and types of entry content, as Search maps them (dynamic schema).

The first value a field gets fixes its type (docs.globus.org/api/search/reference/
"Field types"): ``bool`` → ``boolean``, ``int`` → ``long``, ``float`` → ``double``, a
string in one of the accepted date formats → ``date``, any other string → ``text``.
Later values are widened losslessly (an int into a ``double`` field, a number or a bool
into a ``text`` field, stored as its string); narrowing (a string into a numeric field,
a float into a ``long``) is refused: the ingest task fails.

Objects nest: a field's path joins the keys with ``.`` (a literal dot in a key is
written ``\\.``); a list holds several values of its field. Text fields are also
"keyword" fields: filters, facets and sorts use the whole value, exact and
case-sensitive, while ``q`` matches their words (:mod:`.engine`).
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterator
from typing import Any

BOOLEAN, LONG, DOUBLE, DATE, TEXT = "boolean", "long", "double", "date", "text"
NUMERIC = (LONG, DOUBLE)

_DATE = re.compile(
    r"(?P<y>\d{4})(?P<sep>[-/])(?P<m>\d{2})(?P=sep)(?P<d>\d{2})"
    r"(?:[ T](?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})(?:\.(?P<f>\d{1,9}))?"
    r"\s?(?P<z>Z|[+-]\d{2}:?\d{2})?)?"
)


class FieldTypeError(ValueError):
    """A value that does not fit its field's type (the ingest task fails with it)."""


def parse_date(text: str) -> float | None:
    """Epoch seconds (UTC) of a string in an accepted date format, else None:
    ``yyyy-MM-dd``, ``yyyy-MM-dd HH:mm:ss``, ``yyyy/MM/dd HH:mm:ss Z``,
    ``yyyy-MM-dd'T'HH:mm:ssZ``, ``yyyy-MM-dd'T'HH:mm:ss.SSSZ``."""
    found = _DATE.fullmatch(text.strip()) if isinstance(text, str) else None
    if found is None:
        return None
    g = found.groupdict()
    if g["sep"] == "/" and g["H"] is None:
        return None
    try:
        year, month, day = int(g["y"]), int(g["m"]), int(g["d"])
        hour, minute, second = int(g["H"] or 0), int(g["M"] or 0), int(g["S"] or 0)
        if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
            return None
        if hour > 23 or minute > 59 or second > 59:
            return None
    except ValueError:
        return None
    epoch = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    if g["f"]:
        epoch += int(g["f"]) / 10 ** len(g["f"])
    zone = g["z"]
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        epoch -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return float(epoch)


def format_date(epoch: float) -> str:
    """How the double writes a date back (facet buckets): ``yyyy-MM-dd HH:mm:ss``."""
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


def type_of(value: Any) -> str:
    """The type a first value gives its field."""
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return LONG
    if isinstance(value, float):
        return DOUBLE
    if isinstance(value, str) and parse_date(value) is not None:
        return DATE
    return TEXT


def escape_key(key: str) -> str:
    return key.replace(".", "\\.")


def leaves(content: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every ``(path, scalar)`` of a content document (lists give several; ``null``
    none)."""
    if isinstance(content, dict):
        for key, value in content.items():
            path = f"{prefix}.{escape_key(str(key))}" if prefix else escape_key(str(key))
            yield from leaves(value, path)
    elif isinstance(content, list):
        for item in content:
            yield from leaves(item, prefix)
    elif content is not None and prefix:
        yield prefix, content


def coerce(value: Any, field_type: str, path: str) -> Any:
    """``value`` stored in a field of ``field_type``: widened, or refused."""
    kind = type_of(value)
    if kind == field_type:
        return parse_date(value) if kind == DATE else value
    if field_type == DOUBLE and kind == LONG:
        return float(value)
    if field_type == TEXT:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float, str)):
            return value if isinstance(value, str) else json.dumps(value)
    raise FieldTypeError(
        f"Field '{path}' is of type {field_type}; the value {json.dumps(value)} "
        f"({kind}) cannot be stored in it"
    )


def typed_values(
    content: dict[str, Any], mapping: dict[str, str]
) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """The values of ``content`` per path, typed by ``mapping`` (the index's fields so
    far), and the fields this content adds. Raises :class:`FieldTypeError`."""
    values: dict[str, list[Any]] = {}
    added: dict[str, str] = {}
    for path, value in leaves(content):
        field_type = mapping.get(path) or added.get(path)
        if field_type is None:
            field_type = added[path] = type_of(value)
        values.setdefault(path, []).append(coerce(value, field_type, path))
    return values, added


def query_value(raw: Any, field_type: str) -> Any:
    """A value written in a query (filter values, range bounds, ``field:value``) as a
    value of the field's type, or None when it cannot be one (it then matches nothing)."""
    if field_type == DATE:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return float(raw)
        return parse_date(str(raw))
    if field_type in NUMERIC:
        if isinstance(raw, bool):
            return None
        if isinstance(raw, (int, float)):
            return raw
        try:
            return float(str(raw))
        except ValueError:
            return None
    if field_type == BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).lower()
        return {"true": True, "false": False}.get(text)
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return raw if isinstance(raw, str) else json.dumps(raw)


__all__ = [
    "BOOLEAN",
    "DATE",
    "DOUBLE",
    "FieldTypeError",
    "LONG",
    "NUMERIC",
    "TEXT",
    "coerce",
    "format_date",
    "leaves",
    "parse_date",
    "query_value",
    "type_of",
    "typed_values",
]
