"""``GET /snapshot``: only in the legacy profile (dropped from the REST API in 2017),
counters computed from the double's real state; in both transports."""

from __future__ import annotations

import pytest
import requests

from tests.fts.conftest import SNAPSHOT_KEYS

SRC, DST = "mock://src.example", "mock://dst.example"


def test_todays_servers_have_no_snapshot(fts):
    reply = requests.get(fts.endpoint + "/snapshot", timeout=5)
    assert reply.status_code == 404
    assert reply.json()["status"] == "404 Not Found"


class TestLegacyServer:
    @pytest.fixture
    def fts_profile(self):
        return "legacy"

    @pytest.fixture
    def headers(self, fts):
        return {"Authorization": f"Bearer {fts.token_for('alice', vo='dteam')}"}

    def submit(self, fts, headers, *entries):
        files = [
            {"sources": [f"{SRC}/{name}?{src}"], "destinations": [f"{DST}/{name}?{dst}"]}
            for name, src, dst in entries
        ]
        reply = requests.post(
            fts.endpoint + "/jobs", json={"files": files}, headers=headers, timeout=5
        )
        assert reply.status_code == 200, reply.text
        return reply.json()["job_id"]

    def snapshot(self, fts, **params):
        reply = requests.get(fts.endpoint + "/snapshot", params=params, timeout=5)
        assert reply.status_code == 200
        return reply.json()

    def test_an_idle_server_has_no_pairs(self, fts):
        assert self.snapshot(fts) == []

    def test_counters_follow_the_transfers_of_the_pair(self, fts, headers):
        self.submit(
            fts,
            headers,
            ("ok", "size=10", "size_post=10&time=5"),
            ("bad", "size=10&errno=2", "size_post=10"),
            ("slow", "size=10", "size_post=10&time=100"),
        )
        [queued] = self.snapshot(fts)
        assert queued.keys() == SNAPSHOT_KEYS
        assert (queued["submitted"], queued["active"], queued["avg_queued"]) == (3, 0, None)
        fts.advance(20)
        [pair] = self.snapshot(fts)
        ok = next(
            f for f in fts.state.jobs[next(iter(fts.state.jobs))].files if "ok" in f.source_surl
        )
        assert pair == {
            "vo_name": "dteam",
            "source_se": SRC,
            "dest_se": DST,
            "max_active": None,
            "active": 1,
            "submitted": 0,
            "finished": 1,
            "failed": 1,
            "success_ratio": 0.5,
            "avg_duration": ok.tx_duration,
            "avg_throughput": ok.throughput,
            "avg_queued": 2.0,  # the daemon's schedule delay, for every started file
            "frequent_error": {"count": 1, "reason": "SOURCE [2] No such file or directory"},
            "limits": {},
        }

    def test_finished_pairs_stay_visible_for_an_hour(self, fts, headers):
        self.submit(fts, headers, ("ok", "size=10", "size_post=10&time=5"))
        fts.advance(1800)
        assert self.snapshot(fts)[0]["finished"] == 1
        fts.advance(1900)
        assert self.snapshot(fts) == []

    def test_max_active_and_limits_come_from_the_configuration(self, fts, headers):
        self.submit(fts, headers, ("ok", "size=10", "size_post=10&time=500"))
        config = {"headers": headers, "timeout": 5}
        requests.post(
            fts.endpoint + "/config/links",
            json={"symbolicname": "any-to-dst", "source": "*", "destination": DST, "max_active": 7},
            **config,
        )
        assert self.snapshot(fts)[0]["max_active"] == 7
        requests.post(
            fts.endpoint + "/optimizer/current",
            json={"source_se": SRC, "dest_se": DST, "active": 4},
            timeout=5,
        )
        assert self.snapshot(fts)[0]["max_active"] == 4
        requests.post(
            fts.endpoint + "/config/se",
            json={
                SRC: {"se_info": {"outbound_max_throughput": 50}},
                DST: {"se_info": {"inbound_max_throughput": 20.5}},
            },
            **config,
        )
        assert self.snapshot(fts)[0]["limits"] == {"source": 50, "destination": 20.5}

    @pytest.mark.parametrize(
        "params, pairs",
        [
            ({"vo_name": "dteam"}, 1),
            ({"vo_name": "atlas"}, 0),
            ({"source_se": SRC}, 1),
            ({"source_se": "mock://other"}, 0),
            ({"dest_se": DST, "vo_name": "dteam", "source_se": SRC}, 1),
            ({"dest_se": "mock://other"}, 0),
        ],
    )
    def test_filters_select_pairs(self, fts, headers, params, pairs):
        self.submit(fts, headers, ("ok", "size=10", "size_post=10&time=5"))
        assert len(self.snapshot(fts, **params)) == pairs
