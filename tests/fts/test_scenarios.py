"""FTS scenario files: a prepared world (config, bans, history, jobs in given states) made
through the double's own REST API, restored by every reset, chosen per test module."""

from __future__ import annotations

import signal
import subprocess
import sys

import fts3.rest.client.easy as easy
import pytest
import requests

from mockfts import FtsDouble
from mockfts.scenario import ScenarioError

SHIPPED = {
    "rucio-site-pair": ["FINISHED", "FAILED", "ACTIVE", "SUBMITTED"],
    "busy-link": ["FINISHEDDIRTY", "FAILED", "ACTIVE"],
    "banned-storage": ["SUBMITTED", "FINISHED"],
}


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_a_shipped_scenario_leaves_its_jobs_in_the_states_it_names(name):
    fts = FtsDouble(scenario=name)
    assert [fts.state.job(j).job_state for j in fts.scenario.jobs] == SHIPPED[name]


def test_scenario_tokens_work_with_the_fts3_client():
    fts = FtsDouble(scenario="rucio-site-pair")
    with fts.intercept():
        ctx = easy.Context(
            "https://fts3.mock:8446", fts_access_token=fts.scenario.tokens["rucio-atlas"]
        )
        listed = {job["job_id"] for job in easy.list_jobs(ctx)}
    unfinished = {j for j in fts.scenario.jobs if fts.state.job(j).job_finished is None}
    assert len(unfinished) == 2 and listed == unfinished  # token users list at level "all"


def test_the_scenario_config_is_what_the_rest_api_shows():
    fts = FtsDouble(scenario="rucio-site-pair")
    fts.identity = fts.root()
    with fts.intercept():
        links = requests.get("https://fts3.mock:8446/config/links", timeout=5).json()
        shares = requests.get("https://fts3.mock:8446/config/shares", timeout=5).json()
    assert {link["symbolicname"] for link in links} == {"site-a-to-b", "site-b-to-a"}
    assert {(s["vo"], s["share"]) for s in shares} == {("atlas", 70), ("cms", 30)}


def test_a_wait_ban_holds_new_work_on_hold():
    fts = FtsDouble(scenario="banned-storage")
    held = fts.state.job(fts.scenario.jobs[0])
    assert [f.file_state for f in held.files] == ["ON_HOLD"]


def test_reset_goes_back_to_what_the_scenario_made():
    fts = FtsDouble(scenario="busy-link")
    before = {j: fts.state.job(j).job_state for j in fts.scenario.jobs}
    fts.advance(7200)  # the active job finishes
    extra = fts.state.submit(
        {"files": [{"sources": ["mock://a.example/x"], "destinations": ["mock://b.example/x"]}]},
        fts.certificate_user("/DC=org/CN=Other", ["/dteam/Role=NULL"]),
    )
    fts.reset()
    assert {j: fts.state.job(j).job_state for j in fts.scenario.jobs} == before
    assert extra.job_id not in fts.state.jobs


def test_a_scenario_the_server_would_refuse_is_refused_with_its_answer():
    link = {"symbolicname": "x", "source": "mock://a.example", "destination": "mock://b.example"}
    bad = {"config": {"links": [{**link, "min_active": 5, "max_active": 1}]}}
    with pytest.raises(ScenarioError, match="POST /config/links: 400"):
        FtsDouble(scenario=bad)


def test_a_job_that_cannot_reach_its_state_is_named():
    scenario = {
        "tokens": {"alice": {"user": "alice", "vo": "dteam"}},
        "jobs": [
            {
                "as": "alice",
                "state": "FINISHED",
                "body": {
                    "files": [
                        {
                            "sources": ["mock://a.example/f?errno=2"],
                            "destinations": ["mock://b.example/f"],
                        }
                    ]
                },
            }
        ],
    }
    with pytest.raises(ScenarioError, match="job 0 .* is FAILED, the scenario wants FINISHED"):
        FtsDouble(scenario=scenario)


def test_unknown_sections_and_names_are_refused():
    with pytest.raises(ScenarioError, match="unknown scenario sections: colour"):
        FtsDouble(scenario={"colour": "blue"})
    with pytest.raises(FileNotFoundError, match="no scenario 'nowhere'"):
        FtsDouble(scenario="nowhere")


def test_serve_starts_from_a_scenario_and_prints_its_tokens():
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockfts", "serve", "--port", "0", "--scenario", "busy-link"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().split()[-1]
        lines = [proc.stdout.readline() for _ in range(2)]
        [token] = [line.split()[-1] for line in lines if "(scenario)" in line]
        reply = requests.get(f"{url}/jobs", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert [job["job_state"] for job in reply.json()] == ["ACTIVE"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
    assert proc.returncode == 0
