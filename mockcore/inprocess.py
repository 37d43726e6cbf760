"""In-process transport: a WSGI app answering ``requests`` through ``responses``.

One :class:`WSGIRoute` is registered per base URL (not per route), so matching cost
does not grow with the number of routes; the app's own router dispatches.

Coexisting with a test's own ``responses`` usage: pass the test's ``RequestsMock``
(``responses.mock`` under ``@responses.activate``, or the ``rsps`` of a ``with
responses.RequestsMock() as rsps`` block) as ``rsps``; the double then adds its base
URLs to that mock and removes them on exit, and the test's own stubs keep working
for every other URL. Without ``rsps`` the transport starts a private mock that
passes nothing through: requests to unknown hosts fail, as they should in a test.
"""

from __future__ import annotations

import functools
import io
import sys
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import requests
import responses

from mockcore.wsgi import DroppedConnection, WSGIApp, run_app

EnvironHook = Callable[[Any, dict], None]


class WSGIRoute(responses.CallbackResponse):
    """Matches every method on every URL under one base URL."""

    def __init__(self, base_url: str, callback: Callable[[Any], Any]) -> None:
        super().__init__("GET", base_url, callback, content_type=None)
        self.prefix = base_url.rstrip("/")
        self._prefix_slash = self.prefix + "/"

    def matches(self, request: Any) -> tuple[bool, str]:
        url = request.url
        if (
            url == self.prefix
            or url.startswith(self._prefix_slash)
            or url.startswith(self.prefix + "?")
        ):
            return True, ""
        return False, f"URL is not under {self.prefix}"


@functools.lru_cache(maxsize=512)
def _url_environ(url: str) -> tuple[tuple[str, str], ...]:
    """The environ keys a URL gives (path, query, server name and port, scheme, host).
    Cached: a test's client asks the same few URLs again and again."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    return (
        ("PATH_INFO", unquote_to_bytes(parts.path or "/").decode("latin-1")),
        ("QUERY_STRING", parts.query),
        ("SERVER_NAME", parts.hostname or "localhost"),
        ("SERVER_PORT", str(parts.port or (443 if https else 80))),
        ("wsgi.url_scheme", parts.scheme),
        ("HTTP_HOST", parts.netloc),
    )


@functools.lru_cache(maxsize=256)
def _header_key(name: str) -> str:
    """The environ key of a request header (``HTTP_X_Y``; the two CGI ones bare)."""
    key = name.upper().replace("-", "_")
    return key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key


def _environ(request: Any, extra: EnvironHook | None) -> dict:
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, (bytes, bytearray)):  # generators, files
        body = b"".join(chunk.encode() if isinstance(chunk, str) else chunk for chunk in body)
    url = _url_environ(request.url)
    environ = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    environ.update(url[:-1])  # HTTP_HOST goes last: a Host header the client sent wins
    for name, value in request.headers.items():
        key = _header_key(name)
        if key != "CONTENT_LENGTH":
            environ[key] = value
    environ.setdefault("HTTP_HOST", url[-1][1])
    if extra is not None:
        extra(request, environ)
    return environ


class InProcessTransport:
    """Serves ``app`` for ``base_urls`` to any ``requests``-based client in this process."""

    def __init__(
        self,
        app: WSGIApp,
        base_urls: Iterable[str],
        *,
        rsps: responses.RequestsMock | None = None,
        environ_hook: EnvironHook | None = None,
    ) -> None:
        self.app = app
        self.base_urls = [u.rstrip("/") for u in base_urls]
        self.environ_hook = environ_hook
        self._external = rsps
        self.rsps: responses.RequestsMock | None = None
        self._routes: list[WSGIRoute] = []

    def __call__(self, request: Any) -> tuple[int, list[tuple[str, str]], bytes]:
        environ = _environ(request, self.environ_hook)
        try:
            status, headers, payload = run_app(self.app, environ)
        except DroppedConnection as exc:
            return requests.exceptions.ConnectionError(  # type: ignore[return-value]
                f"Connection aborted: the double dropped it ({exc})", request=request
            )
        return int(status.split(" ", 1)[0]), headers, payload

    def start(self) -> InProcessTransport:
        if self.rsps is not None:
            return self
        if self._external is not None:
            self.rsps = self._external
        else:
            self.rsps = responses.RequestsMock(assert_all_requests_are_fired=False)
            self.rsps.start()
        for base in self.base_urls:
            route = WSGIRoute(base, self)
            self.rsps.add(route)
            self._routes.append(route)
        return self

    def stop(self) -> None:
        if self.rsps is None:
            return
        for route in self._routes:
            try:
                self.rsps.remove(route)
            except ValueError:
                pass
        self._routes.clear()
        if self._external is None:
            self.rsps.stop()
            self.rsps.reset()
        self.rsps = None

    def __enter__(self) -> InProcessTransport:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
