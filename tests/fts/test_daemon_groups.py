"""Files taking the same step at the same instant share one scheduled event
(``Daemon._at``): the double must behave exactly as with one event per file.

The same random submit / advance / cancel sequences as the job-state property test run
twice, grouped and with one event per file; every file move (its order, its time) and
every column of every job and file must come out the same.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import settings

from mockcore.clock import ManualClock
from mockfts.double import FtsDouble
from mockfts.model.daemon import Daemon
from mockfts.model.lifecycle import Lifecycle
from tests.fts.test_jobstate_incremental import play, sequence_settings, sequences

START = 1_790_000_000.25


def _columns(record: object) -> dict:
    """A record's columns (not the links between records: a file's watcher, a job's
    files, which are compared on their own)."""
    skip = ("watcher", "files", "_tally", "_rendered")
    return {
        f.name: getattr(record, f.name) for f in dataclasses.fields(record) if f.name not in skip
    }


def _run(steps: list, monkeypatch: pytest.MonkeyPatch, *, grouped: bool) -> tuple[list, list]:
    moves: list[tuple] = []
    move = Lifecycle.move

    def recorded(self, job, file, new, now):  # noqa: ANN001, ANN202
        moves.append((file.file_id, file.file_state, new, now))
        return move(self, job, file, new, now)

    with monkeypatch.context() as patch:
        patch.setattr(Lifecycle, "move", recorded)
        if not grouped:
            patch.setattr(Daemon, "_joinable", lambda self, when, step: None)
        double = FtsDouble(clock=ManualClock(START))  # both runs on the same times
        identity = double.certificate_user("/DC=org/CN=Prop", ["/dteam/Role=NULL"])
        jobs: list = []
        for step in steps:
            jobs = play(double, identity, jobs, step)
        double.state.advance(600)  # everything to its end
        rows = [(_columns(job), [_columns(file) for file in job.files]) for job in jobs]
    return moves, rows


@settings(sequence_settings, max_examples=40)
@sequences
def test_grouped_steps_run_as_one_event_per_file_would(monkeypatch, steps):
    grouped = _run(steps, monkeypatch, grouped=True)
    alone = _run(steps, monkeypatch, grouped=False)
    assert grouped[0] == alone[0]  # the same moves, in the same order, at the same times
    assert grouped[1] == alone[1]


def test_jobs_submitted_together_share_their_steps():
    """What the grouping is for: many files moving in step hold one event, not one each."""
    double = FtsDouble()
    identity = double.certificate_user("/DC=org/CN=Prop", ["/dteam/Role=NULL"])

    def submit(n: int) -> None:
        files = [
            {
                "sources": [f"mock://a.example/{n}/{i}"],
                "destinations": [f"mock://b.example/{n}/{i}"],
            }
            for i in range(4)
        ]
        double.state.submit({"files": files}, identity)

    submit(0)
    others = len(double.state.scheduler) - 1  # the optimizer's and the archive's own
    for n in range(1, 50):
        submit(n)
    assert len(double.state.scheduler) == others + 1  # 200 files, one first step
    double.state.advance(2)  # all READY now, ACTIVE a second later: one event again
    assert len(double.state.scheduler) == others + 1
    double.state.advance(1)  # all ACTIVE, ending together
    assert len(double.state.scheduler) == others + 1


def test_a_file_joins_a_step_only_when_nothing_came_after_it():
    """Another event scheduled at the same instant between two files keeps its place."""
    double = FtsDouble()
    identity = double.certificate_user("/DC=org/CN=Prop", ["/dteam/Role=NULL"])
    files = [
        {"sources": [f"mock://a.example/{i}"], "destinations": ["mock://b.example/x"]}
        for i in range(3)
    ]
    job = double.state.submit({"files": files}, identity)
    daemon, scheduler = double.state.daemon, double.state.scheduler
    ran: list[object] = []

    def step(daemon, job, file, now):  # noqa: ANN001, ANN202 - a daemon step's signature
        ran.append(file.file_id)

    when = double.state.clock.time() + 1
    one, two, three = job.files
    daemon._at(one, when, step, job, one)
    daemon._at(two, when, step, job, two)  # joins one's event
    scheduler.at(when, lambda now: ran.append("other"))
    daemon._at(three, when, step, job, three)  # after "other": an event of its own
    daemon._unschedule(two)  # a member dropped from its group is skipped
    double.state.advance(1)
    assert ran == [one.file_id, "other", three.file_id]
