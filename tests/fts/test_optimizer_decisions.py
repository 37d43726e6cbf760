"""The double's optimizer decides as fts3's ``fts_optimizer`` does
(``src/optimizer/services/OptimizerConnections.cpp: optimizeConnectionsForPair``):
every 60 s, for each pair with SUBMITTED or ACTIVE files, it writes an evolution row
and the pair's current row, which the daemon then obeys; the REST scheduler ranks
replicas from those rows."""

from __future__ import annotations

import pytest
import requests

from mockfts import FtsDouble

WAN = ("mock://site01.es", "mock://dest.ch")  # other domains: a WAN pair
LAN = ("mock://a.example", "mock://b.example")  # the same domain from the first dot


@pytest.fixture
def token(fts) -> str:
    return fts.token_for("alice", vo="dteam")


def submit(fts, token: str, pair, count: int, *, time: int = 3000, size: int = 1) -> str:
    """``count`` transfers on ``pair`` lasting ``time`` seconds, through the REST API."""
    src, dst = pair
    entries = [
        {
            "sources": [f"{src}/f{i}?size={size}"],
            "destinations": [f"{dst}/f{i}?size_post={size}&time={time}"],
        }
        for i in range(count)
    ]
    reply = requests.post(
        fts.endpoint + "/jobs",
        json={"files": entries},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["job_id"]


def evolution(fts, pair) -> list[dict]:
    """Newest first."""
    query = {"source_se": pair[0], "dest_se": pair[1]}
    reply = requests.get(fts.endpoint + "/optimizer/evolution", params=query, timeout=10)
    assert reply.status_code == 200
    return reply.json()


def current(fts, pair) -> dict:
    query = {"source_se": pair[0], "dest_se": pair[1]}
    [row] = requests.get(fts.endpoint + "/optimizer/current", params=query, timeout=10).json()
    return row


def test_nothing_is_written_before_the_first_run(fts, token):
    submit(fts, token, WAN, 1)
    fts.advance(59)
    assert evolution(fts, WAN) == []


def test_an_unconfigured_wan_pair_starts_halfway_then_keeps_its_fixed_range(fts, token):
    """No link configuration and no storage limits: the range is [2, 2]."""
    submit(fts, token, WAN, 3)
    fts.advance(60)
    [first] = evolution(fts, WAN)
    assert {k: v for k, v in first.items() if k not in ("datetime", "source_se", "dest_se")} == {
        "active": 2,
        "throughput": 0.0,
        "success": 100.0,
        "rationale": "No information. Start halfway.",
        "diff": 2,
        "actual_active": 3,
        "queue_size": 0,
        "ema": 0.0,  # stored before the EMA is set, as upstream
        "filesize_avg": 0.0,
        "filesize_stddev": 0.0,
    }
    assert current(fts, WAN)["active"] == 2 and current(fts, WAN)["nostreams"] == 1
    fts.advance(60)
    newest = evolution(fts, WAN)[0]
    assert (newest["rationale"], newest["active"], newest["diff"]) == ("Range fixed", 2, 0)


def test_a_lan_pair_starts_at_ten(fts, token):
    submit(fts, token, LAN, 1)
    fts.advance(60)
    assert evolution(fts, LAN)[0]["active"] == 10


def test_a_configured_link_starts_at_its_max(fts, token):
    fts.state.ops.config.set_link(
        fts.root(),
        {"symbolicname": "l", "source": WAN[0], "destination": WAN[1], "max_active": 5},
    )
    submit(fts, token, WAN, 1)
    fts.advance(60)
    row = evolution(fts, WAN)[0]
    assert (row["rationale"], row["active"]) == ("No information. Use configured range max.", 5)


def test_the_decision_limits_what_runs_on_the_link(fts, token):
    first = submit(fts, token, WAN, 3)
    fts.advance(60)  # decision: 2
    later = submit(fts, token, WAN, 2)
    fts.advance(10)
    assert [f.file_state for f in fts.state.job(first).files] == ["ACTIVE"] * 3
    assert [f.file_state for f in fts.state.job(later).files] == ["SUBMITTED"] * 2


def test_one_long_advance_runs_the_optimizer_every_minute(fts, token):
    submit(fts, token, WAN, 1)
    fts.advance(600)
    rows = evolution(fts, WAN)
    assert len(rows) == 10
    assert [r["rationale"] for r in rows[-2:]] == ["Range fixed", "No information. Start halfway."]


def test_runs_stop_with_the_queues_and_resume_with_the_next_submission(fts, token):
    job_id = submit(fts, token, WAN, 1, time=5)
    assert fts.run_job(job_id).job_state == "FINISHED"
    fts.advance(120)
    assert evolution(fts, WAN) == []  # nothing was queued or running at any run
    submit(fts, token, WAN, 1)
    fts.advance(59)
    assert evolution(fts, WAN) == []
    fts.advance(1)
    assert len(evolution(fts, WAN)) == 1


def _good_link(profile: str = "3.14", seeded: int = 3, **link) -> tuple[FtsDouble, list]:
    """A link configured [1, 10] (or ``link``) with a seeded decision of 3 (or
    ``seeded``); three 1.2 MB transfers finish (6 s from READY to the end: 200000 B/s
    each, 12000 B/s over the 300 s window), then eight long ones keep it busy, as many
    running as the decision allows; success 100."""
    fts = FtsDouble(profile=profile)
    root = fts.root()
    config = {"source": WAN[0], "destination": WAN[1], "min_active": 1, "max_active": 10}
    fts.state.ops.config.set_link(root, {"symbolicname": "l", **config, **link})
    fts.state.ops.optimizer.set_values({"source_se": WAN[0], "dest_se": WAN[1], "active": seeded})
    user = fts.certificate_user("/DC=org/CN=Alice", ["/dteam/Role=NULL"])

    def submit_model(count: int, time: int, size: int) -> None:
        entries = [
            {
                "sources": [f"{WAN[0]}/g{time}{i}?size={size}"],
                "destinations": [f"{WAN[1]}/g{time}{i}?size_post={size}&time={time}"],
            }
            for i in range(count)
        ]
        fts.state.submit({"files": entries}, user)

    submit_model(3, 5, 1_200_000)
    fts.advance(10)
    submit_model(8, 3000, 1)
    fts.advance(50)
    return fts, fts.state.ops.optimizer.evolution_rows(*WAN)


@pytest.mark.parametrize("profile", ["3.14", "3.13", "legacy"])
def test_a_good_link_gets_one_more_transfer(profile):
    fts, rows = _good_link(profile)
    if profile == "legacy":  # fts3 3.9: the first sight of a decided pair decides nothing
        assert [row.rationale for row in rows] == [None]  # the seeded row only
        return
    newest = rows[0]
    assert (newest.rationale, newest.active, newest.diff) == (
        "Good link efficiency. Increment",
        4,
        1,
    )
    assert (newest.throughput, newest.ema, newest.success) == (12000.0, 12000.0, 100.0)
    assert (newest.actual_active, newest.queue_size) == (3, 5)
    assert (newest.filesize_avg, newest.filesize_stddev) == (1_200_000, 0.0)


@pytest.mark.parametrize(("profile", "written"), [("3.14", True), ("3.13", False)])
def test_a_steady_link_is_skipped_only_where_the_optimizer_remembers(profile, written):
    """3.14 builds a new ``OptimizerExecutor`` per run, so nothing is ever "steady";
    3.13 keeps its in-memory state and skips a pair whose success and EMA did not move
    for less than ``OptimizerSteadyInterval`` (300 s)."""
    fts, rows = _good_link(profile)
    fts.advance(60)
    newer = fts.state.ops.optimizer.evolution_rows(*WAN)
    assert (len(newer) == len(rows) + 1) is written
    if written:  # the first decision (4) started a queued file at once: the queue is short
        assert (newer[0].rationale, newer[0].active) == (
            "Good link efficiency. Increment. Not enough files in the queue",
            4,
        )


def test_recoverable_failures_step_the_link_down():
    fts = FtsDouble()
    fts.state.ops.config.set_link(
        fts.root(),
        {
            "symbolicname": "l",
            "source": WAN[0],
            "destination": WAN[1],
            "min_active": 1,
            "max_active": 10,
        },
    )
    fts.state.ops.optimizer.set_values({"source_se": WAN[0], "dest_se": WAN[1], "active": 5})
    user = fts.certificate_user("/DC=org/CN=Alice", ["/dteam/Role=NULL"])
    failing = [
        {
            "sources": [f"{WAN[0]}/bad{i}?size=1"],
            "destinations": [f"{WAN[1]}/bad{i}?size_post=1&transfer_errno=5"],
        }
        for i in range(2)
    ]
    keeper = {
        "sources": [f"{WAN[0]}/k?size=1"],
        "destinations": [f"{WAN[1]}/k?size_post=1&time=3000"],
    }
    fts.state.submit({"files": [*failing, keeper]}, user)
    fts.advance(60)
    row = fts.state.ops.optimizer.evolution_rows(*WAN)[0]
    assert (row.rationale, row.active, row.diff, row.success) == (
        "Bad link efficiency, no changes",
        4,
        -1,
        0.0,
    )


def test_the_double_own_history_changes_the_replica_a_throughput_strategy_picks(fts, token):
    """End to end: no history, so the throughput ranking meets a zero and the first row
    (the slow site) wins; the optimizer then records what the transfers did, and once
    the REST scheduler's five-minute cache has expired the fast site wins."""
    slow, fast = ("mock://site03.fr", WAN[1]), WAN
    submit(fts, token, fast, 5, time=10, size=10**8)
    submit(fts, token, slow, 5, time=10, size=10**6)
    submit(fts, token, fast, 1)  # keep both pairs busy, so each run writes a row
    submit(fts, token, slow, 1)

    def replica_job() -> list[str]:
        entry = {
            "sources": [f"{slow[0]}/r?size=1", f"{fast[0]}/r?size=1"],
            "destinations": [f"{WAN[1]}/r?size_post=1&time=3000"],
            "selection_strategy": "throughput",
        }
        reply = requests.post(
            fts.endpoint + "/jobs",
            json={"files": [entry]},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert reply.status_code == 200, reply.text
        files = fts.state.job(reply.json()["job_id"]).files
        return [f.source_se for f in files if f.file_state != "NOT_USED"]

    assert replica_job() == [slow[0]]  # no history: row 0
    fts.advance(60)
    [fast_row] = evolution(fts, fast)
    [slow_row] = evolution(fts, slow)
    assert fast_row["throughput"] > slow_row["throughput"] > 0
    assert replica_job() == [slow[0]]  # the throughput of 0 is cached for 300 s
    fts.advance(300)
    assert replica_job() == [fast[0]]


@pytest.mark.parametrize(
    ("link", "seeded", "rationale", "active"),
    [
        ({"max_active": 3}, 3, "Good link efficiency. Increment. Hit upper range limit", 3),
        (
            {"source": "*", "destination": "*", "max_active": 3},
            3,
            "Good link efficiency. Increment. Hit upper range limit. Using *->* link configuration",
            3,
        ),
        ({"optimizer_mode": 2}, 3, "Good link efficiency. Increment", 5),  # aggressive step
        ({}, 7, "Queue emptying. Hold on.", 7),  # one queued file, fewer than 7
        (
            {},
            4,  # four running, four queued: one more would empty the queue
            "Good link efficiency. Increment. Not enough files in the queue",
            4,
        ),
    ],
)
def test_the_step_is_bounded_by_the_range_the_mode_and_the_queue(link, seeded, rationale, active):
    _, rows = _good_link(seeded=seeded, **link)
    assert (rows[0].rationale, rows[0].active) == (rationale, active)
