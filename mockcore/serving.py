"""What ``mockfts serve`` and ``mockglobus serve`` share: the service flags, and one loop
that serves until SIGINT or SIGTERM and then stops gracefully.

A served double is left running for days: its journal is a ring (``--journal``), a
request body above ``--max-body`` is refused with a 413, and the connection limits of
:class:`~mockcore.live.Limits` keep one client from locking out the others. On a signal
the server drains (requests in flight are answered, none lost) and the process exits 0
without a traceback. ``--state PATH`` keeps the state in an SQLite file across restarts
(:mod:`mockcore.persist`); without it nothing is written anywhere.
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Callable
from typing import Any

from mockcore.live import Limits

JOURNAL_DEFAULT = 1000


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {value}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, not {value}")
    return value


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags every ``serve`` command takes, beyond host, port and its own."""
    limits = Limits()
    group = parser.add_argument_group("running as a service")
    group.add_argument(
        "--threads", type=_positive, default=8, help="worker threads answering requests (default 8)"
    )
    group.add_argument(
        "--journal",
        type=_count,
        default=JOURNAL_DEFAULT,
        metavar="N",
        help="keep the last N requests and responses in the journal "
        f"(default {JOURNAL_DEFAULT}; 0 keeps none)",
    )
    group.add_argument(
        "--max-body",
        type=_count,
        default=limits.max_body,
        metavar="BYTES",
        help=f"refuse larger request bodies with a 413 (default {limits.max_body // 2**20} MiB)",
    )
    group.add_argument(
        "--connection-limit",
        type=_positive,
        default=limits.connection_limit,
        metavar="N",
        help="open connections at most; at the limit the one "
        f"idle the longest is closed (default {limits.connection_limit})",
    )
    group.add_argument(
        "--state",
        metavar="PATH",
        help="keep the state in this SQLite file: a restart (even after "
        "kill -9) answers what was answered before",
    )


def limits_from(args: argparse.Namespace) -> Limits:
    return Limits(connection_limit=args.connection_limit, max_body=args.max_body)


def prepare(double: Any, args: argparse.Namespace) -> Any:
    """Apply the service flags to ``double`` before it serves: the journal ring, and
    the state file (restored and replayed). Returns the durable store, or None."""
    double.journal.limit = args.journal
    if not args.state:
        return None
    from mockcore.persist import DurableState

    return DurableState.open(double, args.state)


def serve_until_signalled(
    server: Any, *, durable: Any = None, on_stop: Callable[[], None] | None = None
) -> int:
    """Block until SIGINT or SIGTERM, then drain the server, close the state file and
    return 0 (the exit status)."""
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:  # noqa: ARG001 - signal API
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(3600):
            pass
    finally:
        server.stop()
        if durable is not None:
            durable.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if on_stop is not None:
            on_stop()
    return 0
