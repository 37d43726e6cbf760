"""The pytest fixtures of every double, built one way: in-process and live.

A plugin module declares its fixtures (names, parameters, docstrings) and lets a
:class:`DoubleFixtures` do the work::

    _FIXTURES = DoubleFixtures(lambda profile: FtsDouble(profile=profile), reuse=True)

    @pytest.fixture
    def fts_mock(request, fts_profile):
        yield from _FIXTURES.in_process(request, fts_profile)

    @pytest.fixture
    def fts_server(request, fts_profile):
        yield from _FIXTURES.live(request, fts_profile)

* :meth:`DoubleFixtures.in_process`: the double intercepts ``urls`` (its own defaults when
  None) for every ``requests``-based client of the test.
* :meth:`DoubleFixtures.live`: one localhost server per session, started on first use at
  ``bind(config)`` (host, port; default ``127.0.0.1`` and a free port); its WSGI app is
  :class:`CurrentDouble`, which hands each request to the double of the running test.
  The double's ``server`` is that server, so its ``url`` is the server's URL.

The double is ``make(*args)``, fresh for each test; with ``reuse``, one per transport
and distinct ``args`` is kept for the session and reset before each test (what a double
makes on first use and a reset keeps, such as an FTS double's test PKI, is made once). ``located(double, base_url)``, if
given, tells the double where the test reaches it. After the test body,
``double.raise_errors()`` fails the test that crashed the double.

What lives for the session (kept doubles, the server) is kept in the pytest config's
stash, not in module globals: a ``pytester`` run inside a test gets its own, and the
server stops when that session's config is cleaned up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import pytest

from mockcore.double import Double
from mockcore.live import LiveServer

__all__ = ["CurrentDouble", "DoubleFixtures"]

D = TypeVar("D", bound=Double)


def _anywhere(config: pytest.Config) -> tuple[str, int]:  # noqa: ARG001 - a bind
    return "127.0.0.1", 0


class CurrentDouble:
    """The WSGI app of a session's live server: the double of the running test.

    Between tests (no double) it answers 503, saying so.
    """

    def __init__(self) -> None:
        self.double: Double | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        double = self.double
        if double is None:
            body = b"no test is using this server now\n"
            start_response(
                "503 Service Unavailable",
                [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return double.wsgi(environ, start_response)


class DoubleFixtures(Generic[D]):
    """The in-process and live fixtures of one kind of double (see the module docstring)."""

    def __init__(
        self,
        make: Callable[..., D],
        *,
        reuse: bool = False,
        urls: Sequence[str] | None = None,
        located: Callable[[D, str], None] | None = None,
        bind: Callable[[pytest.Config], tuple[str, int]] = _anywhere,
    ) -> None:
        self.make = make
        self.reuse = reuse
        self.urls = urls
        self.located = located
        self.bind = bind
        self._kept = pytest.StashKey[dict]()
        self._live = pytest.StashKey[tuple[CurrentDouble, LiveServer]]()

    def _double(self, config: pytest.Config, transport: str, args: tuple[Any, ...]) -> D:
        if not self.reuse:
            return self.make(*args)
        kept = config.stash.setdefault(self._kept, {})
        double = kept.get((transport, *args))
        if double is None:
            double = kept[(transport, *args)] = self.make(*args)
        double.reset()
        return double

    def in_process(self, request: pytest.FixtureRequest, *args: Any) -> Iterator[D]:
        """Body of an in-process fixture: ``yield from`` it with the fixture's arguments."""
        double = self._double(request.config, "in-process", args)
        transport = double.intercept(self.urls) if self.urls is not None else double.intercept()
        if self.located is not None:
            self.located(double, transport.base_urls[0])
        with transport:
            yield double
        double.raise_errors()  # a crash of the double fails the test that caused it

    def server(self, config: pytest.Config) -> tuple[CurrentDouble, LiveServer]:
        """The session's live server (started on first use) and its :class:`CurrentDouble`."""
        live = config.stash.get(self._live, None)
        if live is None:
            host, port = self.bind(config)
            current = CurrentDouble()
            server = LiveServer(current, host=host, port=port).start()
            config.add_cleanup(server.stop)
            live = config.stash[self._live] = (current, server)
        return live

    def live(self, request: pytest.FixtureRequest, *args: Any) -> Iterator[D]:
        """Body of a live fixture: ``yield from`` it with the fixture's arguments."""
        current, server = self.server(request.config)
        double = self._double(request.config, "live", args)
        double.server = server
        if self.located is not None:
            self.located(double, server.url)
        current.double = double
        try:
            yield double
            double.raise_errors()  # a crash of the double fails the test that caused it
        finally:
            current.double = None
