"""A service double: its state, its app, and the two ways to serve it."""

from __future__ import annotations

import functools
import gc
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import responses

from mockcore.clock import Clock
from mockcore.controlplane import DOUBLE_KEY
from mockcore.faults import FaultInjector
from mockcore.inprocess import EnvironHook, InProcessTransport
from mockcore.journal import Journal
from mockcore.live import BackgroundServer, Limits, LiveServer
from mockcore.state import ServiceState
from mockcore.wsgi import DoubleMiddleware, WSGIApp

#: The WSGI environ key where a double leaves its state for its app: a service builds
#: its app once per process (route tables cost milliseconds) and every double shares it.
STATE_KEY = "mockcore.state"

T = TypeVar("T")


def once_per_process(build: Callable[[], T]) -> Callable[[], T]:
    """``build()`` on first call, the same object after: for what every double shares and
    nothing changes (a service's app and route tables).

    What is alive once it is built (it, and the modules it needed) is then frozen out of
    the cyclic collector (``gc.freeze()``, after a collection so no garbage is frozen):
    the full collections that follow a test dropping many objects do not walk it again.
    """

    @functools.cache
    def built() -> T:
        thing = build()
        gc.collect()
        gc.freeze()
        return thing

    return functools.wraps(build)(built)


class _WithState:
    """The app of one double: the shared app, told whose state a request is for."""

    def __init__(self, app: WSGIApp, double: Double) -> None:
        self.app = app
        self.double = double

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        environ[STATE_KEY] = self.double.state
        environ[DOUBLE_KEY] = self.double  # for the control plane (journal, faults, reset)
        return self.app(environ, start_response)


class Double:
    """Everything a test touches: ``state``, ``clock``, ``journal``, ``faults``.

    The same wrapped WSGI app (``wsgi``) is what :meth:`intercept` mounts behind
    ``responses`` and what :meth:`serve` puts on a socket, so every behaviour is the
    same in both transports. Each request carries the double's state under
    :data:`STATE_KEY`, so one app can serve every double of a process.

    ``state`` is the state, or a function building it on first use of :attr:`state`
    (then ``clock`` is the clock it builds it on): a double nobody talks to costs no
    state. ``app_factory(state)`` is the app; a shared app ignores its argument (None
    for a state not built yet).
    """

    def __init__(
        self,
        state: ServiceState | Callable[[], ServiceState],
        app_factory: Callable[[Any], WSGIApp],
        *,
        clock: Clock | None = None,
        collapse_slashes: bool = True,
    ) -> None:
        self._state: ServiceState | None = None
        self._build: Callable[[], ServiceState] | None = None
        if isinstance(state, ServiceState):
            self._state, clock = state, state.clock
        elif clock is None:
            raise TypeError("a state built on first use needs the clock it is built on")
        else:
            self._build = state
        self._building = threading.Lock()
        self.journal = Journal()
        self.faults = FaultInjector()
        #: Exceptions the app did not expect while answering (each answered with the
        #: service's 500); the last 100. The fixtures raise the first after the test.
        self.errors: deque[BaseException] = deque(maxlen=100)
        #: The socket server answering for this double (:meth:`serve`, or a live
        #: fixture's session server); None in-process. Its base URL is :attr:`url`.
        self.server: BackgroundServer | None = None
        self._clock = clock
        self.app = app_factory(self._state)
        self.wsgi = DoubleMiddleware(
            _WithState(self.app, self),
            journal=self.journal,
            faults=self.faults,
            clock=clock,
            errors=self.errors,
            collapse_slashes=collapse_slashes,
        )

    @property
    def state(self) -> Any:  # the service's ServiceState subclass
        state = self._state
        if state is None:
            with self._building:  # the live server's threads may all ask first
                if self._state is None:
                    assert self._build is not None
                    self._state = self._build()
                state = self._state
        return state

    @property
    def built(self) -> bool:
        """Whether :attr:`state` exists yet (a double nobody talked to has none)."""
        return self._state is not None

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def url(self) -> str | None:
        """Base URL of the live server answering for this double (``http://127.0.0.1:<port>``)
        while it runs; None in-process, before :meth:`serve`'s server starts or after it stops."""
        if self.server is None:
            return None
        try:
            return self.server.url
        except RuntimeError:  # not started, or stopped
            return None

    def advance(self, seconds: float) -> None:
        self.state.advance(seconds)

    def run_until(self, done: Callable[[], bool], timeout: float = 86_400.0) -> float:
        return self.state.run_until(done, timeout)

    def reset(self) -> None:
        """Back to a fresh double (same seed), keeping transports and the app; a state
        not built yet is fresh already."""
        if self._state is not None:
            self._state.reset()
        self.journal.clear()
        self.faults.clear()
        self.errors.clear()

    def raise_errors(self) -> None:
        """Raise the first exception the double did not expect while answering, if any
        (and forget them all): a crash of the double fails the test that caused it."""
        if self.errors:
            first = self.errors[0]
            self.errors.clear()
            raise first

    #: Where :meth:`intercept` answers when it is given no base URLs.
    base_urls: tuple[str, ...] = ()

    def intercept(
        self,
        base_urls: Iterable[str] | None = None,
        *,
        rsps: responses.RequestsMock | None = None,
        environ_hook: EnvironHook | None = None,
    ) -> InProcessTransport:
        urls = self.base_urls if base_urls is None else base_urls
        return InProcessTransport(self.wsgi, urls, rsps=rsps, environ_hook=environ_hook)

    def serve(
        self, host: str = "127.0.0.1", port: int = 0, threads: int = 8, limits: Limits | None = None
    ) -> LiveServer:
        """A socket server for this double (call ``start()``, or use it as a context
        manager); it becomes :attr:`server`, so :attr:`url` is its URL once started."""
        self.server = LiveServer(self.wsgi, host=host, port=port, threads=threads, limits=limits)
        return self.server

    def snapshot(self) -> bytes:
        """The state as a signed blob (``POST /_mock/snapshot`` on a live server).

        Time taken and size follow the size of the state. The journal and the
        injected faults are not part of it.
        """
        return self.state.snapshot()

    def restore(self, blob: bytes) -> None:
        """Back to a :meth:`snapshot` of this double, in place (``double.state`` stays
        the same object; the clock goes to the snapshot's time and keeps its kind).

        Raises ``mockcore.persist.SnapshotRefused`` (a ``ValueError``), with nothing
        changed, for a blob this double did not sign.
        """
        self.state.restore(blob)
