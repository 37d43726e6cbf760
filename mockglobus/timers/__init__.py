"""Globus Timers (``timer.automate.globus.org``): transfer timers that run on the
virtual clock and submit real Transfer tasks as their users.

:class:`~.model.TimersModel` holds the timers and their runs, :mod:`.routes` serves the
v2 create and v1 ``/jobs/`` routes, :mod:`.errors` declares every error once. What
Timers asks of Auth is :class:`~.identity.TimersAuth`
(:class:`mockglobus.auth.for_timers.AuthForTimers` in the double).
"""

from mockglobus.timers.identity import TIMERS_RS, TIMERS_SCOPE, Credential, TimersCaller
from mockglobus.timers.model import Run, Timer, TimersModel
from mockglobus.timers.schedules import Schedule, parse_schedule

__all__ = [
    "TIMERS_RS",
    "TIMERS_SCOPE",
    "Credential",
    "Run",
    "Schedule",
    "Timer",
    "TimersCaller",
    "TimersModel",
    "parse_schedule",
]
