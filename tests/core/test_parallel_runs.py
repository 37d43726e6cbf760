"""The fixtures under pytest-xdist: a downstream suite run with ``-n 4`` passes, and no
test sees what a test on another worker (or before it on the same worker) made."""

from __future__ import annotations

pytest_plugins = ["pytester"]

DOWNSTREAM = """
import globus_sdk
import pytest
import requests

from mockglobus.transfer.seed import TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2


def _one_job_listed(fts, token):
    headers = {"Authorization": f"Bearer {token}"}
    body = {"files": [{"sources": ["mock://a.example/f?size=1"],
                       "destinations": ["mock://b.example/f?size_post=1&time=5"]}]}
    job_id = requests.post(f"{fts.endpoint}/jobs", json=body, headers=headers, timeout=10).json()["job_id"]
    listed = requests.get(f"{fts.endpoint}/jobs", headers=headers, timeout=10).json()
    assert [job["job_id"] for job in listed] == [job_id]


@pytest.mark.parametrize("n", range(8))
def test_fts_in_process(fts_mock, n):
    _one_job_listed(fts_mock, fts_mock.token_for(f"user{n}", "dteam"))


@pytest.mark.parametrize("n", range(4))
def test_fts_live(fts_server, n):
    _one_job_listed(fts_server, fts_server.token_for(f"user{n}", "dteam"))


@pytest.mark.parametrize("n", range(4))
def test_globus_in_process(globus_mock, n):
    token = globus_mock.token_for("alice@globusid.org")
    tc = globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))
    assert tc.task_list()["DATA"] == []
    data = globus_sdk.TransferData(TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2)
    data.add_item("/home/share/godata/file1.txt", f"/~/copy{n}.txt")
    task_id = tc.submit_transfer(data)["task_id"]
    assert [t["task_id"] for t in tc.task_list()["DATA"]] == [task_id]
"""


def test_a_downstream_suite_runs_on_four_workers_in_isolation(pytester):
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    result = pytester.runpytest_subprocess("-n", "4", "-p", "no:cacheprovider", "-q", "-rN")
    assert "bringing up nodes" in result.stdout.str()  # really on xdist workers
    result.assert_outcomes(passed=16)
