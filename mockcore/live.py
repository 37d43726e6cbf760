"""Standalone transport: the same WSGI app on a real localhost socket.

Served by waitress (a production WSGI server with a thread pool), so concurrent
clients are served concurrently and throughput is that of a real deployment, not of
Werkzeug's development server. Three things are changed from waitress's defaults so
that a server left running for days stays dependable (see :class:`Limits`):

* the event loop sleeps in ``poll()`` for a whole second when nothing happens
  (waitress rounds ``asyncore_loop_timeout`` down to whole seconds, so the 0.1 s this
  module once passed meant a busy loop); :meth:`LiveServer.stop` wakes it at once
  through waitress's trigger;
* no client can lock the others out (connection limit with eviction of the idlest,
  a deadline for a request to arrive whole);
* what waitress refuses before the app sees a request (a malformed request line,
  headers or a body too large) is answered by the app itself, in the service's own
  error shape, through :data:`mockcore.wsgi.TRANSPORT_ERROR`.
"""

from __future__ import annotations

import io
import sys
import threading
import time
from typing import Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher

from mockcore.wsgi import TRANSPORT_ERROR, WSGIApp, dropping, run_app

_LOOP_TIMEOUT = 1  # seconds an idle loop sleeps; stop() wakes it through the trigger
DRAIN_SECONDS = 2.5  # how long stop() lets requests in flight finish
_ARRIVAL_GRACE = 0.5  # how long it waits for a request still arriving to be complete


class BackgroundServer:
    """What every socket server of the doubles shares: bind, run in a thread, stop.

    Subclasses say how to bind (:meth:`_bind`, setting ``_server`` and ``port``), how
    to run (:meth:`_serve`) and how to close (:meth:`_close`).
    """

    scheme = "http"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._server: Any = None  # the socket server of a subclass, while it runs
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("server not started")
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"{self.scheme}://{host}:{self.port}"

    def _bind(self) -> None:
        raise NotImplementedError

    def _serve(self) -> None:
        raise NotImplementedError

    def _close(self, server, thread: threading.Thread | None) -> None:  # noqa: ANN001
        raise NotImplementedError

    def start(self):  # noqa: ANN201 - returns self, typed by subclasses
        """Serve from a background thread."""
        if self._server is not None:
            return self
        self._bind()
        self._thread = threading.Thread(
            target=self._serve, name=f"double-{self.scheme}-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`stop` (e.g. from a signal handler)."""
        if self._server is None:
            self._bind()
        self._serve()

    def stop(self) -> None:
        server, self._server = self._server, None
        thread, self._thread = self._thread, None
        if server is not None:
            self._close(server, thread)

    def __enter__(self):  # noqa: ANN204
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Limits:
    """What one client may hold of a served double, chosen so nobody can lock it up.

    waitress's defaults stop accepting at 100 connections and never close a socket that
    trickles a byte now and then, so 100 idle or slowloris clients shut everyone else
    out. Here the server accepts up to ``connection_limit`` connections and, at the
    limit, closes the one idle the longest rather than refusing the newcomer; a request
    must arrive whole within ``request_timeout`` seconds of its first byte; an idle
    keep-alive connection is closed after ``channel_timeout`` seconds. A body above
    ``max_body`` bytes is refused with a 413 as soon as its length is known, without
    being read whole; headers above ``max_header`` bytes with a 431.
    """

    def __init__(
        self,
        *,
        connection_limit: int = 1000,
        channel_timeout: int = 30,
        request_timeout: int = 10,
        max_body: int = 8 * 2**20,
        max_header: int = 64 * 2**10,
    ) -> None:
        if min(connection_limit, channel_timeout, request_timeout) < 1:
            raise ValueError("connection_limit, channel_timeout and request_timeout must be >= 1")
        if max_body < 0 or max_header < 1024:
            raise ValueError("max_body must be >= 0 and max_header >= 1024")
        self.connection_limit = connection_limit
        self.channel_timeout = channel_timeout
        self.request_timeout = request_timeout
        self.max_body = max_body
        self.max_header = max_header


def _refusal_environ(task: ErrorTask) -> dict:
    """A WSGI environ for a request waitress refused: as much of it as was parsed, and
    the refusal under TRANSPORT_ERROR, for the app to answer in its own shape."""
    request, channel = task.request, task.channel
    words = (getattr(request, "first_line", b"") or b"").split(b" ")
    method = words[0].decode("latin-1").upper() if words[0] else "GET"
    target = words[1].decode("latin-1") if len(words) > 1 else "/"
    path, _, query = target.partition("?")
    error = request.error
    environ = {
        "REQUEST_METHOD": method if method.isalpha() else "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path if path.startswith("/") else "/",
        "QUERY_STRING": query,
        "SERVER_NAME": channel.server.server_name,
        "SERVER_PORT": str(channel.server.effective_port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": channel.addr[0] if channel.addr else "",
        "CONTENT_LENGTH": "0",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        TRANSPORT_ERROR: (error.code, f"{error.reason}: {error.body}"),
    }
    host = (getattr(request, "headers", None) or {}).get("HOST")
    if host:
        environ["HTTP_HOST"] = host
    return environ


class _RefusalTask(ErrorTask):
    """waitress's refusals, answered by the app (falling back to waitress's text)."""

    def execute(self) -> None:
        try:
            status, headers, body = run_app(self.channel.server.application, _refusal_environ(self))
        except Exception:  # the app could not render it: waitress's own text, not nothing
            super().execute()
            return
        self.status = status
        self.response_headers.extend(
            (name, value)
            for name, value in headers
            if name.lower() not in ("content-length", "connection")
        )
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    error_task_class = _RefusalTask
    began = 0.0  # when the first byte of the request now arriving came

    def received(self, data: bytes) -> bool:
        if self.request is None:
            self.began = time.time()
        return super().received(data)


class _Server(TcpWSGIServer):
    """waitress's TCP server with eviction at the limit, request deadlines and a drain."""

    channel_class = _Channel
    draining = False
    drain_started = drain_deadline = 0.0
    next_channel_cleanup: float = 0

    def __init__(
        self, app: WSGIApp, limits: Limits, adj: Adjustments, dispatcher: ThreadedTaskDispatcher
    ) -> None:
        self.limits = limits
        super().__init__(app, map={}, dispatcher=dispatcher, adj=adj, sockinfo=adj.listen[0])

    def readable(self) -> bool:
        now = time.time()
        if now >= self.next_channel_cleanup:
            self.next_channel_cleanup = now + self.adj.cleanup_interval
            self.maintenance(now)
        if self.draining:
            self._drain(now)
            return False
        if self.accepting and len(self.active_channels) >= self.adj.connection_limit:
            self._evict()
        return self.accepting

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # idle keep-alive connections past channel_timeout
        late = now - self.limits.request_timeout
        for channel in list(self.active_channels.values()):
            if channel.request is not None and not channel.requests and channel.began < late:
                channel.will_close = True  # a request trickling in for too long

    def _evict(self) -> None:
        """Close the connection idle the longest (none in flight) to make room."""
        idle = [
            c
            for c in self.active_channels.values()
            if not c.requests and not c.will_close and not c.total_outbufs_len
        ]
        if idle:
            min(idle, key=lambda c: c.last_activity).will_close = True

    def pull_trigger(self) -> None:
        """Wake the loop. A worker that finished its answer just as the drain closed
        every socket finds the trigger closed too: its answer is out, and there is no
        loop left to wake (waitress would log that as a crash)."""
        try:
            super().pull_trigger()
        except OSError:
            if not self.draining:
                raise

    def begin_drain(self) -> None:
        """Stop accepting; let requests in flight finish (run in the loop thread)."""
        self.draining = True
        self.drain_started = time.time()
        self.drain_deadline = self.drain_started + DRAIN_SECONDS

    def _drain(self, now: float) -> None:
        """Close what is idle; wait for answers in flight (and, briefly, for requests
        still arriving) until the deadline."""
        overdue = now >= self.drain_deadline
        arriving = now < self.drain_started + _ARRIVAL_GRACE
        busy = False
        for channel in list(self.active_channels.values()):
            if not overdue and (
                channel.requests
                or channel.total_outbufs_len
                or (arriving and channel.request is not None)
            ):
                busy = True
            else:
                channel.will_close = True
        if not busy and (overdue or not self.active_channels):
            wasyncore.close_all(self._map)  # empties the map: the loop returns


class LiveServer(BackgroundServer):
    """A threaded HTTP server for ``app`` on ``host:port`` (0 = an ephemeral port)."""

    def __init__(
        self,
        app: WSGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
        limits: Limits | None = None,
    ) -> None:
        super().__init__(host, port)
        self.app = app
        self.threads = threads
        self.limits = limits or Limits()

    def _bind(self) -> None:
        limits = self.limits
        adj = Adjustments(
            host=self.host,
            port=self.port,
            threads=self.threads,
            ident="transfer-doubles",
            asyncore_use_poll=True,
            asyncore_loop_timeout=_LOOP_TIMEOUT,
            cleanup_interval=1,
            connection_limit=limits.connection_limit,
            channel_timeout=limits.channel_timeout,
            max_request_body_size=limits.max_body,
            max_request_header_size=limits.max_header,
            backlog=1024,
        )
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(self.threads)
        self._server = _Server(dropping(self.app, ClientDisconnected), limits, adj, dispatcher)
        self.port = self._server.effective_port

    def _serve(self) -> None:
        assert self._server is not None
        server = self._server
        try:
            server.run()
        except (OSError, ValueError):  # closed under our feet
            pass
        finally:
            server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)

    def _close(self, server, thread: threading.Thread | None) -> None:  # noqa: ANN001
        """Drain: no new connections, requests in flight answered, then every socket
        closed (within :data:`DRAIN_SECONDS`)."""
        try:
            server.trigger.pull_trigger(server.begin_drain)
        except OSError:  # already closed
            return
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=DRAIN_SECONDS + 2)
