"""The full-text engine behind ``q``: SQLite FTS5 (standard library), in memory.

One :class:`FullText` per state, its connection opened on first use. Each entry is a
row of ``entries`` (all its values as text, for unqualified terms) and one row of
``fields`` per field path (for ``field:term``); both tokenise with FTS5's
``unicode61`` tokenizer (Unicode word boundaries, case- and diacritic-folded, no
stemming: close to Elasticsearch's ``standard`` analyzer) and rank with FTS5's
``bm25()``, so an entry matching more of the query's terms, or rarer ones, ranks first.

The engine keeps the texts it was given (``_docs``), which are its only state worth
keeping: pickling (``mockcore.persist`` snapshots the state with cloudpickle) drops the
connection, and the copy rebuilds its tables from ``_docs`` on first use. Callers hold
the state's lock (the models' methods are ``@locked``/``@settled``); the connection is
opened with ``check_same_thread=False`` since the lock, not the thread, serialises use.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

_SCHEMA = (
    "CREATE VIRTUAL TABLE entries USING fts5(index_id UNINDEXED, body,"
    " tokenize='unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE fields USING fts5(entry UNINDEXED, index_id UNINDEXED,"
    " field UNINDEXED, body, tokenize='unicode61 remove_diacritics 2')",
)


def phrase(text: str) -> str:
    """``text`` as one FTS5 string (a term, or a phrase of its tokens)."""
    return '"' + text.replace('"', '""') + '"'


class FullText:
    """Entries' text in FTS5 tables, keyed by the entry's integer ``key``."""

    def __init__(self) -> None:
        self._docs: dict[int, tuple[str, dict[str, str]]] = {}  # key -> (index, texts)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()

    # ------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        return {"_docs": self._docs}

    def __setstate__(self, saved: dict[str, Any]) -> None:
        self._docs = saved["_docs"]
        self._conn = None  # rebuilt from _docs on first use
        self._lock = threading.RLock()

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(":memory:", check_same_thread=False)
            for statement in _SCHEMA:
                conn.execute(statement)
            for key, (index_id, texts) in self._docs.items():
                self._insert(conn, key, index_id, texts)
            self._conn = conn
        return self._conn

    @staticmethod
    def _insert(conn: sqlite3.Connection, key: int, index_id: str, texts: dict[str, str]) -> None:
        conn.execute(
            "INSERT INTO entries(rowid, index_id, body) VALUES (?, ?, ?)",
            (key, index_id, "\n".join(texts.values())),
        )
        conn.executemany(
            "INSERT INTO fields(entry, index_id, field, body) VALUES (?, ?, ?, ?)",
            [(key, index_id, field, text) for field, text in texts.items()],
        )

    # ------------------------------------------------------------ writing
    def put(self, key: int, index_id: str, texts: dict[str, str]) -> None:
        """Index (or re-index) entry ``key`` of ``index_id``: ``texts`` per field path."""
        with self._lock:
            self.remove(key)
            db = self._db()  # (re)built from _docs before this entry joins it
            self._docs[key] = (index_id, dict(texts))
            self._insert(db, key, index_id, texts)

    def remove(self, key: int) -> None:
        with self._lock:
            if self._docs.pop(key, None) is None:
                return
            db = self._db()
            db.execute("DELETE FROM entries WHERE rowid = ?", (key,))
            db.execute("DELETE FROM fields WHERE entry = ?", (key,))

    def clear(self) -> None:
        with self._lock:
            self._docs.clear()
            if self._conn is not None:
                self._conn.close()
            self._conn = None

    # ------------------------------------------------------------ reading
    def match(self, index_id: str, expression: str, field: str | None = None) -> dict[int, float]:
        """Entries of ``index_id`` matching the FTS5 ``expression`` (over every field, or
        ``field`` only), with their relevance (``-bm25``: higher is better)."""
        with self._lock:
            db = self._db()
            if field is None:
                rows = db.execute(
                    "SELECT rowid, bm25(entries) FROM entries WHERE entries MATCH ?"
                    " AND index_id = ?",
                    (expression, index_id),
                )
            else:
                rows = db.execute(
                    "SELECT entry, bm25(fields) FROM fields WHERE fields MATCH ?"
                    " AND index_id = ? AND field = ?",
                    (expression, index_id, field),
                )
            found: dict[int, float] = {}
            for key, rank in rows:
                found[int(key)] = found.get(int(key), 0.0) + _score(rank)
            return found

    @staticmethod
    def tokens(text: str) -> list[str]:
        """``text`` split into words about as ``unicode61`` splits it (for the wildcards
        FTS5 cannot express: ``?`` and ``*`` other than at a word's end)."""
        return _split(text)

    def __len__(self) -> int:
        return len(self._docs)


def _score(rank: float) -> float:
    # bm25() is negative, smaller for better matches; tiny for small collections (its
    # idf is floored), so scale it: only the order matters.
    return -rank * 1_000_000.0 + 1e-9


def _split(text: str) -> list[str]:
    import re
    import unicodedata

    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return re.findall(r"\w+", folded)


__all__ = ["FullText", "phrase"]
