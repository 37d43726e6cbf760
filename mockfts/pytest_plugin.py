"""pytest fixtures for the FTS3 double (registered through the ``pytest11`` entry point).

* ``fts_mock``: a fresh in-process double intercepting ``https://fts3.mock:8446``
  (``fts_mock.endpoint``) for any ``requests``-based client;
* ``fts_server``: a real localhost server (``fts_server.endpoint``), started once per
  session and reset before each test.

Both are :class:`mockfts.FtsDouble`: ``.state``, ``.clock``, ``.advance()``,
``.run_job()``, ``.token_for()``, ``.journal``, ``.faults``. Their clock is manual: time
moves only when the test says so. Override ``fts_profile`` to imitate another REST
generation.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockfts.double import DEFAULT_ENDPOINT, FtsDouble


@pytest.fixture
def fts_profile() -> str:
    """The FTS REST generation the fixtures imitate; override in a conftest."""
    return "3.14"


@pytest.fixture(scope="session")
def _fts_doubles() -> dict[str, FtsDouble]:
    """One double per profile for the session: building a Flask app costs milliseconds,
    a reset costs microseconds."""
    return {}


@pytest.fixture
def fts_mock(_fts_doubles: dict, fts_profile: str) -> Iterator[FtsDouble]:
    double = _fts_doubles.get(fts_profile)
    if double is None:
        double = _fts_doubles[fts_profile] = FtsDouble(profile=fts_profile)
    double.reset()
    double.endpoint = DEFAULT_ENDPOINT
    with double.intercept([DEFAULT_ENDPOINT]):
        yield double


@pytest.fixture(scope="session")
def _fts_live_servers() -> Iterator[dict]:
    servers: dict[str, tuple[FtsDouble, object]] = {}
    yield servers
    for _, server in servers.values():
        server.stop()


@pytest.fixture
def fts_server(_fts_live_servers: dict, fts_profile: str) -> FtsDouble:
    if fts_profile not in _fts_live_servers:
        double = FtsDouble(profile=fts_profile)
        server = double.serve().start()
        double.endpoint = server.url
        _fts_live_servers[fts_profile] = (double, server)
    double, _ = _fts_live_servers[fts_profile]
    double.reset()
    return double
