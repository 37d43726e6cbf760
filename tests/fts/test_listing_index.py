"""``GET /jobs`` answers from per-VO indexes of unfinished jobs: the same jobs, in the same
order, as a filter over every job, whatever another VO holds."""

from __future__ import annotations

import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from mockfts import FtsDouble

ENDPOINT = "https://fts3.mock:8446"


def _listing(fts: FtsDouble, token: str, query: str) -> list[str]:
    reply = requests.get(
        f"{ENDPOINT}/jobs?{query}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert reply.status_code == 200, reply.text
    return [job["job_id"] for job in reply.json()]


@settings(max_examples=25, deadline=None)
@given(
    plan=st.lists(
        st.tuples(st.sampled_from(["dteam", "atlas", "cms"]), st.integers(1, 30)), max_size=12
    ),
    advance=st.sampled_from([0, 5, 20, 60]),
)
def test_vo_listings_match_a_filter_over_every_job(plan, advance):
    fts = FtsDouble()
    tokens = {vo: fts.token_for(f"user-{vo}", vo) for vo in ("dteam", "atlas", "cms")}
    with fts.intercept():
        for vo, seconds in plan:
            body = {
                "files": [
                    {
                        "sources": ["mock://a.example/f?size=1"],
                        "destinations": [f"mock://b.example/f?size_post=1&time={seconds}"],
                    }
                ]
            }
            reply = requests.post(
                f"{ENDPOINT}/jobs",
                json=body,
                headers={"Authorization": f"Bearer {tokens[vo]}"},
                timeout=10,
            )
            assert reply.status_code == 200, reply.text
        fts.advance(advance)
        for vo, token in tokens.items():
            jobs = list(fts.state.jobs.values())
            unfinished = [j.job_id for j in jobs if j.vo_name == vo and j.job_finished is None]
            assert _listing(fts, token, f"vo_name={vo}") == unfinished
            states = "FINISHED,FAILED,CANCELED,ACTIVE,SUBMITTED"
            windowed = _listing(fts, token, f"vo_name={vo}&state_in={states}&time_window=1")
            recent = fts.clock.time() - 3600
            expected = [j.job_id for j in jobs if j.vo_name == vo and j.job_finished is None]
            expected += [
                j.job_id
                for j in sorted(
                    (j for j in jobs if j.job_finished is not None), key=lambda j: j.job_finished
                )
                if j.vo_name == vo and j.job_finished >= recent
            ]
            assert windowed == expected
            for states in ("ACTIVE", "SUBMITTED,ACTIVE", "FINISHED"):
                picked = _listing(
                    fts, token, f"vo_name={vo}&state_in={states}&dest_se=mock://b.example"
                )
                assert picked == [
                    j.job_id
                    for j in jobs
                    if j.vo_name == vo
                    and j.job_finished is None
                    and j.job_state in states.split(",")
                ]
