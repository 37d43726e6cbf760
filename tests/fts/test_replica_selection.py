"""Replica selection at submission (fts-rest-flask ``lib/JobBuilder_utils.py:
select_best_replica`` over ``lib/scheduler/schd.py``, ``db.py`` and ``Cache.py``),
through the REST API.

The worked examples are those of fts-rest-flask ``tests/functional/test_scheduler.py``:
three sources, a queue of 15/10/5 files of 4096/2048/1024 bytes and optimizer history
with success 90/95/100 and throughput 10/15/20 (10 actives each)."""

from __future__ import annotations

import json

import pytest
import requests

from mockfts import FtsDouble

SITES = ("http://site01.es", "http://site02.ch", "http://site03.fr")
DEST = "http://dest.ch"
#: ``fill_activities``: ``default`` weighs least, so every activity counts for it.
ACTIVITIES = {
    "data brokering": 0.3,
    "data consolidation": 0.4,
    "default": 0.02,
    "express": 0.4,
    "functional test": 0.2,
    "production": 0.5,
    "production input": 0.25,
    "production output": 0.25,
    "recovery": 0.4,
    "staging": 0.5,
    "t0 export": 0.7,
    "t0 tape": 0.7,
    "user subscriptions": 0.1,
}


@pytest.fixture
def token(fts) -> str:
    return fts.token_for("tester", vo="testvo")


def post_job(fts, token: str, body: dict) -> requests.Response:
    return requests.post(
        fts.endpoint + "/jobs",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def files_of(fts, token: str, job_id: str) -> list[dict]:
    reply = requests.get(
        f"{fts.endpoint}/jobs/{job_id}/files",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    return sorted(reply.json(), key=lambda f: f["file_id"])


def fill_file_queue(fts, token: str) -> None:
    """``fill_file_queue``: single-source jobs, all SUBMITTED when the replica job comes."""
    for site, count, size in zip(SITES, (15, 10, 5), (4096, 2048, 1024), strict=True):
        for i in range(count):
            entry = {
                "sources": [f"{site}/file{i}"],
                "destinations": [f"{DEST}/file{i}{size}"],
                "selection_strategy": "orderly",
                "filesize": size,
            }
            assert post_job(fts, token, {"files": [entry]}).status_code == 200


def seed_history(fts, rows: dict[str, dict]) -> None:
    """One evolution row per source, stamped now (``fill_optimizer``), posted as an
    operator would to ``/optimizer/current``."""
    for site, values in rows.items():
        body = {"source_se": site, "dest_se": DEST, **values}
        reply = requests.post(fts.endpoint + "/optimizer/current", json=body, timeout=10)
        assert reply.status_code == 200, reply.text


def fill_optimizer(fts) -> None:
    seed_history(
        fts,
        {
            SITES[0]: {"success": 90, "active": 10, "throughput": 10},
            SITES[1]: {"success": 95, "active": 10, "throughput": 15},
            SITES[2]: {"success": 100, "active": 10, "throughput": 20},
        },
    )


def seed_activity_share(fts, share: object) -> None:
    """``fill_activities`` stores a JSON *text* in the ``Json`` column, which no REST
    route can do (``/config/activity_shares`` stores a list): set the row in the model.
    Inactive, so the double's own scheduler leaves it alone; the REST ranking reads it
    whatever its flag."""
    fts.state.ops.config.activity_shares["testvo"] = {
        "vo": "testvo",
        "active": False,
        "activity_share": share,
    }


def replica_job(strategy: str, sources=SITES) -> dict:
    """``submit_job``: the same file at three sites, one destination."""
    return {
        "files": [
            {
                "sources": [f"{site}/file" for site in sources],
                "destinations": [f"{DEST}/file20000"],
                "selection_strategy": strategy,
                "checksum": "adler32:1234",
                "filesize": 1024,
                "metadata": {"mykey": "myvalue"},
            }
        ],
        "params": {"overwrite": True},
    }


def submit_replicas(fts, token: str, strategy: str, sources=SITES) -> list[dict]:
    reply = post_job(fts, token, replica_job(strategy, sources))
    assert reply.status_code == 200, reply.text
    return files_of(fts, token, reply.json()["job_id"])


def chosen(files: list[dict]) -> list[str]:
    """``validate``: the row order is kept, and which rows were SUBMITTED."""
    assert [f["file_state"] for f in files].count("SUBMITTED") == 1
    assert files[0]["source_surl"] == f"{SITES[0]}/file"
    assert {f["file_index"] for f in files} == {0}
    assert len({f["hashed_id"] for f in files}) == 1
    assert {f["file_state"] for f in files} == {"SUBMITTED", "NOT_USED"}
    return [f["source_surl"] for f in files if f["file_state"] == "SUBMITTED"]


@pytest.mark.parametrize(
    ("strategy", "queue", "history", "activities"),
    [
        ("queue", True, False, False),
        ("auto", True, False, False),
        ("success", False, True, False),
        ("throughput", False, True, False),
        ("file-throughput", False, True, False),
        ("pending-data", True, False, True),
        ("waiting-time", True, True, True),
        ("waiting-time-with-error", True, True, True),
        ("duration", True, True, True),
    ],
)
def test_each_strategy_picks_the_site_the_upstream_test_expects(
    fts, token, strategy, queue, history, activities
):
    """``test_queue`` ... ``test_duration``: site03 ranks best by every measure."""
    if activities:
        seed_activity_share(fts, json.dumps(ACTIVITIES))
    if queue:
        fill_file_queue(fts, token)
    if history:
        fill_optimizer(fts)
    assert chosen(submit_replicas(fts, token, strategy)) == [f"{SITES[2]}/file"]


def test_orderly_takes_the_first_source_whatever_the_ranks(fts, token):
    """``test_orderly``."""
    seed_activity_share(fts, json.dumps(ACTIVITIES))
    fill_file_queue(fts, token)
    fill_optimizer(fts)
    assert chosen(submit_replicas(fts, token, "orderly")) == [f"{SITES[0]}/file"]


def test_orderly_with_a_repeated_source_submits_the_first_row_only(fts, token):
    """``test_orderly_same_sources``."""
    files = submit_replicas(fts, token, "orderly", sources=(SITES[0], SITES[1], SITES[0]))
    assert [f["file_state"] for f in files] == ["SUBMITTED", "NOT_USED", "NOT_USED"]


def test_an_unknown_strategy_is_refused(fts, token):
    """``test_invalid_strategy``: exact, case-sensitive names."""
    for name in ("YOLO", "Orderly"):
        reply = post_job(fts, token, replica_job(name))
        assert reply.status_code == 400
        assert reply.json() == {
            "status": "400 Bad Request",
            "message": f"{name} algorithm is not supported by Scheduler",
        }


def test_the_queue_ranking_is_reused_for_five_minutes(fts, token):
    """``ThreadLocalCache``: a second submission within 300 s reuses the counts taken by
    the first (the test runs the queue strategy three times for this reason)."""
    fill_file_queue(fts, token)
    assert chosen(submit_replicas(fts, token, "queue")) == [f"{SITES[2]}/file"]
    for i in range(12):  # site03 now has 17 SUBMITTED files, the most
        entry = {"sources": [f"{SITES[2]}/more{i}"], "destinations": [f"{DEST}/more{i}"]}
        assert post_job(fts, token, {"files": [entry]}).status_code == 200
    assert chosen(submit_replicas(fts, token, "queue")) == [f"{SITES[2]}/file"]


def test_history_is_reread_after_five_minutes(fts, token):
    fts.state.ops.optimizer.settings.running = False  # only the seeded rows count here
    two = SITES[:2]
    seed_history(fts, {SITES[0]: {"success": 90}, SITES[1]: {"success": 95}})
    assert chosen(submit_replicas(fts, token, "success", two)) == [f"{SITES[1]}/file"]
    fts.advance(1)
    seed_history(fts, {SITES[0]: {"success": 100}})  # site01 averages 95 now: a tie
    assert chosen(submit_replicas(fts, token, "success", two)) == [f"{SITES[1]}/file"]
    fts.advance(300)
    assert chosen(submit_replicas(fts, token, "success", two)) == [f"{SITES[0]}/file"]


def test_a_link_without_history_has_a_success_rate_of_100(fts, token):
    """``Database.get_success_rate``: no rows (or a sum of 0) reads as 100."""
    seed_history(fts, {SITES[0]: {"success": 99}, SITES[2]: {"success": 0}})
    assert chosen(submit_replicas(fts, token, "success")) == [f"{SITES[1]}/file"]


def test_a_source_without_throughput_ends_the_ranking_and_the_first_row_wins(fts, token):
    """``Scheduler.select_source``: site02 has no history, so the ranking stops there
    and the caller falls back to row 0, although site03 has the best throughput."""
    seed_history(
        fts,
        {SITES[0]: {"throughput": 1, "active": 1}, SITES[2]: {"throughput": 50, "active": 9}},
    )
    for strategy in ("throughput", "file-throughput", "waiting-time", "duration"):
        assert chosen(submit_replicas(fts, token, strategy)) == [f"{SITES[0]}/file"], strategy


def test_throughput_ranks_by_throughput_times_actives(fts, token):
    """``get_throughput`` averages ``throughput * active``, ``get_per_file_throughput``
    ``throughput`` alone, over the last hour's rows."""
    seed_history(
        fts,
        {
            SITES[0]: {"throughput": 30, "active": 1},
            SITES[1]: {"throughput": 20, "active": 2},
            SITES[2]: {"throughput": 5, "active": 10},
        },
    )
    assert chosen(submit_replicas(fts, token, "throughput")) == [f"{SITES[2]}/file"]
    assert chosen(submit_replicas(fts, token, "file-throughput")) == [f"{SITES[0]}/file"]


def test_history_older_than_an_hour_is_ignored(fts):
    fts.state.ops.optimizer.settings.running = False
    seed_history(fts, {SITES[0]: {"success": 50}})
    fts.advance(3601)
    seed_history(fts, {SITES[1]: {"success": 90}})
    token = fts.token_for("tester", vo="testvo")  # the first one expired meanwhile
    assert chosen(submit_replicas(fts, token, "success")) == [f"{SITES[0]}/file"]


def test_a_share_set_through_the_rest_api_breaks_pending_data(fts, token):
    """``get_pending_data`` ``json.loads`` the share, which ``/config/activity_shares``
    stores as a list: every pending-data based strategy then answers 400."""
    fts.state.ops.config.set_activity_share(fts.root(), {"vo": "testvo", "share": {"default": 1}})
    for strategy in ("pending-data", "waiting-time", "waiting-time-with-error", "duration"):
        reply = post_job(fts, token, replica_job(strategy))
        assert reply.status_code == 400
        assert reply.json()["message"] == (
            "Malformed request: the JSON object must be str, bytes or bytearray, not list"
        )
    assert post_job(fts, token, replica_job("queue")).status_code == 200


def test_a_share_without_the_users_activity_breaks_pending_data(fts, token):
    seed_activity_share(fts, json.dumps({"express": 0.4}))
    reply = post_job(fts, token, replica_job("pending-data"))
    assert reply.status_code == 400
    assert reply.json()["message"] == (
        "Malformed request: '>=' not supported between instances of 'float' and 'NoneType'"
    )


def test_pending_data_counts_only_activities_weighing_at_least_the_users(fts, token):
    """With a share, files of lighter activities (and of activities it does not name)
    are not pending for the user."""
    seed_activity_share(fts, json.dumps({"default": 0.5, "express": 0.9, "bulk": 0.1}))
    for site, activity in ((SITES[0], "express"), (SITES[1], "bulk"), (SITES[2], "other")):
        entry = {
            "sources": [f"{site}/x"],
            "destinations": [f"{DEST}/x"],
            "filesize": 10**6,
            "activity": activity,
        }
        assert post_job(fts, token, {"files": [entry]}).status_code == 200
    assert chosen(submit_replicas(fts, token, "pending-data")) == [f"{SITES[1]}/file"]


@pytest.mark.parametrize(("strategy", "next_row"), [("auto", 2), ("queue", 1), ("orderly", 1)])
def test_after_a_failure_auto_takes_the_least_queued_link_and_the_others_the_next_row(
    fts, token, strategy, next_row
):
    """The daemon's choice, not the REST scheduler's (fts3 ``MySqlAPI::useFileReplica``):
    ``auto`` ranks the unused links by SUBMITTED files of the VO
    (``getBestNextReplica``); any other strategy takes the lowest file id."""
    busy, idle, dst = "mock://busy.example", "mock://idle.example", "mock://dst.example"
    fts.state.ops.optimizer.set_values({"source_se": busy, "dest_se": dst, "active": 1})
    for name in ("a", "b"):  # one runs, one stays queued
        entry = {
            "sources": [f"{busy}/{name}?size=1"],
            "destinations": [f"{dst}/{name}?size_post=1&time=900"],
        }
        assert post_job(fts, token, {"files": [entry]}).status_code == 200
    entry = {
        "sources": ["mock://bad.example/f?errno=2", f"{busy}/f?size=1", f"{idle}/f?size=1"],
        "destinations": [f"{dst}/f?size_post=1&time=900"],
        "selection_strategy": strategy,
    }
    reply = post_job(fts, token, {"files": [entry]})
    job = fts.state.job(reply.json()["job_id"])
    assert job.files[0].file_state == "SUBMITTED"
    fts.advance(10)
    states = [f.file_state for f in job.files]
    assert states[0] == "FAILED" and states[next_row] != "NOT_USED"
    assert states.count("NOT_USED") == 1


@pytest.mark.parametrize("profile", ["3.14", "3.13", "legacy"])
def test_every_generation_ranks_replicas_the_same_way(profile):
    """The double plays fts-rest-flask's ``lib/scheduler`` in every generation (the
    legacy server's own was not read)."""
    fts = FtsDouble(profile=profile)
    for site, success in zip(SITES, (90, 95, 100), strict=True):
        fts.state.ops.optimizer.set_values({"source_se": site, "dest_se": DEST, "success": success})
    user = fts.certificate_user("/DC=org/CN=Tester", ["/testvo/Role=NULL"])
    job = fts.state.submit(replica_job("success"), user)
    assert [f.file_state for f in job.files] == ["NOT_USED", "NOT_USED", "SUBMITTED"]
