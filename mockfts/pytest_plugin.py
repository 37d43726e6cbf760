"""pytest fixtures for the FTS3 double (registered through the ``pytest11`` entry point).

* ``fts_mock``: an in-process double intercepting ``https://fts3.mock:8446``
  (``fts_mock.endpoint``) for any ``requests``-based client;
* ``fts_server``: a double behind a real localhost server (``fts_server.endpoint``, also
  ``fts_server.url``); the server is started once per session.

Both are :class:`mockfts.FtsDouble`: ``.state``, ``.clock``, ``.advance()``,
``.run_job()``, ``.token_for()``, ``.journal``, ``.faults``. Each test gets a double as
new (one per profile is kept for the session and reset before each test). Their clock is
manual: time moves only when the test says so. Override ``fts_profile`` to imitate
another REST generation, and ``fts_scenario`` to start each test from a scenario (the
double is reset to what the scenario made). An exception raised inside the double while answering (a 500 to
the client) fails the test that caused it, after the test body ran. Both are built by
:class:`mockcore.fixtures.DoubleFixtures`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockcore.fixtures import DoubleFixtures
from mockfts.double import DEFAULT_ENDPOINT, FtsDouble


def _located(double: FtsDouble, url: str) -> None:
    double.endpoint = url


_FIXTURES = DoubleFixtures(
    lambda profile, scenario: FtsDouble(profile=profile, scenario=scenario),
    reuse=True,
    urls=[DEFAULT_ENDPOINT],
    located=_located,
)


@pytest.fixture
def fts_profile() -> str:
    """The FTS REST generation the fixtures imitate; override in a conftest."""
    return "3.14"


@pytest.fixture
def fts_scenario() -> str | None:
    """A scenario every test of the scope starts from (a name in ``mockfts/scenarios``
    or a path; see :mod:`mockfts.scenario`); override in a conftest or a module. Its
    tokens are ``fts_mock.scenario.tokens``."""
    return None


@pytest.fixture
def fts_mock(
    request: pytest.FixtureRequest, fts_profile: str, fts_scenario: str | None
) -> Iterator[FtsDouble]:
    """An FTS3 double answering ``https://fts3.mock:8446`` in-process."""
    yield from _FIXTURES.in_process(request, fts_profile, _key(fts_scenario))


@pytest.fixture
def fts_server(
    request: pytest.FixtureRequest, fts_profile: str, fts_scenario: str | None
) -> Iterator[FtsDouble]:
    """An FTS3 double behind the session's localhost server (``fts_server.endpoint``)."""
    yield from _FIXTURES.live(request, fts_profile, _key(fts_scenario))


def _key(scenario: object) -> str | None:
    """Doubles are kept per (profile, scenario): a scenario is named by a string."""
    if scenario is None or isinstance(scenario, str):
        return scenario
    return str(scenario)  # a Path
