"""A served double left running for days: idle at ~0 % CPU, bounded memory, no lock-out
by idle or trickling clients, refusals in the service's own shape, a graceful stop.

Each is measured the way a user would notice it: through a real process or real sockets.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from mockcore.live import Limits
from mockfts.double import FtsDouble
from mockglobus.double import GlobusDouble

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class Served:
    """``mockfts serve`` / ``mockglobus serve`` in a subprocess, as a user runs it."""

    def __init__(self, service: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", service, "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"{service} exited: {self.proc.stderr.read()}")
            self.lines.append(line.rstrip("\n"))
            if service == "mockfts" and line.startswith("try:"):
                break
            if service == "mockglobus" and line.startswith("#   export HOME"):
                break
        banner = self.lines[0]
        self.url = (
            banner.split()[-1] if service == "mockfts" else banner.split(" on ")[1].split("/ ")[0]
        )
        self.token = next(
            (line.split()[-1] for line in self.lines if line.startswith("token for")), None
        )

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str, str, float]:
        began = time.monotonic()
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=15)
        return self.proc.returncode, out, err, time.monotonic() - began

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=10)


@pytest.fixture(params=["mockfts", "mockglobus"])
def served(request):
    server = Served(request.param)
    yield server
    server.kill()


def test_an_idle_server_uses_no_cpu(served):
    """waitress's loop once spun in poll(..., 0): 21-100 % of a core doing nothing."""
    requests.get(served.url + "/", timeout=5)  # warmed up, one connection came and went
    time.sleep(0.5)
    before = _cpu_seconds(served.proc.pid)
    time.sleep(3)
    used = _cpu_seconds(served.proc.pid) - before
    assert used <= 0.06, f"{used:.3f} s of CPU in 3 s idle (over 2 % of a core)"


def test_reads_do_not_grow_memory(served):
    """The journal of a served double is a ring: 10,000 reads leave RSS within 5 MB."""
    if served.url.endswith(":0"):
        pytest.skip("no port")
    session = requests.Session()
    if served.token:  # FTS
        path, headers = "/whoami", {"Authorization": f"Bearer {served.token}"}
    else:
        path, headers = "/v0.10/endpoint_search?filter_fulltext=x", {}
    for _ in range(1200):  # warm: caches, the ring filled, allocator settled
        session.get(served.url + path, headers=headers, timeout=5)
    before = _rss_bytes(served.proc.pid)
    for _ in range(10_000):
        session.get(served.url + path, headers=headers, timeout=5)
    grown = _rss_bytes(served.proc.pid) - before
    assert grown < 5 * 2**20, f"RSS grew by {grown / 2**20:.1f} MB over 10,000 reads"


def test_sigint_under_load_answers_every_request_in_flight_and_exits_0(served):
    stop_sending = threading.Event()
    outcomes: list[object] = []

    def client() -> None:
        session = requests.Session()
        while not stop_sending.is_set():
            try:
                reply = session.get(served.url + "/", timeout=5)
            except requests.ConnectionError as exc:
                # after the stop, new connections are refused: that is not a lost answer
                outcomes.append(exc)
                return
            outcomes.append(reply.status_code)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    code, out, err, took = served.stop(signal.SIGINT)
    stop_sending.set()
    for thread in threads:
        thread.join(10)
    assert code == 0, err
    assert "Traceback" not in err and "Errno" not in err, err
    assert took < 3, f"stopped in {took:.1f} s"
    answered = [o for o in outcomes if isinstance(o, int)]
    assert answered and all(status < 500 for status in answered)
    # a connection that was answered mid-response would show as a ConnectionError that is
    # not a refusal: every error is a refused or reset *new* connection
    for exc in (o for o in outcomes if not isinstance(o, int)):
        assert "Connection refused" in str(exc) or "Connection aborted" in str(exc), exc


def _raw(url: str, data: bytes) -> tuple[int, dict, bytes]:
    """Send raw bytes; the status, headers and body of what came back."""
    host, port = url.rsplit("/", 1)[-1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(data)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body


@pytest.fixture(params=["fts", "globus"])
def live(request):
    double = FtsDouble() if request.param == "fts" else GlobusDouble()
    server = double.serve(limits=Limits(max_body=4096, max_header=8192)).start()
    yield request.param, double, server
    server.stop()


def _shape_of(service: str, path: str, body: dict) -> None:
    if service == "fts":
        assert set(body) == {"status", "message"}
    elif path.startswith("/v0.10"):
        assert {"code", "message", "request_id", "resource"} <= set(body)
    elif path.startswith("/v1/"):  # Globus Search: GError
        assert body["@datatype"] == "GError" and body["code"] and body["request_id"]
    elif path.startswith("/jobs"):  # Globus Timers
        assert body["error"]["code"] and body["error"]["status"]
    else:
        assert body["errors"][0]["status"] and body["error"]


@pytest.mark.parametrize(
    "request_bytes, status, path",
    [
        (b"GET /v0.10/task/\xff HTTP/1.1\r\nHost: x\r\n\r\n", 400, "/v0.10/task/\xff"),
        (b"GET /jobs/\xff HTTP/1.1\r\nHost: x\r\n\r\n", 400, "/jobs/\xff"),
        (
            b"POST /v0.10/transfer HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n",
            413,
            "/v0.10/transfer",
        ),
        (b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n", 413, "/jobs"),
        (
            b"POST /v1/index/x/ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n",
            413,
            "/v1/index/x/ingest",
        ),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 9000 + b"\r\n\r\n", 431, "/"),
    ],
)
def test_what_the_http_server_refuses_is_answered_in_the_service_shape(
    live, request_bytes, status, path
):
    service, double, server = live
    code, headers, body = _raw(server.url, request_bytes)
    assert code == status
    assert headers["Content-Type"] == "application/json"
    document = json.loads(body)
    _shape_of(service, path if code != 431 else "/", document)
    entry = double.journal.last  # journaled like any other answer
    assert entry.status == status and entry.fault is None


def test_a_refused_body_is_not_read_whole(live):
    """A client announcing 1 GB gets its 413 at once, before sending any of it."""
    service, double, server = live
    began = time.monotonic()
    code, _, _ = _raw(
        server.url, b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n"
    )
    assert code == 413 and time.monotonic() - began < 2


def test_idle_and_trickling_clients_do_not_lock_others_out():
    """200 idle and 200 slowloris connections (beyond waitress's default limit of 100):
    another client is answered within 2 s, and the tricklers are cut off."""
    double = FtsDouble()
    server = double.serve(limits=Limits(connection_limit=300, request_timeout=1)).start()
    host, port = "127.0.0.1", server.port
    sockets: list[socket.socket] = []
    try:
        for i in range(400):
            sock = socket.create_connection((host, port), timeout=5)
            if i % 2:
                sock.sendall(b"GET / HTTP/1.1\r\nHo")  # slowloris: a request never finished
            sockets.append(sock)
        began = time.monotonic()
        with ThreadPoolExecutor(3) as pool:
            replies = list(pool.map(lambda _: requests.get(server.url + "/", timeout=2), range(3)))
        assert all(r.status_code == 200 for r in replies)
        assert time.monotonic() - began < 2
        time.sleep(2.5)  # past the request deadline (1 s) and a maintenance round
        for sock in sockets[1::2]:
            sock.settimeout(2)
            sock.sendall(b"st: x\r\n")
            assert sock.recv(100) == b"", "a trickling connection is still open"
    finally:
        for sock in sockets:
            sock.close()
        server.stop()


def test_stop_answers_requests_in_flight():
    """A request the server is working on when stop() is called still gets its answer."""
    double = FtsDouble()
    token = double.token_for("alice", "dteam")
    server = double.serve().start()
    url = server.url
    double.faults.delay("/whoami", 1.0, method="GET")
    with ThreadPoolExecutor(4) as pool:
        pending = [
            pool.submit(
                requests.get,
                server.url + "/whoami",
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            for _ in range(4)
        ]
        time.sleep(0.3)
        began = time.monotonic()
        server.stop()
        assert time.monotonic() - began < 3
        assert [f.result().status_code for f in pending] == [200] * 4
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/", timeout=2)


def test_a_worker_finishing_as_the_drain_closes_everything_is_no_crash():
    """A worker that wrote its answer just as the drain closed every socket wakes a loop
    that is gone: the closed trigger is no error then (waitress would log a traceback,
    as a SIGINT under load once showed). Outside a drain it still is one."""
    double = FtsDouble()
    server = double.serve().start()
    waitress = server._server
    assert requests.get(server.url + "/", timeout=5).status_code == 200
    server.stop()  # drained: the trigger is closed with the rest
    waitress.pull_trigger()  # what the late worker does
    waitress.draining = False
    with pytest.raises(OSError):
        waitress.pull_trigger()


def test_journal_limit_keeps_the_newest():
    double = FtsDouble()
    double.journal.limit = 3
    with double.intercept(["https://fts.example"]):
        for i in range(5):
            requests.get(f"https://fts.example/jobs/{i}", timeout=5)
    assert [e.path for e in double.journal] == ["/jobs/2", "/jobs/3", "/jobs/4"]
    double.journal.limit = 0
    with double.intercept(["https://fts.example"]):
        requests.get("https://fts.example/", timeout=5)
    assert len(double.journal) == 0
    with pytest.raises(ValueError):
        double.journal.limit = -1
