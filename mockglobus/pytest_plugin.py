"""pytest fixtures for the Globus double (registered through the ``pytest11`` entry point).

* ``globus_mock``: a fresh in-process :class:`~mockglobus.GlobusDouble` answering the
  production URLs (``https://auth.globus.org``, ``https://transfer.api.globus.org``),
  so unmodified ``globus_sdk`` code talks to it with no configuration;
* ``globus_server``: a double on a real localhost socket; the socket is opened once per
  session and each test gets a fresh double behind it (fresh clock, journal, faults,
  accounts); ``globus_server.server.url`` is its base URL and
  ``globus_server.env()`` the environment (``GLOBUS_SDK_SERVICE_URL_*``,
  ``GLOBUS_CLI_CLIENT_ID``/``_SECRET``) that points globus-sdk and globus-cli at it.

Both clocks are manual: time moves only when the test calls ``advance``. The live
server binds ``--mockglobus-host``/``--mockglobus-port`` (ini: ``mockglobus_host``,
``mockglobus_port``; default 127.0.0.1 and a free port). An exception raised inside the
double while answering fails the test that caused it, after the test body ran.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockcore.live import LiveServer
from mockglobus.double import GlobusDouble, mock_globus


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockglobus", "Globus double")
    group.addoption("--mockglobus-host", default=None, help="host the globus_server binds")
    group.addoption("--mockglobus-port", default=None, type=int,
                    help="port the globus_server binds (default: a free one)")
    parser.addini("mockglobus_host", "host the globus_server binds", default="127.0.0.1")
    parser.addini("mockglobus_port", "port the globus_server binds", default="0")


def _reraise(double: GlobusDouble) -> None:
    if double.errors:
        first = double.errors[0]
        double.errors.clear()
        raise first


@pytest.fixture
def globus_mock() -> Iterator[GlobusDouble]:
    with mock_globus() as double:
        yield double
        _reraise(double)


class _Current:
    """The WSGI app of the session's server: whichever double the running test holds."""

    def __init__(self) -> None:
        self.double: GlobusDouble | None = None

    def __call__(self, environ: dict, start_response):  # noqa: ANN204
        assert self.double is not None, "no globus_server double for this request"
        return self.double.wsgi(environ, start_response)


@pytest.fixture(scope="session")
def _globus_live(pytestconfig: pytest.Config) -> Iterator[tuple[_Current, LiveServer]]:
    host = pytestconfig.getoption("mockglobus_host") or pytestconfig.getini("mockglobus_host")
    port = pytestconfig.getoption("mockglobus_port")
    if port is None:
        port = int(pytestconfig.getini("mockglobus_port") or 0)
    current = _Current()
    server = LiveServer(current, host=host, port=port).start()
    try:
        yield current, server
    finally:
        server.stop()


@pytest.fixture
def globus_server(_globus_live: tuple[_Current, LiveServer]) -> Iterator[GlobusDouble]:
    current, server = _globus_live
    double = GlobusDouble()
    double.server = server
    current.double = double
    try:
        yield double
        _reraise(double)
    finally:
        current.double = None
