"""A test module chooses the scenario its tests start from by overriding ``fts_scenario``;
each test gets the scenario's world again, whatever the previous test did."""

from __future__ import annotations

import pytest


@pytest.fixture
def fts_scenario() -> str:
    return "busy-link"


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_starts_from_the_scenario(fts_mock, round_):
    states = [fts_mock.state.job(j).job_state for j in fts_mock.scenario.jobs]
    assert states == ["FINISHEDDIRTY", "FAILED", "ACTIVE"]
    for job_id in fts_mock.scenario.jobs:  # what a test changes is gone for the next one
        fts_mock.state.cancel_job(fts_mock.state.job(job_id))
    assert round_ in (1, 2)


def test_the_live_server_serves_the_scenario(fts_server):
    import requests

    token = fts_server.scenario.tokens["alice"]
    reply = requests.get(
        f"{fts_server.endpoint}/jobs", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert [job["job_state"] for job in reply.json()] == ["ACTIVE"]
