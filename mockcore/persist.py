"""Snapshots of a double's state, and the durable store behind ``serve --state PATH``.

**Snapshot.** :func:`snapshot_state` pickles ``state.__dict__`` with ``cloudpickle``
(the scheduler's events are lambdas and closures), with reductions for what plain
pickling refuses: locks become fresh locks of the same kind, ``cryptography`` keys
and certificates travel as PEM/DER and are loaded back, ``itertools.count`` as its
next value. The state object itself, its clock and its lock are written as
references, so :func:`restore_state` replaces the contents *in place*: the state
stays the same object (the app, the transports and every back-reference keep
working), the clock keeps running and is put at the snapshot's virtual time. A
blob is ``MAGIC + HMAC-SHA256 + pickle``, signed with ``state.snapshot_key`` (random
per double); a blob whose signature does not check is refused before anything is
unpickled, since a live server's ``/_mock/restore`` is reachable by any local process.
The journal and the injected faults of a double are not part of its state.

**Durable store.** :class:`DurableState` keeps a double in an SQLite file: the
latest snapshot, and a command log of every request that reached the service app
since (GETs too: the doubles draw request ids from the seeded source even to answer
a 404, so skipping reads would make the replay diverge). Each request runs under the
state lock with the clock pinned at its arrival time, and its log row is committed
before its answer leaves; so log order is execution order, and replaying the log on
the snapshot, each request pinned at its time, rebuilds the same state. A request
that did what no seed drives (``ServiceState.unrepeatable``: FTS's delegation request
makes a fresh RSA key) is followed by a snapshot instead. Opening a
store restores the snapshot and replays the log; :meth:`DurableState.checkpoint`
(after startup work, on close, and once the log holds ``compact_every`` requests and
outweighs the snapshot, so that compaction costs a bounded amount per request however
large the state grows) writes a fresh snapshot and empties the log.

The file is in WAL mode with ``synchronous=NORMAL``: a commit is in the WAL (in the
operating system's page cache) before the answer is sent, which survives the
process being killed (``kill -9``); only a power loss or a kernel crash can lose the
last commits, which ``synchronous=FULL`` would prevent at the cost of an fsync per
request (https://www.sqlite.org/pragma.html#pragma_synchronous).

The file is trusted like a key file: it holds pickles and the snapshot signing key,
so it is created readable by its owner only.

Not recorded: changes made through the Python API while serving (``token_for``,
``state`` methods) bypass the log; call :meth:`DurableState.checkpoint` after them.
Moving the clock through the Python API is safe (each request carries its time).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import logging
import os
import pickle
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import cloudpickle

from mockcore.wsgi import TRANSPORT_ERROR, WSGIApp, read_body, run_app

__all__ = ["DurableState", "SnapshotRefused", "restore_state", "snapshot_state"]

log = logging.getLogger("mockcore.persist")

MAGIC = b"mockcore-snapshot/1\n"
_MAC_SIZE = hashlib.sha256().digest_size
#: Attributes of a state that stay with the live double (never written, never replaced).
_KEPT = ("snapshot_key", "unrepeatable_request")
_UNRECORDED_PREFIXES = ("wsgi.", "werkzeug.", "waitress.")


class SnapshotRefused(ValueError):
    """Not a snapshot of this double: unsigned, signed by another double, or damaged."""


# ------------------------------------------------------------------------ pickling


def _lock() -> Any:
    return threading.Lock()


def _rlock() -> Any:
    return threading.RLock()


def _count(start: int, step: int) -> itertools.count:
    return itertools.count(start, step)


def _reduce_count(counter: itertools.count) -> tuple:
    # repr is the only public view of a count's next value ("count(5)", "count(5, 2)").
    inner = repr(counter)[len("count(") : -1]
    start, _, step = inner.partition(", ")
    return _count, (int(start), int(step) if step else 1)


_LOCKS = {type(threading.Lock()): _lock, type(threading.RLock()): _rlock}


def _reduce_lock(lock: Any) -> tuple:
    return _LOCKS[type(lock)], ()


_DISPATCH: dict[type, Callable[[Any], tuple]] = dict.fromkeys(_LOCKS, _reduce_lock)
_DISPATCH[itertools.count] = _reduce_count


def _load_private_key(pem: bytes) -> Any:
    return _key_cache(pem, _private)


def _load_public_key(pem: bytes) -> Any:
    return _key_cache(pem, _public)


def _load_certificate(der: bytes) -> Any:
    from cryptography import x509

    return x509.load_der_x509_certificate(der)


def _private(pem: bytes) -> Any:
    from cryptography.hazmat.primitives import serialization

    try:  # we made the key: skip the (slow) RSA consistency check where supported
        return serialization.load_pem_private_key(pem, None, unsafe_skip_rsa_key_validation=True)
    except TypeError:
        return serialization.load_pem_private_key(pem, None)


def _public(pem: bytes) -> Any:
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_public_key(pem)


_KEYS: dict[bytes, Any] = {}  # PEM -> key: restoring the same snapshot again is cheap
_PEMS: dict[int, tuple[Any, bytes]] = {}  # id(key) -> (key, PEM), the key kept alive


def _key_cache(pem: bytes, load: Callable[[bytes], Any]) -> Any:
    key = _KEYS.get(pem)
    if key is None:
        if len(_KEYS) >= 64:
            _KEYS.clear()
        key = _KEYS[pem] = load(pem)
        _PEMS[id(key)] = (key, pem)
    return key


def _reduce_crypto(obj: Any) -> tuple | None:
    """PEM/DER for ``cryptography`` keys and certificates; None for anything else."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.types import (
        PrivateKeyTypes,
        PublicKeyTypes,
    )

    cached = _PEMS.get(id(obj))
    if cached is not None and cached[0] is obj:
        loader = _load_private_key if _is(obj, PrivateKeyTypes) else _load_public_key
        return loader, (cached[1],)
    if isinstance(obj, x509.Certificate):
        return _load_certificate, (obj.public_bytes(serialization.Encoding.DER),)
    if _is(obj, PrivateKeyTypes):
        pem = obj.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        loader = _load_private_key
    elif _is(obj, PublicKeyTypes):
        pem = obj.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        loader = _load_public_key
    else:
        return None
    if len(_PEMS) >= 64:
        _PEMS.clear()
    _PEMS[id(obj)] = (obj, pem)
    _KEYS.setdefault(pem, obj)
    return loader, (pem,)


def _is(obj: Any, union: Any) -> bool:
    return isinstance(obj, getattr(union, "__args__", union))


def _anchor(name: str) -> Any:
    """Stands in a pickle for the live state, clock or lock (see :class:`_Unpickler`)."""
    raise pickle.UnpicklingError(f"the live {name} of a double: only restore_state has it")


class _Pickler(cloudpickle.Pickler):
    """cloudpickle, plus locks, counters and crypto objects; ``anchors`` by reference.

    Anchors are found in ``reducer_override`` (called once per object that is not a
    plain str/int/list/dict...) rather than ``persistent_id`` (called for every object,
    which made snapshots three times slower).
    """

    # A plain dict: the C pickler looks it up in C (a ChainMap costs a Python call per
    # object); read when the pickler is made.
    dispatch_table = {**dict(cloudpickle.Pickler.dispatch_table), **_DISPATCH}

    def __init__(self, file: io.BytesIO, anchors: dict[int, str]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._anchors = anchors

    def reducer_override(self, obj: Any) -> Any:
        name = self._anchors.get(id(obj))
        if name is not None:
            return _anchor, (name,)
        if type(obj).__module__.startswith("cryptography"):
            reduced = _reduce_crypto(obj)
            if reduced is not None:
                return reduced
        return super().reducer_override(obj)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, anchors: dict[str, Any]) -> None:
        super().__init__(file)
        self._anchors = anchors

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "_anchor":
            return self._anchor
        return super().find_class(module, name)

    def _anchor(self, name: str) -> Any:
        try:
            return self._anchors[name]
        except KeyError:
            raise pickle.UnpicklingError(f"unknown reference {name!r}") from None


def _anchors(state: Any) -> dict[str, Any]:
    return {"state": state, "clock": state.clock, "lock": state.lock}


def _dumps(obj: Any, state: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, {id(v): k for k, v in _anchors(state).items()}).dump(obj)
    return buffer.getvalue()


def _loads(data: bytes, state: Any) -> Any:
    return _Unpickler(io.BytesIO(data), _anchors(state)).load()


def _kind(state: Any) -> str:
    return f"{type(state).__module__}.{type(state).__qualname__}"


def _set_clock(clock: Any, epoch: float) -> None:
    setter = getattr(clock, "set_time", None)
    if setter is not None:
        setter(epoch)
    else:  # a clock of the test's own that cannot go back: as close as it gets
        clock.advance_to(epoch)


# ------------------------------------------------------------------------ snapshots


def _sign(key: bytes, payload: bytes) -> bytes:
    return MAGIC + hmac.new(key, payload, hashlib.sha256).digest() + payload


def _verified(key: bytes, blob: bytes) -> bytes:
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise SnapshotRefused("a snapshot is bytes")
    blob = bytes(blob)
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + _MAC_SIZE:
        raise SnapshotRefused("not a snapshot (no snapshot header)")
    mac = blob[len(MAGIC) : len(MAGIC) + _MAC_SIZE]
    payload = blob[len(MAGIC) + _MAC_SIZE :]
    if not hmac.compare_digest(mac, hmac.new(key, payload, hashlib.sha256).digest()):
        raise SnapshotRefused("bad signature: not a snapshot taken by this double")
    return payload


def snapshot_state(state: Any) -> bytes:
    """The state's contents as a signed blob (see the module docstring)."""
    with state.lock:
        contents = {k: v for k, v in state.__dict__.items() if k not in _KEPT}
        payload = _dumps((_kind(state), state.clock.time(), contents), state)
    return _sign(state.snapshot_key, payload)


def restore_state(state: Any, blob: bytes) -> None:
    """Put the state back as :func:`snapshot_state` saw it, in place; the clock goes to
    the snapshot's virtual time (and keeps running from there if it runs).

    Raises :class:`SnapshotRefused`, leaving the state unchanged, for a blob that is
    not a snapshot of this double.
    """
    payload = _verified(state.snapshot_key, blob)
    with state.lock:
        try:
            kind, at, contents = _loads(payload, state)
        except Exception as exc:  # signed by us, so a version mismatch of the code
            raise SnapshotRefused(f"unreadable snapshot: {type(exc).__name__}: {exc}") from exc
        if kind != _kind(state):
            raise SnapshotRefused(f"a snapshot of {kind}, not of {_kind(state)}")
        for name in [k for k in state.__dict__ if k not in contents and k not in _KEPT]:
            del state.__dict__[name]
        state.__dict__.update(contents)
        _set_clock(state.clock, at)


# ------------------------------------------------------------------------ durable store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at REAL NOT NULL,      -- virtual time of the snapshot
    blob BLOB NOT NULL     -- snapshot_state(), signed with meta.snapshot_key
);
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY,
    at REAL NOT NULL,      -- virtual arrival time: the request ran with the clock pinned there
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    environ BLOB NOT NULL, -- pickled: the CGI/HTTP/TLS strings and the identity objects
    body BLOB NOT NULL
);
"""


def _recorded_environ(environ: dict, objects: tuple[str, ...]) -> dict[str, Any]:
    """What a request needs to be answered again: every string variable (method, path,
    query, HTTP_* headers, CONTENT_TYPE, host, the mod_ssl/gridsite variables), the
    URL scheme, and the objects under the ``objects`` prefixes: what the HTTP server
    refused (``TRANSPORT_ERROR``) and the service's own (``ServiceState.environ_objects``)."""
    recorded: dict[str, Any] = {"wsgi.url_scheme": environ.get("wsgi.url_scheme", "http")}
    for key, value in environ.items():
        if key.startswith(_UNRECORDED_PREFIXES):
            continue
        if isinstance(value, str) or key.startswith(objects):
            recorded[key] = value
    return recorded


def _replay_environ(recorded: dict[str, Any], body: bytes) -> dict[str, Any]:
    environ = dict(recorded)
    environ.update(
        {
            "wsgi.version": (1, 0),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(body)),
        }
    )
    return environ


class _Recorder:
    """The WSGI app of a durable double: runs each request under the state lock with the
    clock pinned, and commits it to the log before the answer leaves."""

    def __init__(self, app: WSGIApp, durable: DurableState) -> None:
        self.app = app
        self.durable = durable

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        body = read_body(environ)
        durable = self.durable
        state, clock = durable.state, durable.state.clock
        recorded = _recorded_environ(environ, (TRANSPORT_ERROR, *state.environ_objects))
        with state.lock:
            if durable.closed:
                status, headers, payload = run_app(self.app, environ)
            else:
                if durable.pending_checkpoint:
                    durable.checkpoint()  # changes made before serving, through Python
                at = clock.time()
                state.unrepeatable_request = False
                try:
                    with clock.pinned(at):
                        status, headers, payload = run_app(self.app, environ)
                finally:
                    durable._append(at, recorded, body)
                if state.unrepeatable_request:  # kept by a snapshot, since replay cannot
                    durable.checkpoint()
                else:
                    durable._compact_if_due()
        start_response(status, headers)
        return [payload]


class DurableState:
    """A double kept in an SQLite file (``serve --state PATH``); see the module docstring.

    ``DurableState.open(double, path)`` restores what the file holds, replays its log
    and installs the recorder around the double's service app; from then on every
    request that reaches the app is durable once answered. Call :meth:`checkpoint`
    after changing the state through Python (e.g. minting startup tokens) and
    :meth:`close` on shutdown. A double never opened this way writes nothing.
    """

    def __init__(
        self, double: Any, path: Path, connection: sqlite3.Connection, compact_every: int
    ) -> None:
        self.double = double
        self.state = double.state
        self.path = path
        self.compact_every = compact_every
        self._db: sqlite3.Connection | None = connection
        self._app: WSGIApp = double.wsgi.app
        self._logged = 0  # requests in the log
        self._log_bytes = 0
        self._snapshot_bytes = 0
        self.replayed = 0  # requests replayed by open()
        self.pending_checkpoint = True

    @property
    def closed(self) -> bool:
        return self._db is None

    @classmethod
    def open(cls, double: Any, path: str | Path, *, compact_every: int = 5000) -> DurableState:
        path = Path(path)
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))  # owner only, if new
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            durable = cls(double, path, db, compact_every)
            durable._load()
        except BaseException:
            db.close()
            raise
        double.wsgi.app = _Recorder(durable._app, durable)
        return durable

    def _meta(self, name: str) -> bytes | None:
        assert self._db is not None
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else bytes(row[0])

    def _load(self) -> None:
        assert self._db is not None
        state, db = self.state, self._db
        with state.lock:
            kind = self._meta("kind")
            if kind is not None and kind.decode() != _kind(state):
                raise SnapshotRefused(f"{self.path} holds a {kind.decode()}, not a {_kind(state)}")
            key = self._meta("snapshot_key")
            if key is None:
                with db:
                    db.execute("BEGIN IMMEDIATE")
                    db.execute("INSERT INTO meta VALUES ('kind', ?)", (_kind(state).encode(),))
                    db.execute("INSERT INTO meta VALUES ('snapshot_key', ?)", (state.snapshot_key,))
                return
            state.snapshot_key = key
            row = db.execute("SELECT blob FROM snapshot WHERE id = 1").fetchone()
            if row is not None:
                restore_state(state, bytes(row[0]))
                self._snapshot_bytes = len(row[0])
            end = None
            for at, environ, body in db.execute("SELECT at, environ, body FROM log ORDER BY seq"):
                end = self._replay(at, _loads(bytes(environ), state), bytes(body))
                self.replayed += 1
                self._log_bytes += len(environ) + len(body)
            if end is not None:
                _set_clock(state.clock, end)  # where the last request left it
            self._logged = self.replayed

    def _replay(self, at: float, recorded: dict[str, Any], body: bytes) -> float:
        clock = self.state.clock
        _set_clock(clock, at)
        with clock.pinned(at):
            try:
                run_app(self._app, _replay_environ(recorded, body))
            except Exception:  # it failed the same way the first time
                log.exception(
                    "replaying %s %s", recorded.get("REQUEST_METHOD"), recorded.get("PATH_INFO")
                )
            return clock.time()

    def _append(self, at: float, recorded: dict[str, Any], body: bytes) -> None:
        assert self._db is not None
        if all(isinstance(v, str) for v in recorded.values()):
            environ = pickle.dumps(recorded, pickle.HIGHEST_PROTOCOL)
        else:
            environ = _dumps(recorded, self.state)
        self._db.execute(
            "INSERT INTO log (at, method, path, query, environ, body) VALUES (?, ?, ?, ?, ?, ?)",
            (
                at,
                recorded.get("REQUEST_METHOD", ""),
                recorded.get("PATH_INFO", ""),
                recorded.get("QUERY_STRING", ""),
                environ,
                body,
            ),
        )
        self._logged += 1
        self._log_bytes += len(environ) + len(body)

    def _compact_if_due(self) -> None:
        if self._logged >= self.compact_every and self._log_bytes >= self._snapshot_bytes:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Write a fresh snapshot and empty the log (one transaction)."""
        state = self.state
        with state.lock:
            if self._db is None:
                raise RuntimeError(f"{self.path} is closed")
            blob = snapshot_state(state)
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute(
                    "INSERT OR REPLACE INTO snapshot VALUES (1, ?, ?)", (state.clock.time(), blob)
                )
                self._db.execute("DELETE FROM log")
            self._logged = self._log_bytes = 0
            self._snapshot_bytes = len(blob)
            self.pending_checkpoint = False

    def close(self, *, checkpoint: bool = True) -> None:
        """Checkpoint (unless told not to), close the file and stop recording."""
        with self.state.lock:
            if self._db is None:
                return
            try:
                if checkpoint:
                    self.checkpoint()
            finally:
                self._db.close()
                self._db = None
                if isinstance(self.double.wsgi.app, _Recorder):
                    self.double.wsgi.app = self._app

    def __enter__(self) -> DurableState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
