"""Base of a service's in-memory state: one lock, one clock, one scheduler, one id source."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable

from mockcore.clock import Clock, ManualClock
from mockcore.ids import IdSource
from mockcore.scheduler import Scheduler


class ServiceState:
    """Holds what every model of a double shares.

    Public methods of subclasses take ``self.lock`` and call :meth:`settle` first, so
    every answer reflects the events due by the current virtual time.
    """

    #: Prefixes of the WSGI environ keys where the service's transports leave objects
    #: (not strings) its app reads, e.g. an X.509 identity: ``--state`` logs them too.
    environ_objects: tuple[str, ...] = ()

    def __init__(self, clock: Clock | None = None, seed: int = 0) -> None:
        self.clock: Clock = clock or ManualClock()
        self.lock = threading.RLock()
        self.scheduler = Scheduler(self.clock)
        self.ids = IdSource(self.clock, seed)
        self.snapshot_key = secrets.token_bytes(32)  # signs snapshot blobs; never in one
        self.unrepeatable_request = False  # see unrepeatable(); never in a snapshot

    def snapshot(self) -> bytes:
        """Everything the state holds, as a signed blob for :meth:`restore`
        (:func:`mockcore.persist.snapshot_state`)."""
        from mockcore.persist import snapshot_state

        return snapshot_state(self)

    def unrepeatable(self) -> None:
        """Say that the running request did what replaying it would not do the same way
        (e.g. generated an RSA key, which no seed drives): a durable store
        (:mod:`mockcore.persist`) then keeps its effect by a snapshot, not by replay."""
        self.unrepeatable_request = True

    def restore(self, blob: bytes) -> None:
        """Back to a :meth:`snapshot` of this state, in place, clock included; raises
        ``mockcore.persist.SnapshotRefused`` (state unchanged) for any other blob."""
        from mockcore.persist import restore_state

        restore_state(self, blob)

    def settle(self) -> None:
        """Run every scheduled event whose time has come."""
        with self.lock:
            self.scheduler.run_due()

    def advance(self, seconds: float) -> None:
        """Move the clock forward and apply what happened meanwhile."""
        with self.lock:
            self.clock.advance(seconds)
            self.scheduler.run_due()

    def run_until(self, done: Callable[[], bool], timeout: float = 86_400.0) -> float:
        """Jump from event to event until ``done()`` holds; returns virtual seconds spent.

        Raises ``TimeoutError`` if nothing left to happen, or ``timeout`` virtual
        seconds pass, before ``done()`` holds. No real time passes.
        """
        with self.lock:
            start = self.clock.time()
            self.scheduler.run_due()
            while not done():
                due = self.scheduler.next_due()
                if due is None or due - start > timeout:
                    raise TimeoutError(
                        "condition not reached: "
                        + ("nothing left to happen" if due is None else f"not within {timeout}s")
                    )
                gap = due - self.clock.time()
                if gap > 0:
                    self.clock.advance(gap)
                self.scheduler.run_due()
            return self.clock.time() - start

    def reset(self) -> None:
        """Forget everything; subclasses clear their own tables, then call this."""
        with self.lock:
            self.scheduler.clear()
            self.ids.reset()
