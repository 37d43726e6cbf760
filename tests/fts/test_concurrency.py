"""The standalone double serves concurrent clients without losing or mixing state."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from tests.fts.conftest import transfer


def test_concurrent_submissions_reads_and_cancels_keep_every_job(fts_server):
    token = fts_server.token_for("alice", vo="dteam")
    headers = {"Authorization": f"Bearer {token}"}
    body = {"files": [{"sources": [transfer()[0]], "destinations": [transfer()[1]]}]}

    def client(n: int) -> list[str]:
        session = requests.Session()
        session.headers.update(headers)
        mine = []
        for _ in range(10):
            reply = session.post(fts_server.endpoint + "/jobs", json=body, timeout=10)
            assert reply.status_code == 200, reply.text
            job_id = reply.json()["job_id"]
            assert (
                session.get(f"{fts_server.endpoint}/jobs/{job_id}", timeout=10).json()["job_id"]
                == job_id
            )
            mine.append(job_id)
        assert (
            session.delete(f"{fts_server.endpoint}/jobs/{mine[0]}", timeout=10).json()["job_state"]
            == "CANCELED"
        )
        return mine

    with ThreadPoolExecutor(8) as pool:
        submitted = [job for jobs in pool.map(client, range(8)) for job in jobs]

    assert len(submitted) == len(set(submitted)) == 80
    assert set(fts_server.state.jobs) == set(submitted)
    listed = requests.get(fts_server.endpoint + "/jobs", headers=headers, timeout=10).json()
    assert len(listed) == 80 - 8  # the canceled ones are finished
    file_ids = [f.file_id for job in fts_server.state.jobs.values() for f in job.files]
    assert len(set(file_ids)) == 80
