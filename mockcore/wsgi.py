"""The WSGI layer every double's Flask app is wrapped in, whichever transport serves it.

It journals requests, fires injected faults and collapses repeated slashes (the
official FTS3 client sends ``//jobs``; Apache merges them, Werkzeug routing does not).
"""

from __future__ import annotations

import functools
import io
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from mockcore.clock import Clock
from mockcore.faults import FaultInjector
from mockcore.journal import Journal, JournalEntry

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

#: environ key of a request the WSGI server refused before the app could see it
#: (``(status, message)``: a malformed request line, headers or a body too large). The
#: app answers it in its service's error shape; it is journaled like any answer.
TRANSPORT_ERROR = "mockcore.transport_error"
#: environ key where an app leaves an exception it did not expect (a bug of ours), for
#: :class:`DoubleMiddleware` to record in ``Double.errors``; see :func:`record_crash`.
CRASH = "mockcore.crash"


def read_body(environ: dict) -> bytes:
    """The request body, read once; ``wsgi.input`` is replaced by a rewound copy so the
    app (and whatever wraps it) can read it again."""
    try:
        length = max(0, int(environ.get("CONTENT_LENGTH") or 0))
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def record_crash(environ: dict, error: BaseException) -> None:
    """Called by a service's catch-all error handler: the double records ``error`` so
    the test that caused it fails (the client still gets the service's 500)."""
    environ[CRASH] = error


_SLASHES = re.compile(r"/{2,}")
_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@functools.lru_cache(maxsize=64)
def _header_keys(environ_keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The request headers among ``environ_keys``, as (environ key, header name). Cached:
    a client sends the same headers on every call, and scanning every key of each
    environ for them costs more than looking the whole set up."""
    return tuple(
        (key, key[5:].replace("_", "-").title()) for key in environ_keys if key[:5] == "HTTP_"
    )


class DroppedConnection(Exception):
    """Raised through the WSGI stack when a fault says: close without answering.

    Each transport turns it into what a real client sees: ``requests``'
    ``ConnectionError`` in-process, a closed socket for the live server.
    """


def dropping(app: WSGIApp, closes_with: type[BaseException]) -> WSGIApp:
    """Wrap ``app`` so a fault's DroppedConnection becomes what makes the server close the
    socket unanswered (each server has its own exception for that)."""

    def wrapped(environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            return app(environ, start_response)
        except DroppedConnection as exc:
            raise closes_with(str(exc)) from exc

    return wrapped


def run_app(app: WSGIApp, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call a WSGI app to the end: its status line, headers and whole body. A double's
    own middleware answers in that form already (no WSGI round trip for nothing)."""
    if isinstance(app, DoubleMiddleware):
        return app.answer(environ)
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    result = app(environ, start_response)
    try:
        payload = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close:
            close()
    return captured["status"], list(captured["headers"]), payload


def status_line(code: int) -> str:
    from http import HTTPStatus

    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} {_REASONS.get(code, 'Unknown')}"


class DoubleMiddleware:
    def __init__(
        self,
        app: WSGIApp,
        *,
        journal: Journal,
        faults: FaultInjector,
        clock: Clock,
        errors: deque[BaseException] | None = None,
        collapse_slashes: bool = True,
    ) -> None:
        self.app = app
        self.journal = journal
        self.faults = faults
        self.clock = clock
        self.errors: deque[BaseException] = deque(maxlen=100) if errors is None else errors
        self.collapse_slashes = collapse_slashes

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        status, headers, payload = self.answer(environ)
        start_response(status, headers)
        return [payload]

    def answer(self, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
        """What :meth:`__call__` answers, as :func:`run_app` returns it."""
        path = environ.get("PATH_INFO", "") or "/"
        if self.collapse_slashes and "//" in path:
            path = environ["PATH_INFO"] = _SLASHES.sub("/", path)
        method = environ["REQUEST_METHOD"]
        body = read_body(environ)
        arrived = self.clock.time()

        fault = None if TRANSPORT_ERROR in environ else self.faults.take(method, path)
        if fault is not None:
            if fault.latency:
                time.sleep(fault.latency)  # real time: the client's timeouts are real
            if fault.drop:
                self._record(environ, path, body, 0, {}, b"", arrived, fault.describe())
                raise DroppedConnection(fault.describe())
            if fault.status is not None:
                payload = fault.body_bytes()
                headers = {"Content-Length": str(len(payload)), **fault.headers}
                headers.setdefault("Content-Type", "text/plain")
                self._record(
                    environ, path, body, fault.status, headers, payload, arrived, fault.describe()
                )
                return status_line(fault.status), list(headers.items()), payload

        status, answer_headers, payload = run_app(self.app, environ)
        crash = environ.get(CRASH)
        if crash is not None:
            self.errors.append(crash)
        self._record(
            environ,
            path,
            body,
            int(status.split(" ", 1)[0]),
            answer_headers,
            payload,
            arrived,
            None,
        )
        return status, answer_headers, payload

    def _record(
        self,
        environ: dict,
        path: str,
        body: bytes,
        status: int,
        headers: dict | list[tuple[str, str]],
        payload: bytes,
        arrived: float,
        fault: str | None,
    ) -> None:
        if not self.journal.recording:
            return
        if path.startswith("/_mock/") and environ["REQUEST_METHOD"] == "GET" and status < 400:
            return  # reading the control plane (a dashboard polls it) changes nothing
        request_headers = {name: environ[key] for key, name in _header_keys(tuple(environ))}
        if environ.get("CONTENT_TYPE"):
            request_headers["Content-Type"] = environ["CONTENT_TYPE"]
        self.journal.record(
            JournalEntry(
                method=environ["REQUEST_METHOD"],
                path=path,
                query=environ.get("QUERY_STRING", ""),
                request_headers=request_headers,
                request_body=body,
                status=status,
                response_headers=dict(headers),
                response_body=payload,
                at=arrived,
                fault=fault,
            )
        )
