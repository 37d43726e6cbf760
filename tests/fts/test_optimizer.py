"""The optimizer routes (fts-rest-flask ``controllers/optimizer.py``): no authorization at
all, in both transports."""

from __future__ import annotations

import pytest
import requests

PAIR = {"source_se": "mock://a.example", "dest_se": "mock://b.example"}


def post(fts, payload):
    return requests.post(fts.endpoint + "/optimizer/current", json=payload, timeout=5)


def get(fts, path, **params):
    return requests.get(fts.endpoint + path, params=params, timeout=5)


def test_the_optimizer_is_enabled(fts):
    reply = get(fts, "/optimizer")
    assert reply.status_code == 200 and reply.json() is True


def test_setting_values_answers_the_evolution_and_the_optimizer_rows(fts):
    reply = post(fts, {**PAIR, "active": 4, "nostreams": 1, "ema": 3.4, "rationale": "my_reason"})
    assert reply.status_code == 200
    evolution, optimizer = reply.json()
    assert evolution == {
        "datetime": evolution["datetime"],
        **PAIR,
        "active": 4,
        "throughput": 0.0,
        "success": 0.0,
        "rationale": "my_reason",
        "diff": 1,
        "actual_active": 1,
        "queue_size": 1,
        "ema": 3.4,
        "filesize_avg": 0.0,
        "filesize_stddev": 0.0,
    }
    # every posted key is echoed on the optimizer row, as the server's setattr loop does
    assert optimizer == {
        **PAIR,
        "ema": 3.4,
        "active": 4,
        "datetime": evolution["datetime"],
        "nostreams": 1,
        "rationale": "my_reason",
    }
    [current] = get(fts, "/optimizer/current", **PAIR).json()
    assert current == {
        **PAIR,
        "ema": 3.4,
        "active": 4,
        "datetime": evolution["datetime"],
        "nostreams": 1,
    }


def test_current_keeps_one_row_per_pair_and_evolution_keeps_history_newest_first(fts):
    post(fts, {**PAIR, "active": 2})
    fts.advance(60)
    post(fts, {**PAIR, "active": 7})
    post(fts, {"source_se": "mock://c.example", "dest_se": "mock://b.example", "active": 3})
    assert sorted(r["active"] for r in get(fts, "/optimizer/current").json()) == [3, 7]
    assert [r["active"] for r in get(fts, "/optimizer/current", **PAIR).json()] == [7]
    assert [r["active"] for r in get(fts, "/optimizer/evolution", **PAIR).json()] == [7, 2]
    assert [
        r["active"] for r in get(fts, "/optimizer/evolution", dest_se="mock://b.example").json()
    ] == [3, 7, 2]


def test_evolution_shows_at_most_fifty_rows(fts):
    for n in range(55):
        post(fts, {**PAIR, "active": n})
        fts.advance(1)
    rows = get(fts, "/optimizer/evolution").json()
    assert len(rows) == 50 and rows[0]["active"] == 54 and rows[-1]["active"] == 5


@pytest.mark.parametrize(
    "payload", [{}, {"source_se": "x"}, {"dest_se": "y"}, {"source_se": "", "dest_se": "y"}]
)
def test_a_pair_is_required(fts, payload):
    reply = post(fts, payload)
    assert reply.status_code == 400
    assert reply.json() == {
        "status": "400 Bad Request",
        "message": "Missing source and/or destination",
    }


@pytest.mark.parametrize("key", ["active", "nostreams", "diff", "actual_active", "queue_size"])
def test_integer_fields_are_checked(fts, key):
    name = key.capitalize()
    reply = post(fts, {**PAIR, key: "many"})
    assert reply.status_code == 400
    assert reply.json()["message"] == (
        f"{name} must be an integer (invalid literal for int() with base 10: 'many')"
    )
    assert post(fts, {**PAIR, key: -3}).json()["message"] == f"{name} must be positive (-3)"


@pytest.mark.parametrize("key", ["ema", "throughput", "success", "filesize_avg", "filesize_stddev"])
def test_float_fields_are_checked(fts, key):
    name = key.capitalize()
    reply = post(fts, {**PAIR, key: "fast"})
    assert reply.status_code == 400
    assert reply.json()["message"] == (
        f"{name} must be a float (could not convert string to float: 'fast')"
    )
    assert post(fts, {**PAIR, key: -0.5}).json()["message"] == f"{name} must be positive (-0.5)"
    assert get(fts, "/optimizer/current").json() == []


def test_form_values_are_accepted(fts):
    reply = requests.post(
        fts.endpoint + "/optimizer/current", data={**PAIR, "active": "5"}, timeout=5
    )
    assert reply.status_code == 200 and reply.json()[1]["active"] == 5
