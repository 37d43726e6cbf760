"""Every FTS behaviour test runs twice: in-process and against a live localhost server."""

from __future__ import annotations

import pytest

from mockfts import FtsDouble

SRC = "mock://src.example/data/file"
DST = "mock://dst.example/data/file"


@pytest.fixture(params=["inprocess", "live"])
def fts(request) -> FtsDouble:
    """The double, served by one transport; ``fts.endpoint`` is where clients go."""
    return request.getfixturevalue("fts_mock" if request.param == "inprocess" else "fts_server")


@pytest.fixture
def alice_token(fts) -> str:
    return fts.token_for("alice", vo="dteam")


@pytest.fixture
def ctx(fts, alice_token):
    """An official ``fts3`` client context authenticated as alice (VO dteam)."""
    import fts3.rest.client.easy as easy

    return easy.Context(fts.endpoint, fts_access_token=alice_token)


def transfer(
    src_query: str = "size=10", dst_query: str = "size_post=10&time=5", name: str = "file"
) -> tuple[str, str]:
    return (
        f"mock://src.example/data/{name}?{src_query}",
        f"mock://dst.example/data/{name}?{dst_query}",
    )


#: The fields of a row of FTS's monitoring snapshot (GET /snapshot).
SNAPSHOT_KEYS = {
    "active",
    "avg_duration",
    "avg_queued",
    "avg_throughput",
    "dest_se",
    "failed",
    "finished",
    "frequent_error",
    "limits",
    "max_active",
    "source_se",
    "submitted",
    "success_ratio",
    "vo_name",
}
