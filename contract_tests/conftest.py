"""One contract suite, three targets: the in-process double, the standalone double, and
a real FTS3 server when ``FTS3_ENDPOINT`` points at one.

Environment for the real target:

* ``FTS3_ENDPOINT`` (e.g. ``https://fts3-devel.cern.ch:8446``);
* ``FTS3_TOKEN`` (a bearer token the server accepts), or ``X509_USER_PROXY`` with a
  delegatable proxy, and ``FTS3_CAPATH`` (default ``/etc/grid-security/certificates``);
* ``FTS3_SOURCE`` / ``FTS3_DESTINATION``: URLs a job may copy between (default: the
  gfal2 mock plugin's ``mock://`` URLs, which FTS test instances accept).

The Globus contract (fixture ``globus_target``) has the same three targets; the real
Globus is used when the environment names a client for it:

* ``GLOBUS_CLIENT_ID`` and ``GLOBUS_CLIENT_SECRET``: a confidential client, used with the
  client-credentials grant (the client's own identity calls Transfer);
* ``GLOBUS_CONTRACT_COLLECTION`` (optional): a collection that identity may list and
  make directories on (the tests that need one are skipped without it), and
  ``GLOBUS_CONTRACT_PATH`` (default ``/~/``), a writable directory on it.

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
            return easy.Context(
                self.endpoint,
                fts_access_token=self.token,
                verify=bool(self.capath),
                capath=self.capath,
            )
        return easy.Context(self.endpoint, capath=self.capath)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


_REAL = os.environ.get("FTS3_ENDPOINT")
TARGETS = [
    "inprocess",
    "live",
    pytest.param(
        "real",
        marks=pytest.mark.skipif(
            not _REAL, reason="FTS3_ENDPOINT is not set: no real FTS3 to compare with"
        ),
    ),
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
        real = Target(
            "real",
            _REAL.rstrip("/"),
            os.environ.get("FTS3_TOKEN"),
            os.environ.get("FTS3_CAPATH", "/etc/grid-security/certificates"),
        )
        real.source = os.environ.get("FTS3_SOURCE", real.source)
        real.destination = os.environ.get("FTS3_DESTINATION", real.destination)
        yield real


# ------------------------------------------------------------------------- Globus
_GLOBUS_ID = os.environ.get("GLOBUS_CLIENT_ID")
_GLOBUS_SECRET = os.environ.get("GLOBUS_CLIENT_SECRET")
#: A client the doubles register on first use (permissive mode): any UUID with a secret.
_DOUBLE_CLIENT = ("6f1c3a52-0d4e-4b8f-a1c7-3e9d2b5f8a60", "contract-secret")
_SDK_URL_VARS = (
    "GLOBUS_SDK_ENVIRONMENT",
    "GLOBUS_SDK_SERVICE_URL_AUTH",
    "GLOBUS_SDK_SERVICE_URL_TRANSFER",
)
GLOBUS_TARGETS = [
    "inprocess",
    "live",
    pytest.param(
        "real",
        marks=pytest.mark.skipif(
            not (_GLOBUS_ID and _GLOBUS_SECRET),
            reason="GLOBUS_CLIENT_ID/GLOBUS_CLIENT_SECRET are not set: no real Globus to "
            "compare with",
        ),
    ),
]


@dataclass
class GlobusTarget:
    """Who the contract logs in as, and where it may list and write (None: nowhere)."""

    name: str
    client_id: str
    client_secret: str
    collection: str | None
    path: str = "/~/"

    def need_collection(self) -> str:
        if self.collection is None:
            pytest.skip("GLOBUS_CONTRACT_COLLECTION is not set: no collection to use")
        return self.collection


@pytest.fixture(scope="module")
def _live_globus():
    from mockglobus import GlobusDouble

    double = GlobusDouble()
    server = double.serve().start()
    yield server.url.rstrip("/") + "/"
    server.stop()


@pytest.fixture(params=GLOBUS_TARGETS)
def globus_target(request, monkeypatch):
    from mockglobus import mock_globus
    from mockglobus.transfer.seed import TUTORIAL_COLLECTION_1

    if request.param == "real":
        yield GlobusTarget(
            "real",
            _GLOBUS_ID,
            _GLOBUS_SECRET,
            os.environ.get("GLOBUS_CONTRACT_COLLECTION"),
            os.environ.get("GLOBUS_CONTRACT_PATH", "/~/"),
        )
        return
    for name in _SDK_URL_VARS:
        monkeypatch.delenv(name, raising=False)
    if request.param == "inprocess":
        with mock_globus():
            yield GlobusTarget("inprocess", *_DOUBLE_CLIENT, TUTORIAL_COLLECTION_1)
    else:
        base = request.getfixturevalue("_live_globus")
        monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_AUTH", base)
        monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_TRANSFER", base)
        yield GlobusTarget("live", *_DOUBLE_CLIENT, TUTORIAL_COLLECTION_1)
