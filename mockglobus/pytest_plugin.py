"""pytest fixtures for the Globus double (registered through the ``pytest11`` entry point).

* ``globus_mock``: a fresh in-process :class:`~mockglobus.GlobusDouble` answering the
  production URLs (``https://auth.globus.org``, ``https://transfer.api.globus.org``),
  so unmodified ``globus_sdk`` code talks to it with no configuration;
* ``globus_server``: a double on a real localhost socket; the socket is opened once per
  session and each test gets a fresh double behind it (fresh clock, journal, faults,
  accounts); ``globus_server.url`` (or ``globus_server.server.url``) is its base URL and
  ``globus_server.env()`` the environment (``GLOBUS_SDK_SERVICE_URL_*``,
  ``GLOBUS_CLI_CLIENT_ID``/``_SECRET``) that points globus-sdk and globus-cli at it.

Both clocks are manual: time moves only when the test calls ``advance``. The live
server binds ``--mockglobus-host``/``--mockglobus-port`` (ini: ``mockglobus_host``,
``mockglobus_port``; default 127.0.0.1 and a free port). An exception raised inside the
double while answering fails the test that caused it, after the test body ran. Both are
built by :class:`mockcore.fixtures.DoubleFixtures`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockcore.fixtures import DoubleFixtures
from mockglobus.double import GlobusDouble


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockglobus", "Globus double")
    group.addoption("--mockglobus-host", default=None, help="host the globus_server binds")
    group.addoption(
        "--mockglobus-port",
        default=None,
        type=int,
        help="port the globus_server binds (default: a free one)",
    )
    parser.addini("mockglobus_host", "host the globus_server binds", default="127.0.0.1")
    parser.addini("mockglobus_port", "port the globus_server binds", default="0")


def _bind(config: pytest.Config) -> tuple[str, int]:
    host = config.getoption("mockglobus_host") or config.getini("mockglobus_host")
    port = config.getoption("mockglobus_port")
    if port is None:
        port = int(config.getini("mockglobus_port") or 0)
    return host, port


_FIXTURES = DoubleFixtures(GlobusDouble, bind=_bind)


@pytest.fixture
def globus_mock(request: pytest.FixtureRequest) -> Iterator[GlobusDouble]:
    """A fresh Globus double answering the production Auth and Transfer URLs in-process."""
    yield from _FIXTURES.in_process(request)


@pytest.fixture
def globus_server(request: pytest.FixtureRequest) -> Iterator[GlobusDouble]:
    """A fresh Globus double behind the session's localhost server (``globus_server.url``)."""
    yield from _FIXTURES.live(request)
