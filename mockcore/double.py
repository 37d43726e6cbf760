"""A service double: its state, its app, and the two ways to serve it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import responses

from mockcore.faults import FaultInjector
from mockcore.inprocess import EnvironHook, InProcessTransport
from mockcore.journal import Journal
from mockcore.live import LiveServer
from mockcore.state import ServiceState
from mockcore.wsgi import DoubleMiddleware, WSGIApp


class Double:
    """Everything a test touches: ``state``, ``clock``, ``journal``, ``faults``.

    The same wrapped WSGI app (``wsgi``) is what :meth:`intercept` mounts behind
    ``responses`` and what :meth:`serve` puts on a socket, so every behaviour is the
    same in both transports.
    """

    def __init__(
        self,
        state: ServiceState,
        app_factory: Callable[[ServiceState], WSGIApp],
        *,
        collapse_slashes: bool = True,
    ) -> None:
        self.state = state
        self.journal = Journal()
        self.faults = FaultInjector()
        self.app = app_factory(state)
        self.wsgi = DoubleMiddleware(
            self.app, journal=self.journal, faults=self.faults, clock=state.clock,
            collapse_slashes=collapse_slashes,
        )

    @property
    def clock(self):  # noqa: ANN201 - the state's Clock
        return self.state.clock

    def advance(self, seconds: float) -> None:
        self.state.advance(seconds)

    def run_until(self, done: Callable[[], bool], timeout: float = 86_400.0) -> float:
        return self.state.run_until(done, timeout)

    def reset(self) -> None:
        """Back to a fresh double (same seed), keeping transports and the app."""
        self.state.reset()
        self.journal.clear()
        self.faults.clear()

    def intercept(
        self,
        base_urls: Iterable[str],
        *,
        rsps: responses.RequestsMock | None = None,
        environ_hook: EnvironHook | None = None,
    ) -> InProcessTransport:
        return InProcessTransport(self.wsgi, base_urls, rsps=rsps, environ_hook=environ_hook)

    def serve(self, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> LiveServer:
        return LiveServer(self.wsgi, host=host, port=port, threads=threads)
