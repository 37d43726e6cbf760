"""A Hypothesis state machine over the FTS REST API: random submissions (multi-file,
replica and multihop jobs; failures scripted by ``mock://`` parameters; retries,
staging, archiving), virtual time, and the three cancel paths, each through the real
routes. After every step, what the API shows must hold together:

- a job is terminal exactly when it has a ``job_finished``, and then no file of it is
  in an active state;
- a job no cancel path touched is in the state its files give (FTS3
  ``MySqlAPI::updateJobTransferStatusInternal``): terminal once every entry is done,
  and then FINISHED, FAILED, FINISHEDDIRTY or CANCELED as its files end;
- ``GET /jobs?state_in=`` lists exactly the jobs in those states;
- ``DELETE /jobs/vo/<vo>`` answers the counts of what was active before it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import requests
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from mockfts import DEFAULT_ENDPOINT as ENDPOINT
from mockfts.double import FtsDouble
from mockfts.model import states as S
from tests.fts.test_jobstate_incremental import _body, sequence_settings
from tests.fts.test_jobstate_incremental import _job as job_specs

ALL_JOB_STATES = sorted(S.JOB_ACTIVE_STATES | S.JOB_TERMINAL_STATES)


def ended_as(job_type: str, file_states: list[str]) -> str | None:
    """The terminal state a job's files give it, or None while an entry is not done
    (replicas share one entry; every other file is an entry of its own)."""
    entries = [file_states] if job_type == S.MULTIPLE_REPLICA else [[s] for s in file_states]
    total = len(entries)
    canceled = sum(all(s == S.CANCELED for s in e) for e in entries)
    finished = sum(S.FINISHED in e for e in entries)
    alive = sum(any(s not in (S.CANCELED, S.FAILED) for s in e) for e in entries)
    failed = total - alive - canceled
    multihop = job_type == S.MULTIHOP
    if not (canceled + failed + finished == total or (multihop and failed + canceled > 0)):
        return None
    if finished and failed:
        return S.FAILED if multihop else S.FINISHEDDIRTY
    if finished == total:
        return S.FINISHED
    if failed:
        return S.FAILED
    return S.CANCELED if canceled else S.FAILED


class Lifecycle(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.fts = FtsDouble()
        self.user = self.fts.certificate_user("/DC=org/CN=Machine", ["/dteam/Role=NULL"])
        self.transport = self.fts.intercept()
        self.transport.start()
        self.fts.identity = self.user
        self.jobs: list[str] = []
        self.canceled: set[str] = set()  # jobs a cancel path touched

    def teardown(self) -> None:
        if hasattr(self, "transport"):
            self.transport.stop()

    def _call(self, method: str, path: str, *, root: bool = False, **kwargs: Any) -> Any:
        self.fts.identity = self.fts.root() if root else self.user
        try:
            reply = requests.request(method, f"{ENDPOINT}{path}", timeout=10, **kwargs)
        finally:
            self.fts.identity = self.user
        assert reply.status_code < 500, reply.text
        self.fts.raise_errors()
        return reply

    def _job(self, job_id: str) -> dict:
        reply = self._call("GET", f"/jobs/{job_id}")
        assert reply.status_code == 200, reply.text
        return reply.json()

    def _file_states(self, job_id: str) -> list[str]:
        reply = self._call("GET", f"/jobs/{job_id}/files")
        assert reply.status_code == 200, reply.text
        return [f["file_state"] for f in sorted(reply.json(), key=lambda f: f["file_id"])]

    @rule(spec=job_specs)
    def submit(self, spec: dict) -> None:
        reply = self._call("POST", "/jobs", json=_body(spec, len(self.jobs)))
        if reply.status_code == 200:
            self.jobs.append(reply.json()["job_id"])
        else:  # a combination the server refuses, in its error shape
            assert reply.status_code == 400 and "message" in reply.json(), reply.text

    @rule(seconds=st.floats(0.5, 40))
    def advance(self, seconds: float) -> None:
        self.fts.advance(seconds)

    @rule()
    def advance_until_quiet(self) -> None:
        """Long enough for every job no one cancels to end (retries, staging, archiving)."""
        self.fts.advance(900)

    @rule(n=st.integers(0, 30), now=st.integers(0, 2))
    def cancel(self, n: int, now: int) -> None:
        if not self.jobs or now:  # a third of the draws: most jobs should end on their own
            return
        job_id = self.jobs[n % len(self.jobs)]
        was = self._job(job_id)["job_state"]
        assert self._call("DELETE", f"/jobs/{job_id}").status_code == 200
        if was not in S.JOB_TERMINAL_STATES:
            self.canceled.add(job_id)
            assert self._job(job_id)["job_state"] == S.CANCELED

    @rule(n=st.integers(0, 30), k=st.integers(0, 10), now=st.integers(0, 2))
    def cancel_file(self, n: int, k: int, now: int) -> None:
        if not self.jobs or now:
            return
        job_id = self.jobs[n % len(self.jobs)]
        files = self._call("GET", f"/jobs/{job_id}/files").json()
        file_id = sorted(f["file_id"] for f in files)[k % len(files)]
        reply = self._call("DELETE", f"/jobs/{job_id}/files/{file_id}")
        if self._job(job_id)["job_type"] != S.REGULAR:
            assert reply.status_code == 400  # the whole job is canceled, not a file
        else:
            assert reply.status_code == 200, reply.text
            self.canceled.add(job_id)

    @rule(now=st.integers(0, 3))
    def cancel_vo(self, now: int) -> None:
        if now:
            return
        jobs = [self._job(job_id) for job_id in self.jobs]
        active_files = sum(
            state in S.FILE_ACTIVE_STATES
            for job in jobs
            if job["job_state"] not in S.JOB_TERMINAL_STATES
            for state in self._file_states(job["job_id"])
        )
        active_jobs = sum(job["job_state"] in S.JOB_ACTIVE_STATES for job in jobs)
        reply = self._call("DELETE", "/jobs/vo/dteam", root=True)
        assert reply.status_code == 200, reply.text
        assert reply.json() == {
            "affected_files": active_files,
            "affected_dm": 0,
            "affected_jobs": active_jobs,
        }
        self.canceled.update(j["job_id"] for j in jobs if j["job_state"] in S.JOB_ACTIVE_STATES)

    @invariant()
    def jobs_hold_together(self) -> None:
        if not hasattr(self, "jobs"):
            return
        by_state: dict[str, set[str]] = defaultdict(set)
        for job_id in self.jobs:
            job = self._job(job_id)
            states = self._file_states(job_id)
            terminal = job["job_state"] in S.JOB_TERMINAL_STATES
            by_state[job["job_state"]].add(job_id)
            event(f"job {job['job_state']}")
            assert terminal == (job["job_finished"] is not None), job
            if terminal:
                assert not S.FILE_ACTIVE_STATES.intersection(states), (job, states)
            if job_id not in self.canceled:
                assert ended_as(job["job_type"], states) == (
                    job["job_state"] if terminal else None
                ), (job, states)
        for state in ALL_JOB_STATES:
            reply = self._call("GET", "/jobs", params={"state_in": state, "time_window": 1000})
            assert reply.status_code == 200, reply.text
            assert {j["job_id"] for j in reply.json()} == by_state[state], state


Lifecycle.TestCase.settings = settings(sequence_settings, max_examples=40, stateful_step_count=20)
TestLifecycle = Lifecycle.TestCase
