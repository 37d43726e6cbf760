"""Concurrency limits operators configure shape what runs: link ``max_active``, the
optimizer's decision, storage inbound/outbound limits; priority picks who goes next.

Configuration needs the ``config`` level: an operator of the VO (role lcgadmin) sets
it in-process; the behaviour itself is then seen by any client."""

from __future__ import annotations

import fts3.rest.client.easy as easy
import pytest
import requests

from tests.fts.conftest import transfer

SRC, DST = "mock://src.example", "mock://dst.example"


@pytest.fixture
def operator(fts_mock):
    fts_mock.identity = fts_mock.certificate_user(
        "/DC=org/CN=Operator", ["/dteam/Role=lcgadmin/Capability=NULL"]
    )

    def post(path: str, body: dict) -> None:
        reply = requests.post(fts_mock.endpoint + path, json=body, timeout=5)
        assert reply.status_code in (200, 201), reply.text

    return post


def five_files(fts_mock, **job_options) -> str:
    ctx = easy.Context(fts_mock.endpoint)
    names = [transfer(dst_query="size_post=10&time=100", name=f"f{i}") for i in range(5)]
    return easy.submit(
        ctx, easy.new_job([easy.new_transfer(s, d) for s, d in names], **job_options)
    )


def states(fts_mock, job_id: str) -> list[str]:
    return sorted(f.file_state for f in fts_mock.state.job(job_id).files)


def test_link_max_active_keeps_the_rest_submitted(fts_mock, operator):
    operator(
        "/config/links",
        {
            "symbolicname": "src-dst",
            "source": SRC,
            "destination": DST,
            "min_active": 1,
            "max_active": 2,
        },
    )
    job_id = five_files(fts_mock)
    fts_mock.advance(5)
    assert states(fts_mock, job_id) == ["ACTIVE", "ACTIVE", "SUBMITTED", "SUBMITTED", "SUBMITTED"]
    fts_mock.advance(100)  # the first two finish; two more start at once
    assert states(fts_mock, job_id) == ["ACTIVE", "ACTIVE", "FINISHED", "FINISHED", "SUBMITTED"]
    assert fts_mock.run_job(job_id).job_state == "FINISHED"


def test_optimizer_decision_overrides_the_link_limit(fts_mock, operator):
    operator(
        "/config/links",
        {
            "symbolicname": "src-dst",
            "source": SRC,
            "destination": DST,
            "min_active": 1,
            "max_active": 4,
        },
    )
    operator("/optimizer/current", {"source_se": SRC, "dest_se": DST, "active": 1})
    job_id = five_files(fts_mock)
    fts_mock.advance(5)
    assert states(fts_mock, job_id).count("ACTIVE") == 1


def test_storage_inbound_limit_applies_across_links(fts_mock, operator):
    operator("/config/se", {DST: {"se_info": {"inbound_max_active": 3}}})
    job_id = five_files(fts_mock)
    fts_mock.advance(5)
    assert states(fts_mock, job_id).count("ACTIVE") == 3


def test_higher_priority_job_goes_first_when_a_slot_frees(fts_mock, operator):
    operator(
        "/config/links",
        {
            "symbolicname": "one",
            "source": SRC,
            "destination": DST,
            "min_active": 1,
            "max_active": 1,
        },
    )
    first = five_files(fts_mock, priority=3)
    low = five_files(fts_mock, priority=1)
    urgent = five_files(fts_mock, priority=5)
    fts_mock.advance(5 + 100)  # one transfer of the first job ends
    running = [
        f.job_id
        for j in (first, low, urgent)
        for f in fts_mock.state.job(j).files
        if f.file_state == "ACTIVE"
    ]
    assert running == [urgent]


def test_force_start_bypasses_the_limits(fts_mock, operator):
    operator(
        "/config/links",
        {
            "symbolicname": "one",
            "source": SRC,
            "destination": DST,
            "min_active": 1,
            "max_active": 1,
        },
    )
    job_id = five_files(fts_mock)
    fts_mock.advance(5)
    waiting = [f.file_id for f in fts_mock.state.job(job_id).files if f.file_state == "SUBMITTED"]
    fts_mock.identity = fts_mock.root()
    reply = requests.post(fts_mock.endpoint + "/admin/force-start", json=waiting[:2], timeout=5)
    assert reply.json() == []
    fts_mock.advance(2)
    assert states(fts_mock, job_id).count("ACTIVE") == 3


def test_raising_a_link_limit_starts_waiting_files_at_once(fts_mock, operator):
    link = {"symbolicname": "one", "source": SRC, "destination": DST, "min_active": 1}
    operator("/config/links", {**link, "max_active": 1})
    job_id = five_files(fts_mock)
    fts_mock.advance(5)
    assert states(fts_mock, job_id).count("ACTIVE") == 1
    operator("/config/links", {**link, "max_active": 3})
    fts_mock.advance(2)  # not 100 s: the two newly allowed transfers do not wait for an end
    assert states(fts_mock, job_id).count("ACTIVE") == 3


def test_an_optimizer_decision_that_raises_the_limit_starts_waiting_files(fts_mock, operator):
    pair = {"source_se": SRC, "dest_se": DST}
    operator("/optimizer/current", {**pair, "active": 1})
    job_id = five_files(fts_mock)
    fts_mock.advance(5)
    assert states(fts_mock, job_id).count("ACTIVE") == 1
    operator("/optimizer/current", {**pair, "active": 4})
    fts_mock.advance(2)
    assert states(fts_mock, job_id).count("ACTIVE") == 4


def test_raising_a_waiting_job_s_priority_moves_it_ahead(fts_mock, operator):
    link = {"symbolicname": "one", "source": SRC, "destination": DST, "min_active": 1}
    operator("/config/links", {**link, "max_active": 1})
    first = five_files(fts_mock, priority=3)
    later = five_files(fts_mock, priority=3)
    fts_mock.advance(5)
    reply = requests.post(
        f"{fts_mock.endpoint}/jobs/{later}", json={"params": {"priority": 5}}, timeout=5
    )
    assert reply.status_code == 200, reply.text
    fts_mock.advance(100)  # the running transfer of the first job ends: who is next?
    running = [f.job_id for f in fts_mock.state.job(later).files if f.file_state == "ACTIVE"]
    assert running == [later] and "ACTIVE" not in states(fts_mock, first)
