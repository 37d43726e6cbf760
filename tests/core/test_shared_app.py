"""One app per service and process, each request answered from its own double's state;
a Globus double builds its state on first use."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import flask
import globus_sdk
import pytest
import requests
import responses

from mockcore.clock import ManualClock
from mockcore.double import STATE_KEY, Double
from mockcore.state import ServiceState
from mockfts import FtsDouble, mock_fts
from mockglobus import GlobusDouble, mock_globus

FTS_A = "https://fts-a.example:8446"
FTS_B = "https://fts-b.example:8446"
JOB = {"files": [{"sources": ["mock://a.example/f"], "destinations": ["mock://b.example/f"]}]}


def _submit(base: str, token: str) -> requests.Response:
    return requests.post(
        f"{base}/jobs", json=JOB, timeout=5, headers={"Authorization": f"Bearer {token}"}
    )


def _job(base: str, token: str, job_id: str) -> requests.Response:
    return requests.get(
        f"{base}/jobs/{job_id}", timeout=5, headers={"Authorization": f"Bearer {token}"}
    )


def test_two_fts_doubles_share_the_app_but_not_their_jobs():
    a, b = FtsDouble(), FtsDouble()
    assert a.app is b.app
    with (
        responses.RequestsMock() as rsps,
        a.intercept([FTS_A], rsps=rsps),
        b.intercept([FTS_B], rsps=rsps),
    ):
        token_a, token_b = a.token_for("alice", "dteam"), b.token_for("alice", "dteam")
        job_id = _submit(FTS_A, token_a).json()["job_id"]
        assert _job(FTS_A, token_a, job_id).status_code == 200
        assert _job(FTS_B, token_b, job_id).status_code == 404
    assert list(a.state.jobs) == [job_id] and not b.state.jobs


def test_an_fts_reset_forgets_jobs():
    with mock_fts(endpoint=FTS_A) as fts:
        token = fts.token_for("alice", "dteam")
        job_id = _submit(FTS_A, token).json()["job_id"]
        fts.reset()
        assert _job(FTS_A, fts.token_for("alice", "dteam"), job_id).status_code == 404
        assert not fts.state.jobs


def test_a_globus_reset_refuses_tokens_minted_before_it():
    with mock_globus() as globus:
        token = globus.token_for()
        transfer = globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))
        assert transfer.task_list().http_status == 200
        globus.reset()
        with pytest.raises(globus_sdk.TransferAPIError) as refused:
            transfer.task_list()
        assert refused.value.http_status == 401


def test_a_globus_double_nobody_talks_to_builds_no_state():
    with mock_globus() as globus:
        pass
    assert not globus.built
    globus.reset()
    assert not globus.built


def test_a_globus_double_builds_its_state_on_the_first_request():
    with mock_globus() as globus:
        reply = requests.get("https://auth.globus.org/.well-known/openid-configuration", timeout=5)
        assert reply.status_code == 200
        assert globus.built


def test_a_lazy_globus_double_repeats_the_ids_of_its_seed():
    """Building on first use consumes the seed as building at once did: the same
    accounts, and the same first ids after them, for doubles of the same seed."""
    first, second = GlobusDouble(seed=7), GlobusDouble(seed=7)
    assert [u.id for u in first.auth.users] == [u.id for u in second.auth.users]
    assert first.token_for() == second.token_for()
    assert [u.id for u in GlobusDouble(seed=8).auth.users] != [u.id for u in first.auth.users]


def test_a_globus_token_is_good_only_at_the_double_that_minted_it():
    with mock_globus() as first:
        token = first.token_for()
        transfer = globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))
        assert transfer.task_list().http_status == 200
    with mock_globus():
        with pytest.raises(globus_sdk.TransferAPIError) as refused:
            transfer.task_list()
        assert refused.value.http_status == 401


def test_the_shared_app_serves_two_live_doubles_at_once_each_from_its_own_state():
    doubles = [FtsDouble(), FtsDouble()]
    with doubles[0].serve(threads=4) as one, doubles[1].serve(threads=4) as two:
        urls = [one.url, two.url]
        tokens = [d.token_for("alice", "dteam") for d in doubles]

        def submit(i: int) -> tuple[int, str]:
            reply = _submit(urls[i % 2], tokens[i % 2])
            assert reply.status_code == 200, reply.text
            return i % 2, reply.json()["job_id"]

        with ThreadPoolExecutor(8) as pool:
            submitted = list(pool.map(submit, range(40)))
    for side, double in enumerate(doubles):
        assert sorted(double.state.jobs) == sorted(j for s, j in submitted if s == side)


def test_a_state_built_on_first_use_is_built_once_by_concurrent_first_users():
    built = []
    clock = ManualClock()

    def build() -> ServiceState:
        built.append(threading.get_ident())
        return ServiceState(clock)

    def app(_state: object) -> flask.Flask:
        probe = flask.Flask("probe")
        probe.add_url_rule("/id", "id", lambda: {"id": id(flask.request.environ[STATE_KEY])})
        return probe

    double = Double(build, app, clock=clock)
    assert not double.built and double.clock is clock
    with ThreadPoolExecutor(8) as pool:
        states = set(pool.map(lambda _: id(double.state), range(32)))
    assert len(built) == 1 and states == {id(double.state)}


def test_a_state_built_on_first_use_needs_its_clock():
    with pytest.raises(TypeError):
        Double(ServiceState, lambda _state: flask.Flask("probe"))
