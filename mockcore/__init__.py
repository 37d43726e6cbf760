"""Shared machinery of the transfer doubles: clock, ids, journal, faults, transports.

Nothing here knows about FTS3 or Globus; each service package builds its domain
model on :class:`ServiceState` and serves it with :mod:`mockcore.inprocess` and
:mod:`mockcore.live`.
"""

from mockcore.clock import Clock, ManualClock, ScaledClock
from mockcore.faults import Fault, FaultInjector
from mockcore.ids import IdSource
from mockcore.journal import Journal, JournalEntry
from mockcore.scheduler import Scheduler
from mockcore.state import ServiceState

__all__ = [
    "Clock",
    "Fault",
    "FaultInjector",
    "IdSource",
    "Journal",
    "JournalEntry",
    "ManualClock",
    "ScaledClock",
    "Scheduler",
    "ServiceState",
]
