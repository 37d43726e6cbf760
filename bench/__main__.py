"""``make bench``: what the doubles cost, as ratios to baselines measured in the same run.

1. In-process: one ``GET /jobs/{id}`` through the FTS3 double (raw ``requests`` and
   the official ``fts3`` client) vs the same call answered by a bare ``responses``
   static stub. Target <= 1.3x (moto: about 3x).
2. Fixture: enter + reset + exit of the in-process double. Target <= 0.5 ms
   (moto's ``mock_aws``: about 2.7 ms, measured here too when moto is installed).
3. Live: requests/s of the standalone double vs a bare Flask JSON route on the same
   WSGI server (target >= 0.8x) and vs moto's server (target >= 2x), loaded by ``wrk``
   (or a Python load generator when wrk is missing); and the CPU both servers use
   while idle (target <= 1 % of a core).
4. Listing: ``GET /jobs?vo_name=`` with 100 vs 20,000 jobs in the store (mostly
   finished). Target: about 1x (indexes, not scans).
5. Durable state: the cost of one submission (FTS job; Globus transfer, i.e.
   ``submission_id`` + ``transfer``) on a live server with ``--state`` (SQLite, WAL)
   vs memory-only, 4 clients at once. Target <= 1.5x.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import responses

ENDPOINT = "https://fts3.mock:8446"
SRC, DST = "mock://a.example/f?size=10", "mock://b.example/f?size_post=10&time=5"
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


def per_call_us(fn: Callable[[], object], calls: int = 1500, rounds: int = 5) -> float:
    """Median over rounds of the mean cost of one call, in microseconds."""
    for _ in range(100):
        fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(samples)


def interleaved(
    fake_mock, stub_mock, fake_call, stub_call, calls: int = 400, rounds: int = 7
) -> tuple[float, float]:
    """Median cost (us) of one call through the fake and through the stub, measured in
    alternating rounds so that background load hits both alike."""
    fake, stub = [], []
    for _ in range(rounds):
        for mock, call, samples in ((fake_mock, fake_call, fake), (stub_mock, stub_call, stub)):
            mock.start()
            try:
                for _ in range(50):
                    call()
                started = time.perf_counter()
                for _ in range(calls):
                    call()
                samples.append((time.perf_counter() - started) / calls * 1e6)
            finally:
                mock.stop()
    return statistics.median(fake), statistics.median(stub)


def in_process() -> list[tuple[str, float, float, str]]:
    import fts3.rest.client.easy as easy

    from mockfts import FtsDouble

    double = FtsDouble()
    token = double.token_for("alice", "dteam")
    headers = {"Authorization": f"Bearer {token}"}
    fake_mock = double.intercept([ENDPOINT])
    with fake_mock:
        ctx = easy.Context(ENDPOINT, fts_access_token=token)
        job_id = easy.submit(ctx, easy.new_job([easy.new_transfer(SRC, DST)]))
        document = requests.get(f"{ENDPOINT}/jobs/{job_id}", headers=headers, timeout=5).json()
        root_doc = requests.get(f"{ENDPOINT}/", timeout=5).json()
    stub = responses.RequestsMock(assert_all_requests_are_fired=False)
    stub.get(f"{ENDPOINT}/jobs/{job_id}", json=document)
    stub.get(f"{ENDPOINT}//jobs/{job_id}", json=document)
    stub.get(f"{ENDPOINT}//", json=root_doc)

    def raw() -> None:
        requests.get(f"{ENDPOINT}/jobs/{job_id}", headers=headers, timeout=5).json()

    fake_raw, stub_raw = interleaved(fake_mock, stub, raw, raw)
    fake_client, stub_client = interleaved(
        fake_mock,
        stub,
        lambda: easy.get_job_status(ctx, job_id),
        lambda: easy.get_job_status(ctx, job_id),
    )
    return [
        ("in-process GET /jobs/{id}, raw requests (us)", fake_raw, stub_raw, "<= 1.3"),
        ("in-process GET /jobs/{id}, fts3 client (us)", fake_client, stub_client, "<= 1.3"),
    ]


def fixture_cost() -> list[tuple[str, float, float | None, str]]:
    from mockfts import FtsDouble

    double = FtsDouble()

    def cycle() -> None:
        transport = double.intercept([ENDPOINT]).start()
        double.reset()
        transport.stop()

    ours = per_call_us(cycle, calls=500) / 1000
    moto_ms = None
    try:
        from moto import mock_aws

        def moto_cycle() -> None:
            with mock_aws():
                pass

        moto_ms = per_call_us(moto_cycle, calls=30, rounds=3) / 1000
    except ImportError:
        pass
    return [("fixture enter+reset+exit (ms)", ours, moto_ms, "<= 0.5 ms absolute")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def load(url: str, headers: dict[str, str], seconds: float = 5.0) -> float:
    """Requests per second that ``url`` sustains with 8 keep-alive connections."""
    if shutil.which("wrk"):
        argv = ["wrk", "-t2", "-c8", f"-d{int(seconds)}s"]
        for key, value in headers.items():
            argv += ["-H", f"{key}: {value}"]
        out = subprocess.run(argv + [url], capture_output=True, text=True, check=True).stdout
        line = next(row for row in out.splitlines() if row.startswith("Requests/sec"))
        return float(line.split()[1])
    deadline = time.monotonic() + seconds

    def worker() -> int:
        session, count = requests.Session(), 0
        while time.monotonic() < deadline:
            session.get(url, headers=headers, timeout=5)
            count += 1
        return count

    with ThreadPoolExecutor(8) as pool:
        total = sum(pool.map(lambda _: worker(), range(8)))
    return total / seconds


def idle_cpu_percent(pid: int, seconds: float = 3.0) -> float:
    """CPU the process ``pid`` uses while nobody asks it anything, in % of one core."""

    def used() -> float:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    time.sleep(0.5)
    before = used()
    time.sleep(seconds)
    return (used() - before) / seconds * 100


def live() -> list[tuple[str, float, float | None, str]]:
    procs = []
    try:
        fts_port = free_port()
        procs.append(
            subprocess.Popen(
                [str(BIN / "mockfts"), "serve", "--port", str(fts_port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        base = f"http://127.0.0.1:{fts_port}"
        wait_for(base + "/")
        token = requests.post(base + "/_mock/token", timeout=5).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        body = {"files": [{"sources": [SRC], "destinations": [DST]}]}
        job_id = requests.post(base + "/jobs", json=body, headers=auth, timeout=5).json()["job_id"]
        document = requests.get(f"{base}/jobs/{job_id}", headers=auth, timeout=5).json()

        bare_port = free_port()
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "bench.bare_flask", str(bare_port), json.dumps(document)],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for(f"http://127.0.0.1:{bare_port}/jobs/x")

        idle = [idle_cpu_percent(proc.pid) for proc in procs[:2]]
        ours_runs, bare_runs = [], []
        for _ in range(3):  # interleaved, so background load hits both alike
            ours_runs.append(load(f"{base}/jobs/{job_id}", auth, seconds=3))
            bare_runs.append(load(f"http://127.0.0.1:{bare_port}/jobs/{job_id}", {}, seconds=3))
        ours, bare = statistics.median(ours_runs), statistics.median(bare_runs)
        rows = [
            ("live GET /jobs/{id} req/s vs bare Flask on waitress", ours, bare, ">= 0.8"),
            (
                "idle CPU, % of a core (served double vs bare Flask)",
                idle[0],
                idle[1] or None,
                "<= 1 % absolute",
            ),
        ]
        if shutil.which(str(BIN / "moto_server")):
            moto_port = free_port()
            procs.append(
                subprocess.Popen(
                    [str(BIN / "moto_server"), "-p", str(moto_port)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            wait_for(f"http://127.0.0.1:{moto_port}/moto-api/")
            moto = load(f"http://127.0.0.1:{moto_port}/", {"Host": "s3.amazonaws.com"}, seconds=3)
            rows.append(("live req/s vs moto_server (S3 ListBuckets)", ours, moto, ">= 2"))
        return rows
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)


def listing() -> list[tuple[str, float, float, str]]:
    from mockfts import FtsDouble

    def cost(finished_jobs: int) -> float:
        double = FtsDouble()
        alice = double.state.tokens.identity(double.token_for("alice", "dteam"))
        body = {"files": [{"sources": [SRC], "destinations": [DST]}]}
        for _ in range(finished_jobs):
            double.state.submit(body, alice)
        double.advance(3600)
        slow = {
            "files": [{"sources": [SRC], "destinations": [DST.replace("time=5", "time=99999")]}]
        }
        for _ in range(10):
            double.state.submit(slow, alice)
        token = double.token_for("alice", "dteam")
        with double.intercept([ENDPOINT]):
            url = f"{ENDPOINT}/jobs?vo_name=dteam"
            headers = {"Authorization": f"Bearer {token}"}
            assert len(requests.get(url, headers=headers, timeout=5).json()) == 10
            return per_call_us(lambda: requests.get(url, headers=headers, timeout=5), calls=300)

    return [("GET /jobs?vo_name= with 20,000 vs 100 jobs (us)", cost(20_000), cost(100), "~ 1")]


def submit_tutorial_tasks(double, username: str, count: int) -> None:  # noqa: ANN001
    """``count`` one-file transfers between the tutorial collections, owned by ``username``."""
    from mockglobus.transfer import Caller
    from mockglobus.transfer.seed import TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2

    model = double.state.transfer
    identity = double.state.auth.identity(username)
    caller = Caller(identity.id, identity.username)
    for n in range(count):
        sid = model.task_ops.get_submission_id(caller)["value"]
        item = {
            "DATA_TYPE": "transfer_item",
            "destination_path": f"/~/copy{n}.txt",
            "source_path": "/home/share/godata/file1.txt",
        }
        model.task_ops.submit_transfer(
            caller,
            {
                "DATA_TYPE": "transfer",
                "submission_id": sid,
                "source_endpoint": TUTORIAL_COLLECTION_1,
                "destination_endpoint": TUTORIAL_COLLECTION_2,
                "DATA": [item],
            },
        )


def _globus_with_tasks(others: int):  # noqa: ANN202 - GlobusDouble
    """A Globus double where alice owns 20 tasks and bob ``others``."""
    from mockglobus import GlobusDouble

    double = GlobusDouble()
    submit_tutorial_tasks(double, "bob@example.edu", others)
    submit_tutorial_tasks(double, "alice@globusid.org", 20)
    return double


def globus() -> list[tuple[str, float, float, str]]:
    import globus_sdk

    def client(double):
        token = double.token_for("alice@globusid.org")
        return globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))

    small = _globus_with_tasks(100)
    fake_mock = small.intercept()
    with fake_mock:
        tc = client(small)
        task_id = tc.task_list(limit=1)["DATA"][0]["task_id"]
        document = tc.get_task(task_id).data
        few = per_call_us(lambda: tc.task_list(limit=10), calls=300)
    stub = responses.RequestsMock(assert_all_requests_are_fired=False)
    stub.get(f"https://transfer.api.globus.org/v0.10/task/{task_id}", json=document)
    fake, stubbed = interleaved(
        fake_mock, stub, lambda: tc.get_task(task_id), lambda: tc.get_task(task_id), calls=300
    )
    large = _globus_with_tasks(20_000)
    with large.intercept():
        tc = client(large)
        many = per_call_us(lambda: tc.task_list(limit=10), calls=300)
    return [
        ("in-process Globus get_task, globus_sdk (us)", fake, stubbed, "<= 1.3"),
        ("Globus task_list, others hold 20,000 vs 100 tasks (us)", many, few, "~ 1"),
    ]


def _submitter(kind: str, url: str, token: str) -> Callable[[requests.Session, int], None]:
    headers = {"Authorization": f"Bearer {token}"}
    if kind == "fts":

        def submit(session: requests.Session, n: int) -> None:
            body = {"files": [{"sources": [SRC], "destinations": [DST + f"&n={n}"]}]}
            reply = session.post(url + "/jobs", json=body, headers=headers, timeout=10)
            assert reply.status_code == 200, reply.text

        return submit

    from mockglobus.transfer.seed import TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2

    def transfer(session: requests.Session, n: int) -> None:
        sid = session.get(url + "/v0.10/submission_id", headers=headers, timeout=10).json()
        reply = session.post(
            url + "/v0.10/transfer",
            headers=headers,
            timeout=10,
            json={
                "DATA_TYPE": "transfer",
                "submission_id": sid["value"],
                "source_endpoint": TUTORIAL_COLLECTION_1,
                "destination_endpoint": TUTORIAL_COLLECTION_2,
                "DATA": [
                    {
                        "DATA_TYPE": "transfer_item",
                        "source_path": "/home/share/godata/file1.txt",
                        "destination_path": f"/~/copy{n}.txt",
                    }
                ],
            },
        )
        assert reply.json()["code"] == "Accepted", reply.text

    return transfer


def durable_state() -> list[tuple[str, float, float, str]]:
    """Submissions with ``--state`` vs memory-only, both servers up, in alternating rounds."""
    import tempfile

    rows = []
    for kind, name in (("fts", "FTS job"), ("globus", "Globus transfer")):
        procs = []
        with tempfile.TemporaryDirectory(prefix="bench-state-") as tmp:
            try:
                servers = []
                for state in (None, str(Path(tmp) / f"{kind}.db")):
                    port = free_port()
                    argv = [str(BIN / f"mock{kind}"), "serve", "--port", str(port)]
                    proc = subprocess.Popen(
                        argv + (["--state", state] if state else []),
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    procs.append(proc)
                    url = f"http://127.0.0.1:{port}"
                    wait_for(url + "/_mock/token")
                    token = requests.post(url + "/_mock/token", timeout=5).json()["access_token"]
                    servers.append(_submitter(kind, url, token))
                costs: list[list[float]] = [[], []]
                counter = iter(range(10**9))
                for _ in range(5):
                    for submit, samples in zip(servers, costs, strict=True):
                        samples.append(_per_submission_us(submit, counter))
                memory, durable = (statistics.median(c) for c in costs)
                rows.append(
                    (
                        f"live {name} submission with --state vs memory-only (us)",
                        durable,
                        memory,
                        "<= 1.5",
                    )
                )
            finally:
                for proc in procs:
                    proc.terminate()
                for proc in procs:
                    proc.wait(timeout=10)
    return rows


def _per_submission_us(
    submit: Callable[[requests.Session, int], None], counter, clients: int = 4, each: int = 60
) -> float:
    def client(_: int) -> None:
        session = requests.Session()
        for _ in range(each):
            submit(session, next(counter))

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))  # warm up: connections, first requests
        started = time.perf_counter()
        list(pool.map(client, range(clients)))
        return (time.perf_counter() - started) / (clients * each) * 1e6


def main() -> int:
    rows = []
    sections = [in_process, fixture_cost, live, listing, globus, durable_state]
    if len(sys.argv) > 1:  # e.g. python -m bench durable_state
        sections = [globals()[name] for name in sys.argv[1:]]
    for section in sections:
        rows.extend(section())
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'ours':>10}  {'baseline':>10}  {'ratio':>7}  target")
    for name, ours, base, target in rows:
        ratio = f"{ours / base:.2f}" if base else "-"
        base_text = f"{base:10.1f}" if base is not None else f"{'-':>10}"
        if "ms" in name:
            base_text = f"{base:10.3f}" if base is not None else f"{'-':>10}"
            print(f"{name:<{width}}  {ours:10.3f}  {base_text}  {ratio:>7}  {target}")
        else:
            print(f"{name:<{width}}  {ours:10.1f}  {base_text}  {ratio:>7}  {target}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
