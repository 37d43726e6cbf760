"""A small property-fuzzing harness for a double served live (``double.serve()``).

A :class:`Target` knows one service: its live URL, the routes of its Flask app
(:func:`catalogue`, read from ``app.url_map``), a prepared world (real ids to put in
path parameters, seed documents to mutate), and what its error bodies look like.
:func:`request_strategy` draws one request for one route with Hypothesis: hostile or
real path parameters, hostile query strings and headers, and a body that is either
hostile JSON (deep nesting, ``NaN``/``Infinity``/``1e400`` literals, huge integers,
wrong types), a near-valid mutation of a seed document, bad UTF-8 or a form.

:meth:`Target.send` sends it and records a :class:`Finding` instead of raising, so one
run counts every distinct problem: a status >= 500 (but the 502s the service really
answers), an error body not in the service's shape, a JSON answer that does not parse,
an exception the app recorded (``double.errors``) or logged, a refused ``/_mock``
control that moved the clock anyway, a request left unanswered. :meth:`Target.verify`
then checks the server still answers and that everything acknowledged before and
during the run is still there.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# --- profiles: `make test` runs a few requests per route, `make fuzz` thousands ------------

settings.register_profile(
    "fuzz-quick",
    max_examples=5,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
settings.register_profile(
    "fuzz-full",
    max_examples=100,
    derandomize=False,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


def requests_per_service() -> int | None:
    """``FUZZ_REQUESTS`` (``make fuzz``): how many requests each service gets; None for
    the quick run of ``make test``."""
    value = os.environ.get("FUZZ_REQUESTS")
    return int(value) if value else None


def route_settings(route_count: int) -> settings:
    wanted = requests_per_service()
    if wanted is None:
        return settings.get_profile("fuzz-quick")
    return settings(
        settings.get_profile("fuzz-full"), max_examples=max(1, math.ceil(wanted / route_count))
    )


# --- the route catalogue -----------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    converters: tuple[tuple[str, str], ...]  # (argument, converter: string, path, int, any)

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule}"


_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")  # <converter(args):name>


def catalogue(
    app: Any,
    skip: Callable[[str, str], bool] = lambda method, rule: False,
) -> list[Route]:
    """Every (method, rule) of a Flask app, HEAD and OPTIONS aside, in a stable order."""
    routes = []
    for rule in app.url_map.iter_rules():
        converters = tuple(
            sorted(
                (name, converter or "string") for converter, name in _ARGUMENT.findall(rule.rule)
            )
        )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if not skip(method, rule.rule):
                routes.append(Route(method, rule.rule, converters))
    return sorted(set(routes), key=lambda r: (r.rule, r.method))


# --- hostile values ------------------------------------------------------------------------


class Raw(str):
    """JSON text put into a document as is (``NaN``, ``1e400``, a huge integer...)."""


class Form(dict):
    """A seed sent form-encoded (``application/x-www-form-urlencoded``), not as JSON."""


HOSTILE_JSON_LEAVES = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "1e-400",
    "-0.0",
    "1.5",
    str(2**63),
    str(-(2**63) - 1),
    str(2**64),
    "9" * 30,
    str(10**309),
    "9" * 4400,
    "0",
    "-1",
    "-1000",
    "2147483648",
    "true",
    "false",
    "null",
    '""',
    '" "',
    '"x"',
    '"\\ud800"',
    '"\\u0000"',
    "[]",
    "{}",
    "[null]",
    '{"": null}',
    '"1e400"',
    '"nan"',
    '"-1"',
    '"2024-01-01"',
    '"' + "A" * 5000 + '"',
    '"\\u202e\\ud83d\\ude00"',
    '"../../etc/passwd"',
    '"mock://a/x?size=-1"',
    '"' + "[" * 100 + '"',
    # in range for the parser, large for the models (arithmetic, dates, sizes)
    str(2**62),
    str(2**63 - 1),
    str(-(2**63)),
    "2147483647",
    "4294967296",
    "9007199254740993",
    "1e18",
    "1e300",
    "-1e300",
    "1.7976931348623157e308",
    "5e-324",
]

HOSTILE_TEXT = [
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e400",
    "-1e400",
    "1e-400",
    "-1",
    "-1000",
    "0",
    "1.5",
    "9" * 25,
    "9" * 5000,
    str(2**63),
    "true",
    "null",
    "[]",
    "{}",
    "%",
    "\x00",
    "../../etc/passwd",
    "é",
    "\u202e",
    "\U0001f600",
    "a" * 5000,
    ",",
    ",,",
    "*",
    "'",
    '"',
    "<script>",
    "\r\n",
    "a,b",
    "1:2:3",
    "-1:-1",
    "99999999:99",
    "is_error:1",
    "0,1",
    "::",
    "mock://a/x",
    "srm://a",
    "https://",
    "/",
    "//",
    "..",
    "\\",
    str(2**63 - 1),
    str(-(2**63)),
    "1e18",
    "1e300",
    "4294967296",
]


def _as_sent(path: str) -> str:
    """The path the server receives: clients remove ``.`` and ``..`` segments before
    sending (RFC 3986, section 5.2.4), so ``/v2/groups/..`` arrives as ``/v2/``."""
    segments = path.split("/")
    if not any(s in (".", "..") for s in segments):
        return path
    kept: list[str] = []
    for segment in segments[1:]:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    trailing = segments[-1] in (".", "..")
    return "/" + "/".join(kept) + ("/" if trailing and kept else "")


#: Raw percent escapes: bytes that are not UTF-8 (sent as they are, never re-quoted).
BAD_ESCAPES = ["%ff", "%fe%ff", "%c3%28", "%ed%a0%80", "%00", "%c0%af", "%e2%82", "%", "%zz"]

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(HOSTILE_TEXT), TEXT)


def _dumps(value: Any) -> str:
    """JSON text of ``value``, with :class:`Raw` leaves written as they are."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dumps(v) for v in value) + "]"
    return json.dumps(value)


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
    st.sampled_from(HOSTILE_JSON_LEAVES).map(Raw),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)


def _paths(doc: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from _paths(value, prefix + (index,))


def _copy(doc: Any) -> Any:
    return json.loads(json.dumps(doc))


def _set(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


def _delete(doc: Any, path: tuple) -> Any:
    if not path:
        return doc
    node = doc
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    return doc


@st.composite
def mutated(draw: st.DrawFn, seed: Any) -> str:
    """A near-valid document: ``seed`` with one to three fields given hostile values,
    removed or joined by unknown ones."""
    doc = _copy(seed)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["hostile", "hostile", "value", "delete", "add"]))
        if op == "hostile":
            doc = _set(doc, path, Raw(draw(st.sampled_from(HOSTILE_JSON_LEAVES))))
        elif op == "value":
            doc = _set(doc, path, draw(JSON_VALUES))
        elif op == "delete":
            doc = _delete(doc, path)
        else:
            parent = path[:-1] if path else path
            node = doc
            for step in parent:
                node = node[step]
            if isinstance(node, dict):
                node[draw(TEXT)] = draw(JSON_VALUES)
            elif isinstance(node, list):
                node.append(draw(JSON_VALUES))
    return _dumps(doc)


@st.composite
def mutated_form(draw: st.DrawFn, seed: Form) -> bytes:
    """A near-valid form: ``seed`` with a field hostile, removed, repeated or added."""
    pairs = list(seed.items())
    for _ in range(draw(st.integers(1, 2))):
        op = draw(st.sampled_from(["hostile", "hostile", "delete", "repeat", "add"]))
        index = draw(st.integers(0, max(0, len(pairs) - 1)))
        if op == "hostile" and pairs:
            pairs[index] = (pairs[index][0], draw(hostile_text()))
        elif op == "delete" and pairs:
            del pairs[index]
        elif op == "repeat" and pairs:
            pairs.append((pairs[index][0], draw(hostile_text())))
        else:
            pairs.append((draw(TEXT), draw(hostile_text())))
    encoded = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    if draw(st.integers(0, 4)) == 0:
        encoded += (
            "&"
            + draw(st.sampled_from(list(seed) or ["x"]))
            + "="
            + draw(st.sampled_from(BAD_ESCAPES))
        )
    return encoded.encode()


def deep(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    if kind == "object":
        return '{"a":' * depth + "1" + "}" * depth
    return '{"files": ' + "[" * depth + "]" * depth + "}"


HOSTILE_BODIES = st.one_of(
    st.builds(
        deep,
        st.sampled_from([63, 64, 65, 100, 900, 1100, 100_000]),
        st.sampled_from(["list", "object", "field"]),
    ),
    st.sampled_from(HOSTILE_JSON_LEAVES),
    st.sampled_from(
        [
            '{"a": NaN}',
            '{"a": 1e400}',
            "[1e400]",
            "{",
            "}",
            "[",
            '{"a":}',
            '{"a": 1,}',
            "\ufeff{}",
            "{}" * 3,
            "",
            " ",
            "\x00",
        ]
    ),
)


@st.composite
def body_strategy(
    draw: st.DrawFn, seeds: list[Any], fields: list[str]
) -> tuple[bytes | None, str | None]:
    """(body, Content-Type to send with it, None: pick one at random)."""
    kind = draw(
        st.sampled_from(
            ["none", "seed", "seed", "seed", "hostile", "value", "field", "utf8", "form"]
            if seeds
            else ["none", "hostile", "hostile", "value", "field", "utf8", "form"]
        )
    )
    if kind == "none":
        return None, None
    if kind == "seed":
        seed = draw(st.sampled_from(seeds))
        if isinstance(seed, Form):
            return draw(mutated_form(seed)), "application/x-www-form-urlencoded"
        return draw(mutated(seed)).encode(), "application/json"
    if kind == "hostile":
        return draw(HOSTILE_BODIES).encode("utf-8", "surrogatepass"), "application/json"
    if kind == "value":
        return _dumps(draw(JSON_VALUES)).encode(), None
    if kind == "field":  # one known field, hostile
        name = draw(st.sampled_from(fields or ["x"]))
        leaf = draw(st.one_of(st.sampled_from(HOSTILE_JSON_LEAVES).map(Raw), JSON_VALUES))
        return _dumps({name: leaf}).encode(), "application/json"
    if kind == "utf8":
        base = draw(st.sampled_from(seeds)) if seeds else {"x": "y"}
        text = _dumps(base).encode()
        cut = draw(st.integers(0, len(text)))
        junk = draw(
            st.sampled_from(
                [
                    b"\xff",
                    b"\xfe\xff",
                    b"\xc3\x28",
                    b"\xed\xa0\x80",
                    b"\x80",
                    b"\xf4\x90\x80\x80",
                    b"\x00",
                ]
            )
        )
        return text[:cut] + junk + text[cut:], "application/json"
    pairs = draw(st.lists(st.tuples(st.sampled_from(fields or ["x"]), hostile_text()), max_size=4))
    encoded = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    if draw(st.booleans()):
        encoded += "&x=" + draw(st.sampled_from(BAD_ESCAPES))
    return encoded.encode(), "application/x-www-form-urlencoded"


CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=utf-16",
    "application/json, application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "multipart/form-data",
    "text/plain",
    "",
    "application/json; charset=bogus",
    "*/*",
    "application/octet-stream",
]


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes | None
    channel: str = "plain"  # or "certificate": over TLS with the target's client certificate

    def describe(self) -> str:
        body = (
            self.body
            if self.body is None or len(self.body) < 300
            else (self.body[:300] + b"...(%d bytes)" % len(self.body))
        )
        return (
            f"{self.channel}: {self.method} {self.path[:300]}{'?' + self.query[:300] if self.query else ''}"
            f" headers={ {k: v[:80] for k, v in self.headers.items()} } body={body!r}"
        )


def _path_value(draw: st.DrawFn, target: Target, name: str, converter: str) -> str:
    real = target.world.get(name, [])
    choice = draw(
        st.sampled_from(
            ["real", "real", "hostile", "text", "escape", "list"]
            if real
            else ["hostile", "text", "escape", "list"]
        )
    )
    safe = "/" if converter == "path" else ""
    if converter == "any" and choice != "hostile":
        return draw(st.sampled_from(target.world.get(name, ["dn", "vo"])))
    if choice == "real":
        return quote(draw(st.sampled_from(real)), safe=safe)
    if choice == "hostile":
        return quote(draw(st.sampled_from(HOSTILE_TEXT)), safe=safe) or "%20"
    if choice == "text":
        return quote(draw(TEXT), safe=safe) or "x"
    if choice == "escape":
        return quote(draw(TEXT), safe=safe) + draw(st.sampled_from(BAD_ESCAPES))
    items = draw(
        st.lists(
            st.sampled_from(real or ["x"]) | st.sampled_from(HOSTILE_TEXT), min_size=2, max_size=4
        )
    )
    return quote(",".join(items), safe=safe) or ","


@st.composite
def request_strategy(draw: st.DrawFn, target: Target, route: Route) -> Request:
    method = route.method
    if draw(st.integers(0, 19)) == 0:  # now and then the wrong method
        method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]))
    path = route.rule
    for name, converter in route.converters:
        value = _path_value(draw, target, name, converter)
        slot = re.search(r"<(?:[^<>]*:)?" + re.escape(name) + ">", path)
        assert slot is not None, (route.rule, name)
        path = path[: slot.start()] + value + path[slot.end() :]
    names = target.query_names
    pairs = draw(
        st.lists(
            st.tuples(
                st.sampled_from(names) | TEXT, hostile_text() | st.sampled_from(target.world_values)
            ),
            max_size=4,
        )
    )
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    if draw(st.integers(0, 9)) == 0:
        query += (
            ("&" if query else "")
            + draw(st.sampled_from(names))
            + "="
            + draw(st.sampled_from(BAD_ESCAPES))
        )
    body, content_type = draw(body_strategy(target.seeds_for(route), target.fields))
    headers = {}
    auth = draw(
        st.sampled_from(
            ["token"] * 6
            + ["none", "garbage", "basic", "long", "other"]
            + (["certificate"] * 3 if target.tls else [])
            + (["extra"] * 2 if target.extra_auth else [])
        )
    )
    channel = "certificate" if auth == "certificate" else "plain"
    if auth == "token":
        headers["Authorization"] = "Bearer " + target.token(route.rule)
    elif auth == "garbage":
        headers["Authorization"] = "Bearer " + draw(
            st.sampled_from(["x", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "é", "Bearer", ""])
        )
    elif auth == "basic":
        headers["Authorization"] = draw(
            st.sampled_from(
                ["Basic", "Basic !!!", "Basic Zm9vOmJhcg==", "Basic Og==", "Basic " + "A" * 5000]
            )
        )
    elif auth == "extra":
        headers["Authorization"] = draw(st.sampled_from(target.extra_auth))
    elif auth == "long":
        headers["Authorization"] = "Bearer " + "A" * 8000
    elif auth == "other":
        headers["Authorization"] = draw(
            st.sampled_from(
                ["Negotiate x", "bearer " + target.token(route.rule), "Bearer  x  ", "Digest a=b"]
            )
        )
    if content_type is None or draw(st.integers(0, 5)) == 0:
        content_type = draw(st.sampled_from(CONTENT_TYPES))
    if content_type:
        headers["Content-Type"] = content_type
    if draw(st.integers(0, 7)) == 0:
        headers[
            draw(
                st.sampled_from(
                    [
                        "Accept",
                        "X-Forwarded-For",
                        "Origin",
                        "Host-X",
                        "Accept-Encoding",
                        "Range",
                        "If-None-Match",
                    ]
                )
            )
        ] = draw(st.sampled_from(["*/*", "é" * 10, "A" * 4000, "text/html", "bytes=-1", "null"]))
    return Request(method, path, query, headers, body, channel)


# --- findings ------------------------------------------------------------------------------


@dataclass
class Finding:
    kind: str
    route: str
    detail: str
    example: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.route}: {self.detail}\n    e.g. {self.example}"


class _LogTrap(logging.Handler):
    """Errors the app or the WSGI server logged (waitress logs what escapes the app)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.lock_ = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self.lock_:
            self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        with self.lock_:
            taken, self.records = self.records, []
        return taken


def strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} in an answer")

    return json.loads(text, parse_constant=refuse)


# --- a target --------------------------------------------------------------------------------

#: Every target of this session, for the summary line (``conftest.py``).
TARGETS: list[Target] = []


@dataclass
class Target:
    """One live double under fuzzing."""

    name: str
    double: Any
    url: str
    world: dict[str, list[str]]  # path argument -> real values
    query_names: list[str]
    fields: list[str]  # known body fields
    seeds: dict[str, list[Any]]  # rule -> near-valid documents
    mint: Callable[[str], str]  # a fresh token for the fuzzing user, for an audience
    shape: Callable[[str, int, str, str], str | None]  # (path, status, type, body) -> problem
    allowed_5xx: Callable[[str, int, str], bool]
    health: Callable[[requests.Session, str], str | None]
    #: (session, url, acknowledged id) -> None if it is still there, else what was answered
    still_there: Callable[[requests.Session, str, str], str | None]
    acknowledged: Callable[[Request, int, str], str | None]  # id the answer acknowledges
    sentinels: list[str] = field(default_factory=list)
    #: (url, client certificate, CA bundle) of a TLS server of the same double, if any
    tls: tuple[str, Any, str] | None = None
    #: other real Authorization values (a client's Basic credentials...)
    extra_auth: list[str] = field(default_factory=list)
    sent: int = 0
    findings: dict[tuple, Finding] = field(default_factory=dict)
    seen_ids: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)  # (route id, status) -> answers
    session: requests.Session = field(default_factory=requests.Session)
    #: the audience (a key for ``mint``) a route's tokens are for
    audience: Callable[[str], str] = lambda rule: "default"
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.world_values = sorted({v for values in self.world.values() for v in values}) or ["x"]
        self.trap = _LogTrap()
        for logger in ("mockfts", "mockglobus", "waitress", "flask.app"):
            logging.getLogger(logger).addHandler(self.trap)

    def close(self) -> None:
        for logger in ("mockfts", "mockglobus", "waitress", "flask.app"):
            logging.getLogger(logger).removeHandler(self.trap)
        self.session.close()

    def seeds_for(self, route: Route) -> list[Any]:
        return self.seeds.get(route.rule, [])

    def token(self, rule: str) -> str:
        """The fuzzing user's token for ``rule``, minted again once virtual time moved on."""
        audience = self.audience(rule)
        now = self.double.clock.time()
        known = self._tokens.get(audience)
        if known is None or now - known[1] > 600 or now < known[1]:
            known = self._tokens[audience] = (self.mint(audience), now)
        return known[0]

    def record(self, kind: str, route: Route, detail: str, request: Request | None) -> None:
        key = (kind, route.id, detail.split(":", 1)[0][:60])
        example = request.describe() if request is not None else "-"
        known = self.findings.get(key)
        if known is None or len(example) < len(known.example):
            self.findings[key] = Finding(kind, route.id, detail[:500], example)

    def findings_for(self, route: Route) -> list[Finding]:
        return [f for f in self.findings.values() if f.route == route.id]

    # -- one request ---------------------------------------------------------------------------

    def send(self, route: Route, request: Request) -> None:
        base, tls = self.url, {}
        if request.channel == "certificate" and self.tls is not None:
            base, cert, verify = self.tls
            tls = {"cert": cert, "verify": verify}
        url = base + request.path + ("?" + request.query if request.query else "")
        clock_before = self.double.clock.time()
        self.double.errors.clear()
        self.sent += 1
        try:
            reply = self.session.request(
                request.method,
                url,
                data=request.body,
                headers=request.headers,
                timeout=60,
                allow_redirects=False,
                **tls,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            self.record("no answer", route, f"{type(exc).__name__}: {exc}", request)
            self.session = requests.Session()
            problem = self.health(self.session, self.url)
            if problem:
                self.record("server down", route, problem, request)
            return
        status = reply.status_code
        self.statuses[(route.id, status)] += 1
        ctype = reply.headers.get("Content-Type", "")
        text = reply.content.decode("utf-8", "replace")
        crashes = list(self.double.errors)
        self.double.errors.clear()
        for error in crashes:
            self.record("crash", route, f"{type(error).__name__}: {error}", request)
        for record in self.trap.take():
            exc = record.exc_info[1] if record.exc_info else None
            if crashes and record.name in ("mockfts", "mockglobus"):
                continue  # the crash's own log line, recorded above from double.errors
            detail = f"{type(exc).__name__}: {exc}" if exc else record.getMessage()[:200]
            self.record("logged error", route, f"{record.name}: {detail}", request)
        if status >= 500 and not self.allowed_5xx(request.path, status, text):
            self.record(f"{status}", route, text[:300], request)
        elif status >= 400:
            problem = self.shape(_as_sent(request.path), status, ctype, text)
            if problem:
                self.record("shape", route, f"{status} {problem}: {text[:200]}", request)
        if "json" in ctype and text.strip():
            try:
                strict_json(text)
            except ValueError as exc:
                self.record("bad JSON answer", route, f"{status} {exc}", request)
        if request.path.startswith("/_mock/") and status >= 400:
            if self.double.clock.time() != clock_before:
                self.record(
                    "refusal changed state",
                    route,
                    f"{status}, clock moved by {self.double.clock.time() - clock_before}",
                    request,
                )
        if status < 300:
            acked = self.acknowledged(request, status, text)
            if acked and len(self.seen_ids) < 200:
                self.seen_ids.append(acked)
        if self.sent % 50 == 0:
            problem = self.health(self.session, self.url)
            if problem:
                self.record("server down", route, problem, request)

    # -- after the run ------------------------------------------------------------------------

    def verify(self) -> list[str]:
        """What is wrong after the run: the server does not answer, or something it
        acknowledged is gone."""
        problems = []
        problem = self.health(self.session, self.url)
        if problem:
            problems.append(f"health: {problem}")
        for acked in self.sentinels + self.seen_ids:
            gone = self.still_there(self.session, self.url, acked)
            if gone:
                kind = "sentinel" if acked in self.sentinels else "acknowledged during the run"
                problems.append(f"{kind} {acked}: {gone}")
        return problems

    def summary(self) -> str:
        classes: Counter = Counter()
        for (_, status), count in self.statuses.items():
            classes[f"{status // 100}xx"] += count
        shares = ", ".join(
            f"{c} {100 * n // max(1, self.sent)}%" for c, n in sorted(classes.items())
        )
        return (
            f"fuzz: {self.sent} requests to {self.name}, {len(self.findings)} findings"
            f" (answers: {shares})"
        )


def run_route(target: Target, route: Route, route_count: int) -> list[Finding]:
    """Fuzz one route; the findings it produced."""
    from hypothesis import given

    @route_settings(route_count)
    @given(request=request_strategy(target, route))
    def fuzz(request: Request) -> None:
        target.send(route, request)

    fuzz()
    return target.findings_for(route)


__all__ = [
    "TARGETS",
    "Finding",
    "Form",
    "Raw",
    "Request",
    "Route",
    "Target",
    "catalogue",
    "request_strategy",
    "requests_per_service",
    "route_settings",
    "run_route",
    "strict_json",
]
