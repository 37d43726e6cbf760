"""Standalone transport: the same WSGI app on a real localhost socket.

Served by waitress (a production WSGI server with a thread pool), so concurrent
clients are served concurrently and throughput is that of a real deployment, not of
Werkzeug's development server.
"""

from __future__ import annotations

import threading

from waitress import wasyncore
from waitress.channel import ClientDisconnected
from waitress.server import create_server

from mockcore.wsgi import WSGIApp, dropping


class BackgroundServer:
    """What every socket server of the doubles shares: bind, run in a thread, stop.

    Subclasses say how to bind (:meth:`_bind`, setting ``_server`` and ``port``), how
    to run (:meth:`_serve`) and how to close (:meth:`_close`).
    """

    scheme = "http"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._server = None
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


class LiveServer(BackgroundServer):
    """A threaded HTTP server for ``app`` on ``host:port`` (0 = an ephemeral port)."""

    def __init__(
        self, app: WSGIApp, host: str = "127.0.0.1", port: int = 0, threads: int = 8
    ) -> None:
        super().__init__(host, port)
        self.app = app
        self.threads = threads

    def _bind(self) -> None:
        self._server = create_server(
            dropping(self.app, ClientDisconnected), host=self.host, port=self.port,
            threads=self.threads, ident="transfer-doubles", channel_timeout=30,
            asyncore_use_poll=True, asyncore_loop_timeout=0.1,  # how soon stop() is noticed
        )
        self.port = self._server.effective_port

    def _serve(self) -> None:
        assert self._server is not None
        try:
            self._server.run()
        except (OSError, ValueError):  # closed under our feet by stop()
            pass

    def _close(self, server, thread: threading.Thread | None) -> None:  # noqa: ANN001
        server.close()
        # Open keep-alive connections would keep waitress's loop (and the join) waiting.
        if isinstance(getattr(server, "_map", None), dict):
            wasyncore.close_all(server._map)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
