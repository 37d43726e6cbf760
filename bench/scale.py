"""``make bench-scale``: how the doubles' cost grows with what they hold (issue 12, point 6).

One line per measure: what was measured, the goal, and ``MET`` or ``MISSED``. Ratios
are taken against a baseline measured in the same run (same machine, same load);
absolute goals are wall-clock seconds or bytes. Nothing here is asserted by the test
suite: ``tests/test_bench_scale.py`` only checks that every line carries a verdict.

* FTS per-file cost of driving a job to its end, 1/10/100/1,000 files per job, vs
  one-file jobs (goal <= 1.5x); bytes held per submitted file (goal <= 1 KB);
  10k one-file jobs to their end by ``advance`` (<= 0.5 s; 100k <= 5 s with ``--full``);
  1M files submitted and driven to their end (<= 60 s; ``--full`` only, 100k files and
  a goal of 6 s by default); ``GET /jobs?vo_name=`` while another VO holds 100k vs 1k
  unfinished jobs (<= 1.2x), also with ``state_in=FINISHED&time_window=1``;
* Globus ``task_list`` (page of 10, plain and with a status filter) for a user owning
  100k vs 1k tasks (<= 1.2x); ``operation_ls`` (page of 100) of a 100k- vs 1k-entry
  directory (<= 1.5x);
* ``with mock_fts(): pass`` and ``with mock_globus(): pass`` vs moto's ``mock_aws``
  (<= 0.5x); an ``fts_mock``-style reset of a double holding 10k jobs (<= 2 ms);
  in-process Globus ``get_task`` vs a bare ``responses`` stub (<= 1.3x, the ``globus``
  section of ``python -m bench``).

``--quick`` shrinks every size (the smoke test's run); ``--full`` adds the 100k-job and
1M-file runs. A measure that fails to run (the model is refactored under it, say) gets
a ``MISSED`` line saying why, and the others still run. Only public parts are used:
``FtsDouble``/``GlobusDouble``, ``token_for``, ``advance``/``run_job``, ``intercept``,
the clients, and each model's submission entry point.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests

ENDPOINT = "https://fts3.mock:8446"
SRC = "mock://a.example/f{n}?size=10"
DST = "mock://b.example/f{n}?size_post=10&time=5"
SLOW_DST = "mock://b.example/f{n}?size_post=10&time=999999"
ALICE = "alice@globusid.org"
TERMINAL = frozenset({"FINISHED", "FAILED", "CANCELED", "FINISHEDDIRTY"})  # FTS job states


@dataclass(frozen=True)
class Sizes:
    files_per_job: tuple[int, ...]
    per_file_total: int  # files driven per size of job
    memory_jobs: int
    memory_files: int
    advance_jobs: tuple[int, ...]
    many_files: int
    many_files_per_job: int
    listing: tuple[int, int]  # (large, small) number of unfinished jobs of another VO
    tasks: tuple[int, int]
    entries: tuple[int, int]
    reset_jobs: int
    busy: tuple[int, int] = (10_000, 1_000)  # (large, small) files through a 10-slot link


QUICK = Sizes((1, 10, 100), 100, 10, 100, (1_000,), 1_000, 100, (2_000, 100), (500, 50),
              (5_000, 500), 1_000, (2_000, 200))  # fmt: skip
DEFAULT = Sizes((1, 10, 100, 1_000), 1_000, 10, 1_000, (10_000,), 100_000, 100,
                (100_000, 1_000), (100_000, 1_000), (100_000, 1_000), 10_000)  # fmt: skip
FULL = Sizes((1, 10, 100, 1_000), 1_000, 10, 1_000, (10_000, 100_000), 1_000_000, 100,
             (100_000, 1_000), (100_000, 1_000), (100_000, 1_000), 10_000)  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One measure: ``value`` against ``goal``, either a ratio to ``baseline`` or absolute."""

    name: str
    value: float
    goal: float
    unit: str = ""
    baseline: float | None = None
    note: str = ""

    @property
    def measured(self) -> float:
        return self.value / self.baseline if self.baseline else self.value

    @property
    def met(self) -> bool:
        return self.measured <= self.goal

    def line(self) -> str:
        verdict = "MET" if self.met else "MISSED"
        if self.baseline is not None:
            text = (
                f"{_fmt(self.value)} vs {_fmt(self.baseline)} {self.unit} = {self.measured:.2f}x,"
                f" goal <= {self.goal:g}x"
            )
        else:
            text = f"{_fmt(self.value)} {self.unit}, goal <= {_fmt(self.goal)} {self.unit}"
        note = f" ({self.note})" if self.note else ""
        return f"{verdict:<6}  {self.name}: {text}{note}"


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"


def failed(name: str, exc: BaseException) -> str:
    return f"MISSED  {name}: could not measure ({type(exc).__name__}: {exc})"


def _k(count: int) -> str:
    if count >= 1_000_000 and count % 1_000_000 == 0:
        return f"{count // 1_000_000}M"
    if count >= 1_000 and count % 1_000 == 0:
        return f"{count // 1_000}k"
    return str(count)


def median_us(fn: Callable[[], object], calls: int = 200, rounds: int = 5) -> float:
    """Median over rounds of the mean cost of one call, in microseconds."""
    for _ in range(min(calls, 10)):
        fn()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(samples)


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    box: list[float] = []
    started = time.perf_counter()
    yield box
    box.append(time.perf_counter() - started)


# --- FTS -----------------------------------------------------------------------------


def _fts(user: str = "alice", vo: str = "dteam"):  # noqa: ANN202 - (double, submit)
    """A fresh ``FtsDouble`` and ``submit(files, slow=False) -> job_id`` for ``user``.

    Submits through the model (``state.submit``) when it is there, else as a REST
    ``POST /jobs`` through the double's own WSGI app.
    """
    from mockfts import FtsDouble

    double = FtsDouble()
    return double, _submitter(double, user, vo)


def _submitter(double, user: str, vo: str) -> Callable[..., str]:  # noqa: ANN001
    token = double.token_for(user, vo)
    counter = iter(range(10**12))

    def body(files: int, slow: bool) -> dict:
        dst = SLOW_DST if slow else DST
        items = []
        for _ in range(files):
            n = next(counter)
            items.append({"sources": [SRC.format(n=n)], "destinations": [dst.format(n=n)]})
        return {"files": items}

    try:
        identity = double.state.tokens.identity(token)
        model_submit = double.state.submit
    except AttributeError:  # the model moved: go through REST
        from werkzeug.test import Client

        client = Client(double.wsgi)
        headers = {"Authorization": f"Bearer {token}"}

        def submit(files: int = 1, slow: bool = False) -> str:
            reply = client.post("/jobs", json=body(files, slow), headers=headers)
            assert reply.status_code == 200, reply.get_data(as_text=True)
            return reply.get_json()["job_id"]

        return submit

    def submit(files: int = 1, slow: bool = False) -> str:
        return model_submit(body(files, slow), identity).job_id

    return submit


def fts_per_file(sizes: Sizes) -> Iterator[str]:
    """Per-file cost of submitting jobs and driving them to their end, by job size."""
    total = sizes.per_file_total

    def cost(files_per_job: int) -> float:
        double, submit = _fts()
        gc.collect()
        started = time.perf_counter()
        ids = [submit(files_per_job) for _ in range(total // files_per_job)]
        for job_id in ids:
            double.run_job(job_id)
        return (time.perf_counter() - started) / total * 1e6

    base = cost(1)
    for n in sizes.files_per_job[1:]:
        yield Row(
            f"FTS per-file cost, {_k(total // n)} job{'s' if n < total else ''} of {_k(n)} files vs {_k(total)} one-file"
            " jobs, submit + run_job",
            cost(n),
            1.5,
            "us/file",
            base,
        ).line()


def fts_memory(sizes: Sizes) -> Iterator[str]:
    double, submit = _fts()
    files = sizes.memory_jobs * sizes.memory_files
    submit(1)  # first-use allocations (caches, regexes) are not per file
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        ids = [submit(sizes.memory_files) for _ in range(sizes.memory_jobs)]
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(ids) == sizes.memory_jobs
    yield Row(
        f"FTS bytes held per submitted file, {sizes.memory_jobs} jobs x {_k(sizes.memory_files)}"
        " files (tracemalloc)",
        held / files,
        1024,
        "B",
    ).line()
    del double


def fts_advance(sizes: Sizes) -> Iterator[str]:
    for jobs in sizes.advance_jobs:
        double, submit = _fts()
        with stopwatch() as submitted:
            for _ in range(jobs):
                submit(1)
        gc.collect()
        with stopwatch() as took:
            double.advance(3600)
        goal = 0.5 * jobs / 10_000
        yield Row(
            f"FTS {_k(jobs)} one-file jobs to their end by one advance(3600)",
            took[0],
            goal,
            "s",
            note=f"advance only; submitting them took {submitted[0]:.1f} s",
        ).line()
        del double


def fts_many_files(sizes: Sizes, full: bool) -> Iterator[str]:
    """Files submitted and driven to their end, stopped at 3x the goal."""
    files, per_job = sizes.many_files, sizes.many_files_per_job
    goal = 60.0 * files / 1_000_000
    budget = 3 * goal
    double, submit = _fts()
    jobs = files // per_job
    started = time.perf_counter()
    ids = [submit(per_job) for _ in range(jobs)]
    submitted = time.perf_counter() - started
    pending = list(ids)
    stopped = False
    while pending:
        double.advance(1)  # small steps, so that the budget can stop it
        pending = [job_id for job_id in pending if not _terminal(double, job_id)]
        if pending and time.perf_counter() - started > budget:
            stopped = True
            break
    took = time.perf_counter() - started
    scope = "" if full else "; scaled down from 1M, --full for 1M"
    note = f"submitting took {submitted:.1f} s{scope}"
    if stopped:
        note += f"; stopped at 3x the goal with {len(pending)}/{jobs} jobs unfinished"
    yield Row(
        f"FTS {_k(files)} files ({_k(jobs)} jobs x {per_job}) submitted and driven to their end",
        took,
        goal,
        "s",
        note=note,
    ).line()


def fts_busy_link(sizes: Sizes) -> Iterator[str]:
    """Per-file cost of files queued behind a link that runs 10 at a time: choosing the
    next one must not cost more with a longer queue."""

    def cost(files: int) -> float:
        double, submit = _fts()
        link = {"symbolicname": "busy", "source": "mock://a.example"}
        double.state.ops.config.set_link(
            double.root(),
            {**link, "destination": "mock://b.example", "min_active": 1, "max_active": 10},
        )
        ids = [submit(1) for _ in range(files)]
        gc.collect()
        started = time.perf_counter()
        double.advance(files * 0.7 + 60)  # a slot turns over every 6 s (start + 5 s)
        took = time.perf_counter() - started
        assert all(_terminal(double, job_id) for job_id in ids)
        return took / files * 1e6

    large, small = sizes.busy
    yield Row(
        f"FTS files through a 10-slot link, {_k(large)} vs {_k(small)} queued, per file",
        cost(large),
        1.5,
        "us/file",
        cost(small),
    ).line()


def _terminal(double, job_id: str) -> bool:  # noqa: ANN001
    return double.state.job(job_id).job_state in TERMINAL


def fts_listing(sizes: Sizes) -> Iterator[str]:
    """``GET /jobs`` of dteam while atlas holds many unfinished jobs, vs few."""
    queries = {
        "GET /jobs?vo_name=dteam": "vo_name=dteam",
        "GET /jobs?state_in=FINISHED&time_window=1": "state_in=FINISHED&time_window=1",
    }

    def costs(others: int) -> dict[str, float]:
        double, submit = _fts()
        atlas = _submitter(double, "bob", "atlas")
        for _ in range(others):
            atlas(1, slow=True)
        for _ in range(10):
            submit(1)  # finish within the next seconds
        double.advance(6)
        for _ in range(10):
            submit(1, slow=True)
        headers = {"Authorization": f"Bearer {double.token_for('alice', 'dteam')}"}
        result = {}
        with double.intercept([ENDPOINT]):
            for label, query in queries.items():
                url = f"{ENDPOINT}/jobs?{query}"
                reply = requests.get(url, headers=headers, timeout=30)
                assert reply.status_code == 200, reply.text
                result[label] = median_us(
                    lambda url=url: requests.get(url, headers=headers, timeout=30),
                    calls=calls,
                    rounds=3,
                )
        return result

    large, small = sizes.listing
    calls = 20
    many, few = costs(large), costs(small)
    for label in queries:
        yield Row(
            f"FTS {label}, another VO holding {_k(large)} vs {_k(small)} unfinished jobs",
            many[label],
            1.2,
            "us",
            few[label],
        ).line()


def fixture_reset(sizes: Sizes) -> Iterator[str]:
    """What ``fts_mock`` does between tests (reset, intercept, exit) with a full double."""
    double, submit = _fts()
    samples = []
    for _ in range(5):
        for _ in range(sizes.reset_jobs):
            submit(1)
        gc.collect()
        started = time.perf_counter()
        double.reset()
        with double.intercept([ENDPOINT]):
            pass
        double.raise_errors()
        samples.append(time.perf_counter() - started)
        submit = _submitter(double, "alice", "dteam")  # tokens do not survive a reset
    yield Row(
        f"fts_mock-style reset + intercept + exit holding {_k(sizes.reset_jobs)} jobs",
        statistics.median(samples) * 1e3,
        2.0,
        "ms",
    ).line()


# --- Globus --------------------------------------------------------------------------


def _globus_tasks(owned: int):  # noqa: ANN202 - GlobusDouble
    """A Globus double where alice owns ``owned`` tasks."""
    from bench.__main__ import submit_tutorial_tasks
    from mockglobus import GlobusDouble

    double = GlobusDouble()
    submit_tutorial_tasks(double, ALICE, owned)
    return double


def _transfer_client(double):  # noqa: ANN001, ANN202
    import globus_sdk

    token = double.token_for(ALICE)
    return globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))


def globus_task_list(sizes: Sizes) -> Iterator[str]:
    calls = {
        "task_list(limit=10)": lambda tc: tc.task_list(limit=10),
        "task_list(limit=10, filter='status:ACTIVE,INACTIVE')": lambda tc: tc.task_list(
            limit=10, filter="status:ACTIVE,INACTIVE"
        ),
    }

    def costs(owned: int) -> dict[str, float]:
        double = _globus_tasks(owned)
        with double.intercept():
            tc = _transfer_client(double)
            assert len(tc.task_list(limit=10)["DATA"]) == min(10, owned)
            return {
                label: median_us(lambda c=call: c(tc), calls=50) for label, call in calls.items()
            }

    large, small = sizes.tasks
    many, few = costs(large), costs(small)
    for label in calls:
        yield Row(
            f"Globus {label}, alice owning {_k(large)} vs {_k(small)} tasks",
            many[label],
            1.2,
            "us",
            few[label],
        ).line()


def globus_ls(sizes: Sizes) -> Iterator[str]:
    from mockglobus import GlobusDouble
    from mockglobus.transfer.seed import TUTORIAL_COLLECTION_1

    def cost(entries: int) -> float:
        double = GlobusDouble()
        volume = double.transfer.t.collections[TUTORIAL_COLLECTION_1].volume
        for n in range(entries):
            volume.put_file(f"/home/alice/big/f{n:07d}.txt", b"x", user="alice")
        with double.intercept():
            tc = _transfer_client(double)
            page = tc.operation_ls(TUTORIAL_COLLECTION_1, path="/~/big/", limit=100)
            assert len(page["DATA"]) == 100, page.data
            return median_us(
                lambda: tc.operation_ls(TUTORIAL_COLLECTION_1, path="/~/big/", limit=100),
                calls=20,
            )

    large, small = sizes.entries
    yield Row(
        f"Globus operation_ls(limit=100), directory of {_k(large)} vs {_k(small)} entries",
        cost(large),
        1.5,
        "us",
        cost(small),
    ).line()


def globus_get_task(quick: bool) -> Iterator[str]:
    """``python -m bench``'s ``globus`` section (the get_task row); a lighter copy with
    ``--quick`` (that section also builds 20,000 tasks)."""
    import bench.__main__ as bench

    if not quick:
        name, fake, stub, _ = next(row for row in bench.globus() if "get_task" in row[0])
    else:
        import responses

        double = bench._globus_with_tasks(5)
        fake_mock = double.intercept()
        with fake_mock:
            tc = _transfer_client(double)
            task_id = tc.task_list(limit=1)["DATA"][0]["task_id"]
            document = tc.get_task(task_id).data
        stub_mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        stub_mock.get(f"https://transfer.api.globus.org/v0.10/task/{task_id}", json=document)
        fake, stub = bench.interleaved(
            fake_mock, stub_mock, lambda: tc.get_task(task_id), lambda: tc.get_task(task_id), 50
        )
        name = "in-process Globus get_task, globus_sdk (us)"
    yield Row(name.replace(" (us)", "") + " vs a bare responses stub", fake, 1.3, "us", stub).line()


# --- fixtures vs moto ----------------------------------------------------------------


def enter_exit(quick: bool) -> Iterator[str]:
    from mockfts import mock_fts
    from mockglobus import mock_globus

    def cycle(context: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            with context():  # type: ignore[attr-defined]
                pass

        return run

    try:
        from moto import mock_aws
    except ImportError as exc:  # moto comes with `make bench`'s extra, not with the tests'
        for name in ("mock_fts", "mock_globus"):
            yield failed(f"with {name}(): pass vs with mock_aws(): pass", exc)
        return
    calls = 2 if quick else 10
    moto = median_us(cycle(mock_aws), calls=calls, rounds=3) / 1e3
    for name, context in (("mock_fts", mock_fts), ("mock_globus", mock_globus)):
        ours = median_us(cycle(context), calls=calls, rounds=3) / 1e3
        yield Row(f"with {name}(): pass vs with mock_aws(): pass", ours, 0.5, "ms", moto).line()


# --- driver --------------------------------------------------------------------------


def sections(sizes: Sizes, *, quick: bool, full: bool) -> list[tuple[str, Callable[[], object]]]:
    return [
        ("FTS per-file cost", lambda: fts_per_file(sizes)),
        ("FTS bytes per file", lambda: fts_memory(sizes)),
        ("FTS one-file jobs by advance", lambda: fts_advance(sizes)),
        ("FTS many files to their end", lambda: fts_many_files(sizes, full)),
        ("FTS busy link", lambda: fts_busy_link(sizes)),
        ("FTS GET /jobs listing", lambda: fts_listing(sizes)),
        ("Globus task_list", lambda: globus_task_list(sizes)),
        ("Globus operation_ls", lambda: globus_ls(sizes)),
        ("mock_fts / mock_globus enter+exit vs moto", lambda: enter_exit(quick)),
        ("fts_mock-style reset", lambda: fixture_reset(sizes)),
        ("Globus get_task vs responses stub", lambda: globus_get_task(quick)),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes (the smoke test)")
    size.add_argument("--full", action="store_true", help="add 100k jobs and 1M files")
    parser.add_argument(
        "--only", metavar="TEXT", help="run the sections whose name holds TEXT (e.g. FTS)"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL if args.full else DEFAULT
    label = "quick" if args.quick else "full" if args.full else "default"
    print(f"bench-scale ({label} sizes): verdict, measure, value vs goal", flush=True)
    started = time.perf_counter()
    for name, section in sections(sizes, quick=args.quick, full=args.full):
        if args.only and args.only.lower() not in name.lower():
            continue
        try:
            for line in section():  # type: ignore[attr-defined]
                print(line, flush=True)
        except Exception as exc:  # noqa: BLE001 - report it, run the other measures
            print(failed(name, exc), flush=True)
        gc.collect()
    print(f"bench-scale took {time.perf_counter() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
