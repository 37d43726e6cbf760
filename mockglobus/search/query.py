"""Query documents: ``q`` (simple and advanced), filters, facets, sorts and boosts.

``q`` is parsed into a small tree (:class:`Term`, :class:`Range`, :class:`Bool`,
:data:`EVERYTHING`) and evaluated against an index's entries: words and phrases by the
full-text engine (:mod:`.engine`), ranges and terms on non-text fields by value.

* **Simple** (``advanced`` false, the default): words and ``"quoted phrases"``, any of
  which may match (OR), ranked by relevance; ``*`` alone matches everything; a word
  ending in ``*`` is a prefix. Every other character is taken literally (as the real
  simple mode, it never fails).
* **Advanced**: the Lucene query-string syntax Search documents: ``field:value``,
  ``field:"a phrase"``, ``AND``/``OR``/``NOT`` (also ``&&``, ``||``, ``!``), ``+``/``-``
  prefixes, parentheses, ranges ``field:[a TO b]``/``{a TO b}`` (``*`` open) and
  ``field:>=x``, and the wildcards ``*``/``?``. Terms side by side are ORed. A query
  that does not parse is a 400 ``BadRequest.InvalidQuery``.

Not implemented: fuzzy (``~``), proximity, regular expressions (``/re/``), term boosts
(``^``) and field-name wildcards; ``q_settings`` is accepted and ignored.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mockglobus.search import errors as E
from mockglobus.search.engine import FullText, phrase
from mockglobus.search.fields import (
    BOOLEAN,
    DATE,
    NUMERIC,
    TEXT,
    format_date,
    parse_date,
    query_value,
)

MAX_Q = 256

# ---------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Term:
    """A word or phrase, in every field or in ``field``; ``wildcard`` when it holds
    ``*``/``?`` (a trailing ``*`` alone is a prefix)."""

    text: str
    field: str | None = None
    quoted: bool = False

    @property
    def wildcard(self) -> bool:
        return not self.quoted and ("*" in self.text or "?" in self.text)


@dataclass(frozen=True)
class Range:
    field: str
    low: str | None
    high: str | None
    low_inclusive: bool = True
    high_inclusive: bool = True


@dataclass(frozen=True)
class Everything:
    pass


EVERYTHING = Everything()


@dataclass
class Bool:
    must: list[Any] = field(default_factory=list)
    should: list[Any] = field(default_factory=list)
    must_not: list[Any] = field(default_factory=list)


# ---------------------------------------------------------------------------- parsing

_SIMPLE = re.compile(r'"([^"]*)"?|(\S+)')


def parse_simple(q: str) -> Any:
    """The simple mode: phrases and words, ORed; ``*`` is everything."""
    if q.strip() in ("", "*"):
        return EVERYTHING
    should = []
    for quoted, word in _SIMPLE.findall(q):
        if quoted:
            should.append(Term(quoted, quoted=True))
        elif word == "*":
            return EVERYTHING
        else:
            should.append(Term(word))
    return Bool(should=should)


_TOKEN = re.compile(
    r"\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<and>AND\b|&&)|(?P<or>OR\b|\|\|)|(?P<not>NOT\b|!)"
    r"|(?P<plus>\+)|(?P<minus>-)|(?P<range>[\[{][^\]}]*[\]}])|(?P<cmp>[<>]=?)"
    r'|(?P<quote>"(?:[^"\\]|\\.)*")|(?P<word>(?:[^\s()"\\:\[\]{}]|\\.)+)(?P<colon>:)?)'
)


class _Parser:
    def __init__(self, q: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        q = q.rstrip()
        while pos < len(q):
            found = _TOKEN.match(q, pos)
            if found is None or found.end() == pos:
                raise E.InvalidQuery(f"unexpected character {q[pos:].strip()[:1]!r} at {pos}")
            kind = found.lastgroup or ""
            if kind == "colon":
                self.tokens.append(("field", found.group("word")))
            elif kind == "quote":
                if len(found.group("quote")) < 2:
                    raise E.InvalidQuery("unterminated quote")
                self.tokens.append(("quote", found.group("quote")[1:-1]))
            else:
                self.tokens.append((kind, found.group(kind)))
            pos = found.end()
        if q.count('"') % 2:
            raise E.InvalidQuery("unterminated quote")
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise E.InvalidQuery("unexpected end of query")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Any:
        if not self.tokens:
            return EVERYTHING
        node = self.expression()
        if self.pos != len(self.tokens):
            raise E.InvalidQuery(f"unexpected {self.tokens[self.pos][1]!r}")
        return node

    def expression(self) -> Any:
        """AND-groups side by side or joined by OR; ``-x``/``NOT x`` among them exclude,
        ``+x`` require (Lucene's occurs)."""
        node = Bool()
        while True:
            occur, item = self.conjunction()
            getattr(node, occur).append(item)
            if self.peek() in (None, "rp"):
                break
            if self.peek() == "or":
                self.take()
                if self.peek() in (None, "rp"):
                    raise E.InvalidQuery("OR without a right-hand side")
        return _simplify(node)

    def conjunction(self) -> tuple[str, Any]:
        occur, first = self.unary()
        if self.peek() != "and":
            return occur, first
        node = Bool()
        getattr(node, "must_not" if occur == "must_not" else "must").append(first)
        while self.peek() == "and":
            self.take()
            if self.peek() in (None, "rp", "or", "and"):
                raise E.InvalidQuery("AND without a right-hand side")
            occur, item = self.unary()
            getattr(node, "must_not" if occur == "must_not" else "must").append(item)
        return "should", _simplify(node)

    def unary(self) -> tuple[str, Any]:
        kind = self.peek()
        if kind in ("not", "minus"):
            self.take()
            if self.peek() in (None, "rp", "or", "and"):
                raise E.InvalidQuery("NOT without an operand")
            occur, node = self.unary()
            return ("should" if occur == "must_not" else "must_not"), node
        if kind == "plus":
            self.take()
            return "must", self.unary()[1]
        return "should", self.primary()

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "lp":
            node = self.expression()
            if self.take()[0] != "rp":
                raise E.InvalidQuery("unbalanced parenthesis")
            return node
        if kind == "field":
            return self.value(_unescape(text))
        if kind == "quote":
            return Term(_unescape(text), quoted=True)
        if kind == "word":
            return EVERYTHING if text == "*" else Term(_unescape(text))
        raise E.InvalidQuery(f"unexpected {text!r}")

    def value(self, name: str) -> Any:
        kind, text = self.take()
        if kind == "quote":
            return Term(_unescape(text), name, quoted=True)
        if kind == "word":
            return Range(name, None, None) if text == "*" else Term(_unescape(text), name)
        if kind == "range":
            inner = text[1:-1].split(" TO ")
            if len(inner) != 2:
                raise E.InvalidQuery(f"bad range {text!r}")
            low, high = (part.strip() for part in inner)
            return Range(
                name,
                None if low == "*" else low.strip('"'),
                None if high == "*" else high.strip('"'),
                text[0] == "[",
                text[-1] == "]",
            )
        if kind == "cmp":
            bound_kind, bound = self.take()
            if bound_kind not in ("word", "quote"):
                raise E.InvalidQuery(f"bad comparison after {name}:")
            if text.startswith(">"):
                return Range(name, bound, None, text == ">=", True)
            return Range(name, None, bound, True, text == "<=")
        if kind == "lp":  # field:(a b)
            node = self.expression()
            if self.take()[0] != "rp":
                raise E.InvalidQuery("unbalanced parenthesis")
            return with_field(node, name)
        raise E.InvalidQuery(f"missing value for field {name!r}")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _simplify(node: Bool) -> Any:
    if not node.must and not node.should and node.must_not:
        node.must.append(EVERYTHING)  # only exclusions: everything else matches
    if len(node.should) == 1 and not node.must and not node.must_not:
        return node.should[0]
    if len(node.must) == 1 and not node.should and not node.must_not:
        return node.must[0]
    return node


def with_field(node: Any, name: str) -> Any:
    if isinstance(node, Term):
        return Term(node.text, name, node.quoted)
    if isinstance(node, Bool):
        return Bool(
            [with_field(n, name) for n in node.must],
            [with_field(n, name) for n in node.should],
            [with_field(n, name) for n in node.must_not],
        )
    return node


def parse(q: Any, advanced: bool) -> Any:
    if q is None:
        return EVERYTHING
    if not isinstance(q, str):
        raise E.ValidationError("json", {"q": ["Not a valid string."]})
    if len(q) > MAX_Q:
        raise E.BadRequest(f"Query string is too long: {len(q)} characters (limit {MAX_Q})")
    return _Parser(q).parse() if advanced else parse_simple(q)


# ---------------------------------------------------------------------------- evaluation


@dataclass
class Corpus:
    """What a query runs against: one index's entries (``key`` → entry with
    ``values``: typed values per path), its field types and the engine."""

    index_id: str
    entries: dict[int, Any]
    mapping: dict[str, str]
    engine: FullText

    def everything(self) -> dict[int, float]:
        return dict.fromkeys(self.entries, 1.0)

    def run(self, node: Any) -> dict[int, float]:
        if isinstance(node, Everything):
            return self.everything()
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, Range):
            return self.range(node)
        return self.boolean(node)

    def boolean(self, node: Bool) -> dict[int, float]:
        scores: dict[int, float]
        if node.must:
            first, *rest = (self.run(n) for n in node.must)
            scores = dict(first)
            for other in rest:
                scores = {k: s + other[k] for k, s in scores.items() if k in other}
            for other in (self.run(n) for n in node.should):
                for key in scores.keys() & other.keys():
                    scores[key] += other[key]
        elif node.should:
            scores = {}
            for other in (self.run(n) for n in node.should):
                for key, score in other.items():
                    scores[key] = scores.get(key, 0.0) + score
        else:
            scores = self.everything()
        for other in (self.run(n) for n in node.must_not):
            for key in other:
                scores.pop(key, None)
        return scores

    def _matched(self, expression: str, name: str | None) -> dict[int, float]:
        found = self.engine.match(self.index_id, expression, name)
        return {key: score for key, score in found.items() if key in self.entries}

    def term(self, term: Term) -> dict[int, float]:
        name = term.field
        if name is not None and name not in self.mapping:
            return {}
        field_type = self.mapping[name] if name is not None else TEXT
        if name is not None and field_type != TEXT:
            if term.wildcard:
                return self._by_value(name, lambda v: fnmatch.fnmatchcase(str(v), term.text))
            wanted = query_value(term.text, field_type)
            return self._by_value(name, lambda v: v == wanted) if wanted is not None else {}
        if term.wildcard:
            text = term.text
            if text.endswith("*") and "*" not in text[:-1] and "?" not in text:
                words = FullText.tokens(text[:-1])
                if not words:
                    return self.everything() if name is None else self._exists(name)
                expression = " ".join(phrase(w) for w in words[:-1])
                expression = f"{expression} {phrase(words[-1])} *".strip()
                return self._matched(expression, name)
            return self._wildcard(text.lower(), name)
        words = FullText.tokens(term.text)
        if not words:
            return {}
        return self._matched(phrase(" ".join(words)), name)

    def _wildcard(self, pattern: str, name: str | None) -> dict[int, float]:
        found = {}
        for key, entry in self.entries.items():
            paths = [name] if name else [p for p in entry.values if self.mapping.get(p) == TEXT]
            for path in paths:
                if any(
                    fnmatch.fnmatchcase(word, pattern)
                    for value in entry.values.get(path, ())
                    for word in FullText.tokens(str(value))
                ):
                    found[key] = 1.0
                    break
        return found

    def _by_value(self, name: str, test: Callable[[Any], bool]) -> dict[int, float]:
        return {
            key: 1.0
            for key, entry in self.entries.items()
            if any(test(v) for v in entry.values.get(name, ()))
        }

    def _exists(self, name: str) -> dict[int, float]:
        return {key: 1.0 for key, entry in self.entries.items() if entry.values.get(name)}

    def range(self, node: Range) -> dict[int, float]:
        field_type = self.mapping.get(node.field)
        if field_type is None:
            return {}
        bounds = {}
        if node.low is not None:
            bounds["gte" if node.low_inclusive else "gt"] = node.low
        if node.high is not None:
            bounds["lte" if node.high_inclusive else "lt"] = node.high
        test = _range_test(bounds, field_type)
        return self._by_value(node.field, test)


# ---------------------------------------------------------------------------- filters

FILTER_TYPES = ("match_any", "match_all", "range", "exists", "not", "or", "and", "like")


def check_filter(doc: Any, where: str = "filters") -> None:
    """Refuse a filter document that does not fit the schema (400 ValidationError)."""

    def refuse(text: str) -> None:
        raise E.ValidationError("json", {where: [text]})

    if not isinstance(doc, dict):
        refuse("Invalid input type: a filter is an object.")
    kind = doc.get("type")
    if kind not in FILTER_TYPES:
        refuse(f"Unknown filter type {kind!r}; expected one of {', '.join(FILTER_TYPES)}.")
    if kind in ("not",):
        if "filter" not in doc:
            refuse("Missing data for required field 'filter'.")
        check_filter(doc["filter"], where)
        return
    if kind in ("or", "and"):
        if not isinstance(doc.get("filters"), list):
            refuse("Missing data for required field 'filters'.")
        for inner in doc["filters"]:
            check_filter(inner, where)
        return
    if not isinstance(doc.get("field_name"), str):
        refuse("Missing data for required field 'field_name'.")
    if kind in ("match_any", "match_all", "range"):
        values = doc.get("values")
        if not isinstance(values, list) or not values:
            refuse("Missing data for required field 'values'.")
        if kind == "range":
            for bound in values:
                if not isinstance(bound, dict) or not set(bound) <= {
                    "from",
                    "to",
                    "gt",
                    "gte",
                    "lt",
                    "lte",
                }:
                    refuse("A range is an object of from/to (or gt/gte/lt/lte).")
    if kind == "like" and not isinstance(doc.get("value"), str):
        refuse("Missing data for required field 'value'.")


def _range_test(bounds: dict[str, Any], field_type: str) -> Callable[[Any], bool]:
    limits = []
    for key, raw in bounds.items():
        if raw is None or raw == "*":
            continue
        value = query_value(raw, field_type)
        if value is None:
            return lambda v: False
        limits.append((key, value))

    def test(value: Any) -> bool:
        for key, limit in limits:
            try:
                if key in ("from", "gte") and not value >= limit:
                    return False
                if key == "gt" and not value > limit:
                    return False
                if key in ("to", "lte") and not value <= limit:
                    return False
                if key == "lt" and not value < limit:
                    return False
            except TypeError:
                return False
        return True

    return test


def filter_matches(
    doc: dict[str, Any], values: dict[str, list[Any]], mapping: dict[str, str]
) -> bool:
    """Does an entry with these typed ``values`` pass filter ``doc``?"""
    kind = doc["type"]
    if kind == "not":
        return not filter_matches(doc["filter"], values, mapping)
    if kind == "or":
        return any(filter_matches(f, values, mapping) for f in doc["filters"])
    if kind == "and":
        return all(filter_matches(f, values, mapping) for f in doc["filters"])
    name = doc["field_name"]
    present = values.get(name, [])
    field_type = mapping.get(name)
    if kind == "exists":
        return bool(present)
    if field_type is None or not present:
        return False
    if kind in ("match_any", "match_all"):
        wanted = [query_value(v, field_type) for v in doc["values"]]
        test = any if kind == "match_any" else all
        return test(w is not None and w in present for w in wanted)
    if kind == "range":
        return any(any(map(_range_test(b, field_type), present)) for b in doc["values"])
    if kind == "like":
        pattern = doc["value"]
        return field_type == TEXT and any(fnmatch.fnmatchcase(str(v), pattern) for v in present)
    return False


# ---------------------------------------------------------------------------- facets

FACET_TYPES = ("terms", "sum", "avg", "date_histogram", "numeric_histogram", "distinct_count")
DATE_INTERVALS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second")


def check_facets(facets: Any) -> None:
    if not isinstance(facets, list):
        raise E.ValidationError("json", {"facets": ["Not a valid list."]})
    names: set[str] = set()
    for facet in facets:
        if not isinstance(facet, dict) or not isinstance(facet.get("field_name"), str):
            raise E.ValidationError("json", {"facets": ["Missing data for required field."]})
        kind = facet.get("type", "terms")
        if kind not in FACET_TYPES:
            raise E.ValidationError("json", {"facets": [f"Unknown facet type {kind!r}."]})
        if kind == "date_histogram" and facet.get("date_interval") not in DATE_INTERVALS:
            raise E.ValidationError(
                "json", {"facets": [f"date_interval must be one of {', '.join(DATE_INTERVALS)}."]}
            )
        if kind == "numeric_histogram":
            span = facet.get("histogram_range")
            if (
                not isinstance(span, dict)
                or not all(isinstance(span.get(k), (int, float)) for k in ("low", "high"))
                or not isinstance(facet.get("size"), int)
                or facet["size"] < 1
            ):
                raise E.ValidationError(
                    "json", {"facets": ["numeric_histogram needs size and histogram_range."]}
                )
        name = str(facet.get("name", facet["field_name"]))
        if name in names:
            raise E.ValidationError("json", {"facets": [f"Duplicate facet name {name!r}."]})
        names.add(name)


def facet_results(
    facets: list[dict[str, Any]], entries: list[Any], mapping: dict[str, str]
) -> list[dict[str, Any]]:
    """``facet_results`` over the matching entries (before ``post_facet_filters``)."""
    return [_facet(f, entries, mapping) for f in facets]


def _facet(facet: dict[str, Any], entries: list[Any], mapping: dict[str, str]) -> dict[str, Any]:
    name = facet.get("name", facet["field_name"])
    path = facet["field_name"]
    kind = facet.get("type", "terms")
    field_type = mapping.get(path)
    per_entry = [e.values.get(path, []) for e in entries]
    if kind in ("sum", "avg"):
        missing = facet.get("missing")
        numbers: list[float] = []
        for values in per_entry:
            nums = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if nums:
                numbers.extend(nums)
            elif missing is not None:
                numbers.append(missing)
        if kind == "sum":
            return {"name": name, "value": float(sum(numbers))}
        return {"name": name, "value": (sum(numbers) / len(numbers)) if numbers else None}
    if kind == "distinct_count":
        distinct = {v for values in per_entry for v in values}
        return {"name": name, "approximate_value": len(distinct)}
    if kind == "terms":
        counts: Counter = Counter()
        for values in per_entry:
            counts.update(set(values))
        size = facet.get("size", 10)
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:size]
        shown = ((format_date(v) if field_type == DATE else v, c) for v, c in ordered)
        return {"name": name, "buckets": [{"value": v, "count": c} for v, c in shown]}
    if kind == "numeric_histogram":
        span = facet["histogram_range"]
        low, high, size = float(span["low"]), float(span["high"]), facet["size"]
        width = (high - low) / size if high > low else 1.0
        buckets = [0] * size
        for values in per_entry:
            hit = set()
            for v in values:
                if isinstance(v, (int, float)) and not isinstance(v, bool) and low <= v < high:
                    hit.add(min(size - 1, int((v - low) // width)))
            for slot in hit:
                buckets[slot] += 1
        return {
            "name": name,
            "buckets": [
                {"value": {"from": low + i * width, "to": low + (i + 1) * width}, "count": c}
                for i, c in enumerate(buckets)
            ],
        }
    # date_histogram
    interval = facet["date_interval"]
    span = facet.get("histogram_range") or {}
    since = _bound(span.get("low"))
    until = _bound(span.get("high"))
    counts = Counter()
    for values in per_entry:
        starts = set()
        for v in values:
            if (
                field_type == DATE
                and (since is None or v >= since)
                and (until is None or v < until)
            ):
                starts.add(_floor(v, interval))
        counts.update(starts)
    if not counts:
        return {"name": name, "buckets": []}
    first, last = min(counts), max(counts)
    keys: list[float] = []
    current = first
    while current <= last and len(keys) < 10_000:
        keys.append(current)
        current = _next(current, interval)
    return {
        "name": name,
        "buckets": [{"value": format_date(k), "count": counts.get(k, 0)} for k in keys],
    }


def _bound(raw: Any) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    return parse_date(str(raw))


def _floor(epoch: float, interval: str) -> float:
    import calendar
    import time

    t = time.gmtime(epoch)
    if interval == "year":
        parts = (t.tm_year, 1, 1, 0, 0, 0)
    elif interval == "quarter":
        parts = (t.tm_year, 3 * ((t.tm_mon - 1) // 3) + 1, 1, 0, 0, 0)
    elif interval == "month":
        parts = (t.tm_year, t.tm_mon, 1, 0, 0, 0)
    elif interval == "week":  # weeks start on Monday, as Elasticsearch's
        day = calendar.timegm((t.tm_year, t.tm_mon, t.tm_mday, 0, 0, 0, 0, 0, 0))
        return float(day - t.tm_wday * 86_400)
    else:
        step = {"day": 86_400, "hour": 3600, "minute": 60, "second": 1}[interval]
        return float(math.floor(epoch / step) * step)
    return float(calendar.timegm((*parts, 0, 0, 0)))


def _next(start: float, interval: str) -> float:
    import calendar
    import time

    if interval in ("year", "quarter", "month"):
        t = time.gmtime(start)
        months = {"year": 12, "quarter": 3, "month": 1}[interval]
        index = t.tm_mon - 1 + months
        return float(
            calendar.timegm((t.tm_year + index // 12, index % 12 + 1, 1, 0, 0, 0, 0, 0, 0))
        )
    step = {"week": 7 * 86_400, "day": 86_400, "hour": 3600, "minute": 60, "second": 1}[interval]
    return start + step


# ---------------------------------------------------------------------------- sort


def check_sort(sort: Any) -> None:
    if not isinstance(sort, list) or not all(
        isinstance(s, dict)
        and isinstance(s.get("field_name"), str)
        and s.get("order", "desc") in ("asc", "desc")
        for s in sort
    ):
        raise E.ValidationError("json", {"sort": ["Each sort is {field_name, order: asc|desc}."]})


def sort_key(sort: list[dict[str, Any]], values: Iterable[dict[str, list[Any]]]) -> tuple:
    """A key ordering subjects by ``sort`` (ascending key = first): each field's
    smallest value for ``asc``, largest for ``desc``; subjects without it sort last."""
    values = list(values)
    key: list[Any] = []
    for spec in sort:
        path, desc = spec["field_name"], spec.get("order", "desc") == "desc"
        present = [v for vs in values for v in vs.get(path, [])]
        if not present:
            key.append((1, 0))
            continue
        try:
            chosen = max(present) if desc else min(present)
        except TypeError:
            chosen = present[0]
        if isinstance(chosen, bool):
            chosen = int(chosen)
        if isinstance(chosen, str):
            key.append((0, _Reversed(chosen) if desc else chosen))
        else:
            key.append((0, -chosen if desc else chosen))
    return tuple(key)


class _Reversed(str):
    """A string ordering backwards (for ``desc`` sorts on text)."""

    def __lt__(self, other: str) -> bool:
        return str.__gt__(self, other)

    def __gt__(self, other: str) -> bool:
        return str.__lt__(self, other)


__all__ = [
    "BOOLEAN",
    "Bool",
    "Corpus",
    "EVERYTHING",
    "NUMERIC",
    "Range",
    "Term",
    "check_facets",
    "check_filter",
    "check_sort",
    "facet_results",
    "filter_matches",
    "parse",
    "sort_key",
]
