"""Snapshots and the durable store (``mockcore.persist``) on a toy service: a ledger whose
entries close 10 virtual seconds after they are opened (a scheduled lambda), numbered
by an ``itertools.count``, stamped with seeded tokens and signed with an RSA key."""

from __future__ import annotations

import functools
import itertools
import sqlite3
import threading

import flask
import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mockcore.clock import ManualClock, ScaledClock
from mockcore.double import Double
from mockcore.persist import DurableState, SnapshotRefused
from mockcore.state import ServiceState

BASE = "https://ledger.example"


@functools.cache
def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Ledger(ServiceState):
    def __init__(self, clock=None, seed: int = 0) -> None:  # noqa: ANN001
        super().__init__(clock, seed)
        self.entries: dict[int, dict] = {}
        self.serial = itertools.count(1)
        self.guard = threading.Lock()
        self.key = _key()

    def open(self, name: str) -> dict:
        with self.lock:
            self.settle()
            entry = {
                "id": next(self.serial),
                "name": name,
                "state": "open",
                "token": self.ids.hex(4),
                "opened": self.clock.time(),
            }
            self.entries[entry["id"]] = entry
            self.scheduler.after(10, lambda t, e=entry: e.update(state="closed", closed=t))
            return entry

    def listing(self) -> list[dict]:
        with self.lock:
            self.settle()
            return [dict(e) for e in self.entries.values()]


def _app(state: Ledger) -> flask.Flask:
    app = flask.Flask("ledger")

    @app.post("/entries")
    def open_entry():
        return state.open(flask.request.get_json()["name"]), 201

    @app.get("/entries")
    def listing():
        return {"entries": state.listing(), "request": state.ids.hex(2)}

    @app.get("/signature")
    def signature():
        return {"sig": state.key.sign(b"x", padding.PKCS1v15(), hashes.SHA256()).hex()}

    @app.post("/advance")
    def advance():
        state.advance(float(flask.request.args["s"]))
        return {"now": state.clock.time()}

    return app


def ledger(clock=None) -> Double:  # noqa: ANN001
    return Double(Ledger(clock or ManualClock(start=1_700_000_000)), _app)


@pytest.fixture
def double():
    double = ledger()
    with double.intercept([BASE]):
        yield double


def add(name: str) -> dict:
    reply = requests.post(f"{BASE}/entries", json={"name": name}, timeout=5)
    assert reply.status_code == 201
    return reply.json()


def listing() -> list[dict]:
    return requests.get(f"{BASE}/entries", timeout=5).json()["entries"]


# ------------------------------------------------------------------------ snapshots


def test_restore_brings_back_what_the_snapshot_saw(double):
    add("a"), add("b")
    before = listing()
    blob = double.snapshot()
    double.advance(30)
    add("c")
    double.restore(blob)
    assert listing() == before
    assert double.clock.time() == 1_700_000_000


def test_restore_is_in_place(double):
    state, lock, clock = double.state, double.state.lock, double.clock
    blob = double.snapshot()
    add("a")
    double.restore(blob)
    assert double.state is state and double.state.lock is lock and double.clock is clock
    assert listing() == []


def test_scheduled_lambdas_run_after_a_restore(double):
    add("a")
    blob = double.snapshot()
    double.restore(blob)
    double.advance(10)
    assert [e["state"] for e in listing()] == ["closed"]


def test_ids_and_counters_continue_as_without_the_restore():
    plain, restored = ledger(), ledger()
    for d in (plain, restored):
        d.state.open("a")
    restored.restore(restored.snapshot())
    assert plain.state.open("b") == restored.state.open("b")


def test_the_signing_key_comes_back(double):
    blob = double.snapshot()
    first = requests.get(f"{BASE}/signature", timeout=5).json()
    double.state.key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    double.restore(blob)
    assert requests.get(f"{BASE}/signature", timeout=5).json() == first


def test_a_restored_scaled_clock_keeps_running_from_the_snapshot_time():
    clock = ScaledClock(speed=1000.0, start=1_700_000_000)
    double = ledger(clock)
    before = clock.time()
    blob = double.snapshot()
    clock.advance(3600)
    double.restore(blob)
    assert before <= clock.time() < before + 3600
    assert isinstance(double.clock, ScaledClock)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda blob: blob[:-1] + bytes([blob[-1] ^ 1]),
        lambda blob: b"not a snapshot",
        lambda blob: ledger().snapshot(),  # signed by another double
    ],
)
def test_a_blob_not_signed_by_this_double_is_refused_and_changes_nothing(double, tamper):
    add("a")
    blob = tamper(double.snapshot())
    before = listing()
    with pytest.raises(SnapshotRefused):
        double.restore(blob)
    assert listing() == before


def test_a_snapshot_of_another_kind_of_state_is_refused():
    other = Double(ServiceState(), _app)
    other.state.snapshot_key = ledger_key = b"k" * 32
    double = ledger()
    double.state.snapshot_key = ledger_key
    with pytest.raises(SnapshotRefused, match="a snapshot of mockcore.state.ServiceState"):
        double.restore(other.snapshot())


def test_the_journal_and_faults_are_not_part_of_a_snapshot(double):
    blob = double.snapshot()
    add("a")
    double.faults.fail("/entries", 503, method="GET")
    double.restore(blob)
    assert len(double.journal) == 1
    assert requests.get(f"{BASE}/entries", timeout=5).status_code == 503


# ------------------------------------------------------------------------ durable store


def run_calls(double: Double) -> list:
    """A fixed session against the ledger: writes, reads, a 404, time moving."""
    answers = []
    with double.intercept([BASE]):
        for name in ("a", "b"):
            answers.append(add(name))
        answers.append(requests.post(f"{BASE}/advance?s=4", timeout=5).json())
        answers.append(requests.get(f"{BASE}/nowhere", timeout=5).status_code)
        answers.append(requests.get(f"{BASE}/entries", timeout=5).json())
        double.advance(7)  # through Python: only time, which each request carries
        answers.append(requests.get(f"{BASE}/entries", timeout=5).json())
    return answers


def test_reopening_a_store_replays_what_was_not_checkpointed(tmp_path):
    path = tmp_path / "ledger.db"
    first = ledger()
    durable = DurableState.open(first, path)
    answers = run_calls(first)
    durable.close(checkpoint=False)  # as if killed
    second = ledger()
    reopened = DurableState.open(second, path)
    assert reopened.replayed == 6
    assert second.state.listing() == answers[-1]["entries"]
    assert second.clock.time() == first.clock.time()
    assert second.state.open("c") == first.state.open("c")
    reopened.close()


def test_a_replayed_double_answers_as_one_that_never_stopped(tmp_path):
    path = tmp_path / "ledger.db"
    durable = DurableState.open(ledger(), path)
    run_calls(durable.double)
    durable.close(checkpoint=False)
    again = DurableState.open(ledger(), path)
    later, unbroken = run_calls(again.double), run_calls(ledger_after_calls())
    assert later == unbroken
    again.close()


def ledger_after_calls() -> Double:
    double = ledger()
    run_calls(double)
    return double


def test_a_checkpoint_empties_the_log_and_keeps_the_state(tmp_path):
    path = tmp_path / "ledger.db"
    durable = DurableState.open(ledger(), path)
    run_calls(durable.double)
    durable.checkpoint()
    assert _rows(path, "log") == 0
    durable.close(checkpoint=False)
    again = DurableState.open(ledger(), path)
    assert again.replayed == 0
    assert [e["name"] for e in again.double.state.listing()] == ["a", "b"]
    again.close()


def test_the_log_is_compacted_once_it_is_long_and_outweighs_the_snapshot(tmp_path):
    path = tmp_path / "ledger.db"
    durable = DurableState.open(ledger(), path, compact_every=4)
    rows = []
    with durable.double.intercept([BASE]):
        for n in range(60):
            add(f"entry-{n}")
            rows.append(_rows(path, "log"))
    assert 0 in rows and rows.index(0) >= 3  # emptied, and not before 4 requests
    assert rows[-1] < 60
    durable.close()
    assert _rows(path, "log") == 0


def test_changes_made_through_python_before_serving_are_kept(tmp_path):
    path = tmp_path / "ledger.db"
    durable = DurableState.open(ledger(), path)
    durable.double.state.open("startup")
    run_calls(durable.double)  # the first request checkpoints first
    durable.close(checkpoint=False)
    again = DurableState.open(ledger(), path)
    assert [e["name"] for e in again.double.state.listing()] == ["startup", "a", "b"]
    again.close()


def test_a_store_of_another_kind_of_double_is_refused(tmp_path):
    path = tmp_path / "ledger.db"
    DurableState.open(ledger(), path).close()
    with pytest.raises(SnapshotRefused, match="holds a .*Ledger"):
        DurableState.open(Double(ServiceState(), _app), path)


def test_snapshots_taken_before_a_restart_restore_after_it(tmp_path):
    path = tmp_path / "ledger.db"
    durable = DurableState.open(ledger(), path)
    durable.double.state.open("a")
    blob = durable.double.snapshot()
    durable.close()
    again = DurableState.open(ledger(), path)
    again.double.state.open("b")
    again.double.restore(blob)  # the signing key is kept in the store
    assert [e["name"] for e in again.double.state.listing()] == ["a"]
    again.close()


def test_closing_stops_recording(tmp_path):
    double = ledger()
    app = double.wsgi.app
    durable = DurableState.open(double, tmp_path / "ledger.db")
    assert double.wsgi.app is not app
    durable.close()
    assert double.wsgi.app is app


def test_without_a_store_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    double = ledger()
    run_calls(double)
    double.restore(double.snapshot())
    assert list(tmp_path.iterdir()) == []


def _rows(path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_the_store_is_sqlite_in_wal_mode(tmp_path):
    path = tmp_path / "ledger.db"
    DurableState.open(ledger(), path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert path.stat().st_mode & 0o777 == 0o600  # pickles and the signing key: owner only


def test_private_keys_round_trip_through_pem():
    double = ledger()
    double.restore(double.snapshot())
    pem = serialization.PublicFormat.SubjectPublicKeyInfo
    assert double.state.key.public_key().public_bytes(
        serialization.Encoding.PEM, pem
    ) == _key().public_key().public_bytes(serialization.Encoding.PEM, pem)
