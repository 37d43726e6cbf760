"""One contract suite, three targets: the in-process double, the standalone double, and
a real FTS3 server when ``FTS3_ENDPOINT`` points at one.

Environment for the real target:

* ``FTS3_ENDPOINT`` (e.g. ``https://fts3-devel.cern.ch:8446``);
* ``FTS3_TOKEN`` (a bearer token the server accepts), or ``X509_USER_PROXY`` with a
  delegatable proxy, and ``FTS3_CAPATH`` (default ``/etc/grid-security/certificates``);
* ``FTS3_SOURCE`` / ``FTS3_DESTINATION``: URLs a job may copy between (default: the
  gfal2 mock plugin's ``mock://`` URLs, which FTS test instances accept).

The contract only uses what a client sees: no virtual time, no peeking at state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from mockfts import FtsDouble
from mockfts.double import DEFAULT_ENDPOINT


@dataclass
class Target:
    name: str
    endpoint: str
    token: str | None
    capath: str | None = None
    source: str = "mock://contract-src.example/path/file?size=1048576"
    destination: str = "mock://contract-dst.example/path/file?size_post=1048576&time=30"

    def context(self):
        import fts3.rest.client.easy as easy

        if self.token:
            return easy.Context(self.endpoint, fts_access_token=self.token,
                                verify=bool(self.capath), capath=self.capath)
        return easy.Context(self.endpoint, capath=self.capath)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


_REAL = os.environ.get("FTS3_ENDPOINT")
TARGETS = [
    "inprocess",
    "live",
    pytest.param("real", marks=pytest.mark.skipif(
        not _REAL, reason="FTS3_ENDPOINT is not set: no real FTS3 to compare with")),
]


@pytest.fixture(scope="module")
def _live_double():
    double = FtsDouble()
    server = double.serve().start()
    double.endpoint = server.url
    yield double
    server.stop()


@pytest.fixture(params=TARGETS)
def target(request, _live_double):
    if request.param == "inprocess":
        double = FtsDouble()
        with double.intercept([DEFAULT_ENDPOINT]):
            yield Target("inprocess", DEFAULT_ENDPOINT, double.token_for("contract", "dteam"))
    elif request.param == "live":
        yield Target("live", _live_double.endpoint, _live_double.token_for("contract", "dteam"))
    else:
        real = Target("real", _REAL.rstrip("/"), os.environ.get("FTS3_TOKEN"),
                      os.environ.get("FTS3_CAPATH", "/etc/grid-security/certificates"))
        real.source = os.environ.get("FTS3_SOURCE", real.source)
        real.destination = os.environ.get("FTS3_DESTINATION", real.destination)
        yield real
