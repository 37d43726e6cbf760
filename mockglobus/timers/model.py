"""The Timers service's state and rules; knows nothing about HTTP.

:class:`TimersModel` keeps each user's transfer timers and fires them on the virtual
clock: one pending scheduler event per active timer (its next run), so a server with
many timers holds a bounded number of events. A run happens at its own virtual instant
(the clock is pinned there while it runs, so its Transfer task's ``request_time`` is
the run's time even when a test advances past several runs at once).

Each run submits the timer's body to Transfer *as the timer's user*: ``auth``
(:class:`~.identity.TimersAuth`) turns the credential kept at creation into a Transfer
caller (a dependent Transfer token beneath the user's Timers consent), and the run goes
through the Transfer model's own submission (``TaskOps.get_submission_id`` for a fresh
submission id, then ``TaskOps.submit_transfer``), with every check the REST route gets,
the ``data_access`` consent of mapped collections included.

Behaviour (``globus-services`` reference §3, with choices where the service is not
documented):

* ``POST /v2/timer`` answers ``status: "new"``; the timer then reads ``"loaded"`` while it
  waits for runs (the recorded v1 document's status), ``"inactive"`` when paused by the
  user (``inactive_reason.cause == "user"``) or by a run whose credentials fell short of
  Auth's requirements (``"globus_auth_requirements"`` with the GARE as ``detail``), and
  ``"ended"`` when no run is left (a once timer ran; ``count`` runs happened; the next
  slot is after the end ``datetime``).
* Every run counts in ``number_of_runs``; a run whose submission failed counts in
  ``number_of_errors`` too (a missing consent included). Only Auth failures make a
  timer inactive; a run refused by Transfer otherwise (say an unknown collection) is
  recorded with Transfer's status and error, and the timer goes on.
* Resuming a timer whose next run passed while it was inactive runs it once at once;
  later runs keep to the schedule's slots. ``update_credentials`` (body or query) keeps
  the resuming token's credential; when absent, it is kept if the timer was made
  inactive by Auth requirements.
* ``DELETE`` answers the job document with status ``delete_in_progress`` and forgets
  the timer (later reads answer 404). Another user's timer is not found (404).
* At most ``results_kept`` runs per timer are kept, and none older than 90 days.

Not implemented: flow timers (501), creating jobs through the legacy ``POST /jobs/``
(its required fields are checked with the recorded 422, then it answers 501), and
polling a run's task for ``run_status``/``end_timestamp`` (a result shows the Transfer
task as it is when read).
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mockcore.locking import locked, settled
from mockcore.scheduler import ScheduledEvent
from mockcore.state import ServiceState
from mockglobus.timers import documents
from mockglobus.timers import errors as E
from mockglobus.timers.identity import TIMERS_SCOPE, Credential, TimersAuth, TimersCaller
from mockglobus.timers.schedules import DAY, Schedule, parse_iso, parse_schedule
from mockglobus.transfer import errors as transfer_errors
from mockglobus.transfer.access import Caller
from mockglobus.transfer.model import TransferModel

RESULTS_RETAINED_S = 90 * DAY
STATUS_FILTERS = {"active": ("new", "loaded"), "inactive": ("inactive",), "ended": ("ended",)}
ORDER_FIELDS = ("submitted_at", "name", "last_ran_at", "next_run", "start", "status")


@dataclass
class Run:
    """One run: when, the HTTP status of its submission, the task it made (and the
    task as submitted, shown if Transfer forgets it) or the errors."""

    ran_at: float
    status: int
    task_id: str | None = None
    submitted: dict[str, Any] | None = None
    errors: dict[str, Any] | None = None


@dataclass
class Timer:
    job_id: str
    owner_id: str
    owner_name: str
    name: str
    schedule: Schedule
    body: dict[str, Any]
    credential: Credential
    submitted_at: float
    results: deque[Run]
    status: str = "new"
    inactive_reason: dict[str, Any] | None = None
    next_slot: int = 0
    next_run: float | None = None
    last_ran_at: float | None = None
    number_of_runs: int = 0
    number_of_errors: int = 0
    event: ScheduledEvent | None = field(default=None, repr=False)


class TimersModel:
    """Transfer timers of every user, fired on ``state``'s clock; runs go to
    ``transfer`` as the user that ``auth`` names."""

    def __init__(
        self,
        state: ServiceState,
        auth: TimersAuth,
        transfer: TransferModel,
        *,
        results_kept: int = 1000,
    ) -> None:
        self.state = state
        self.auth = auth
        self.transfer = transfer
        self.results_kept = results_kept
        self.timers: dict[str, Timer] = {}

    @locked
    def part(self, cls: type) -> TimersModel:  # noqa: ARG002 - one part: the model
        """The part serving a route (:class:`mockglobus.binding.Binding`): the model."""
        return self

    def reset(self) -> None:
        self.timers.clear()  # their events went with the scheduler

    def now(self) -> float:
        return self.state.clock.time()

    # ------------------------------------------------------------------ the API
    @settled
    def create_timer(self, caller: TimersCaller, body: Any) -> dict[str, Any]:
        """``POST /v2/timer`` (``TimersClient.create_timer``): ``{"timer": ...}``."""
        if not isinstance(body, dict) or "timer" not in body:
            raise E.missing("body", "timer")
        doc = body["timer"]
        loc: tuple[str | int, ...] = ("body", "timer")
        if not isinstance(doc, dict):
            raise E.invalid(loc, "value is not a valid dict")
        kind = doc.get("timer_type")
        if kind == "flow":
            raise E.NotImplementedByDouble("flow timers are not implemented by this double")
        if kind != "transfer":
            raise E.invalid(
                (*loc, "timer_type"),
                "unexpected value; permitted: 'transfer', 'flow'",
                "value_error.const",
            )
        name = doc.get("name")
        if name is not None and not isinstance(name, str):
            raise E.invalid((*loc, "name"), "str type expected", "type_error.str")
        rs = doc.get("resource_server", "transfer.api.globus.org")
        if rs != "transfer.api.globus.org":
            raise E.invalid(
                (*loc, "resource_server"),
                "unexpected value; permitted: 'transfer.api.globus.org'",
                "value_error.const",
            )
        now = self.now()
        schedule = parse_schedule(doc.get("schedule"), now, (*loc, "schedule"))
        transfer_body = documents.check_transfer_body(doc.get("body"), (*loc, "body"))
        timer = Timer(
            job_id=str(self.state.ids.uuid4()),
            owner_id=caller.identity_id,
            owner_name=caller.username,
            name=name if name is not None else "",
            schedule=schedule,
            body=transfer_body,
            credential=caller.credential,
            submitted_at=now,
            results=deque(maxlen=self.results_kept),
        )
        self.timers[timer.job_id] = timer
        self._plan(timer, schedule.first_slot_from(now), now)  # a past start: from now on
        answer = {"timer": documents.v2_timer(timer)}
        timer.status = "loaded"
        return answer

    @settled
    def list_jobs(self, caller: TimersCaller, args: dict[str, str | None]) -> dict[str, Any]:
        """``GET /jobs/`` (``TimersClient.list_jobs``): the caller's timers, filtered by
        ``filter_status``, ``filter_name``, ``submitted_after``/``_before``, ordered by
        ``order`` (``"<field> [asc|desc]"``), with ``result_count`` runs each."""
        statuses: set[str] = set()
        for word in (args.get("filter_status") or "active,inactive,ended").split(","):
            word = word.strip()
            if word not in STATUS_FILTERS:
                raise E.invalid(
                    ("query", "filter_status"),
                    "value is not a valid enumeration member; permitted: "
                    "'active', 'inactive', 'ended'",
                    "type_error.enum",
                )
            statuses.update(STATUS_FILTERS[word])
        name = (args.get("filter_name") or "").lower()
        after = args.get("submitted_after")
        before = args.get("submitted_before")
        lower = parse_iso(after, ("query", "submitted_after")) if after else None
        upper = parse_iso(before, ("query", "submitted_before")) if before else None
        count = self._int_arg(args.get("result_count"), "result_count", 1)
        found = [
            t
            for t in self.timers.values()
            if t.owner_id == caller.identity_id
            and t.status in statuses
            and name in t.name.lower()
            and (lower is None or t.submitted_at >= lower)
            and (upper is None or t.submitted_at <= upper)
        ]
        key, descending = self._order(args.get("order"))
        found.sort(key=lambda t: (key(t) is None, key(t)))  # stable: ties in creation order
        if descending:
            found.reverse()
        return {"jobs": [self._job(t, 0, count) for t in found]}

    @settled
    def get_job(
        self, caller: TimersCaller, job_id: str, results_pt: str | None, page_size: str | None
    ) -> dict[str, Any]:
        """``GET /jobs/{job_id}`` (``TimersClient.get_job``); runs newest first, paged by
        ``results.page_next`` → ``?results_pt=``."""
        timer = self._own(caller, job_id)
        start = self._int_arg(results_pt, "results_pt", 0) if results_pt else 0
        size = self._int_arg(page_size, "page_size", 10)
        return self._job(timer, start, size)

    @settled
    def update_job(self, caller: TimersCaller, job_id: str, body: Any) -> dict[str, Any]:
        """``PATCH /jobs/{job_id}`` (``TimersClient.update_job``): only ``name``."""
        timer = self._own(caller, job_id)
        if not isinstance(body, dict):
            raise E.invalid(("body",), "value is not a valid dict")
        if "name" in body:
            if not isinstance(body["name"], str):
                raise E.invalid(("body", "name"), "str type expected", "type_error.str")
            timer.name = body["name"]
        return self._job(timer, 0, 10)

    @settled
    def delete_job(self, caller: TimersCaller, job_id: str) -> dict[str, Any]:
        """``DELETE /jobs/{job_id}`` (``TimersClient.delete_job``)."""
        timer = self._own(caller, job_id)
        self._cancel(timer)
        doc = self._job(timer, 0, 10, status="delete_in_progress")
        del self.timers[timer.job_id]
        return doc

    @settled
    def pause_job(self, caller: TimersCaller, job_id: str) -> dict[str, Any]:
        """``POST /jobs/{job_id}/pause`` (``TimersClient.pause_job``)."""
        timer = self._own(caller, job_id)
        if timer.status == "ended":
            raise E.Conflict(f"Cannot pause job {timer.job_id}: it has ended")
        if timer.status != "inactive":
            self._cancel(timer)
            timer.status = "inactive"
            timer.inactive_reason = {"cause": "user", "detail": None}
        return {"message": f"Successfully paused job {timer.job_id}."}

    @settled
    def resume_job(
        self, caller: TimersCaller, job_id: str, update_credentials: bool | None
    ) -> dict[str, Any]:
        """``POST /jobs/{job_id}/resume`` (``TimersClient.resume_job``)."""
        timer = self._own(caller, job_id)
        if timer.status == "ended":
            raise E.Conflict(f"Cannot resume job {timer.job_id}: it has ended")
        if timer.status == "inactive":
            cause = (timer.inactive_reason or {}).get("cause")
            if update_credentials or (
                update_credentials is None and cause == "globus_auth_requirements"
            ):
                timer.credential = caller.credential
            timer.status = "loaded"
            timer.inactive_reason = None
            now = self.now()
            if timer.next_run is not None and timer.next_run <= now:  # missed: run at once
                timer.next_run = now
                timer.event = self.state.scheduler.at(now, self._fire, timer.job_id)
            elif timer.next_run is not None:
                timer.event = self.state.scheduler.at(timer.next_run, self._fire, timer.job_id)
        return {"message": f"Successfully resumed job {timer.job_id}."}

    @settled
    def create_job(self, caller: TimersCaller, body: Any) -> dict[str, Any]:
        """``POST /jobs/`` (``TimersClient.create_job``, legacy): the required fields are
        checked as the service does (recorded ``validation_error``); creating the job is
        not implemented."""
        if not isinstance(body, dict):
            raise E.invalid(("body",), "value is not a valid dict")
        missing = [k for k in ("start", "callback_url", "callback_body") if k not in body]
        if missing:
            raise E.ValidationError(
                *((("body", k), "field required", "value_error.missing") for k in missing)
            )
        raise E.NotImplementedByDouble(
            "legacy job creation (POST /jobs/) is not implemented by this double; "
            "use POST /v2/timer (TimersClient.create_timer)"
        )

    # ------------------------------------------------------------------ runs
    def _plan(self, timer: Timer, slot: int, now: float) -> None:
        """Wait for slot ``slot`` (not before ``now``) if the schedule allows it, else end
        the timer."""
        if not timer.schedule.allows(slot, timer.number_of_runs):
            timer.next_run = None
            timer.status = "ended"
            return
        timer.next_slot = slot
        timer.next_run = max(timer.schedule.slot(slot), now)  # a once time past: now
        if timer.status != "inactive":
            timer.event = self.state.scheduler.at(timer.next_run, self._fire, timer.job_id)

    def _cancel(self, timer: Timer) -> None:
        if timer.event is not None:
            timer.event.cancel()
            timer.event = None

    def _fire(self, job_id: str, when: float) -> None:
        """A scheduler event: run the timer at ``when``, then wait for the next slot."""
        timer = self.timers.get(job_id)
        if timer is None:
            return
        timer.event = None
        with self._pinned(when):
            timer.results.appendleft(self._run(timer, when))
        self._plan(timer, timer.schedule.first_slot_after(when), when)

    @contextlib.contextmanager
    def _pinned(self, when: float) -> Iterator[None]:
        pinned = getattr(self.state.clock, "pinned", None)
        if pinned is None:
            yield
            return
        with pinned(when):
            yield

    def _run(self, timer: Timer, when: float) -> Run:
        timer.number_of_runs += 1
        timer.last_ran_at = when
        try:
            caller = self.auth.transfer_caller(timer.credential)
            task_ops = self.transfer.task_ops
            submission_id = task_ops.get_submission_id(caller)["value"]
            accepted = task_ops.submit_transfer(
                caller, {**timer.body, "submission_id": submission_id}
            )
        except E.AuthRequirements as exc:
            return self._refused(timer, when, exc)
        except transfer_errors.ConsentRequired as exc:
            scopes = exc.extra.get("required_scopes") or []
            return self._refused(
                timer,
                when,
                E.AuthRequirements([f"{TIMERS_SCOPE}[{s}]" for s in scopes], exc.message),
                status=exc.status,
            )
        except transfer_errors.TransferError as exc:
            timer.number_of_errors += 1
            return Run(when, exc.status, errors={"code": exc.code, "message": exc.message})
        task_id = accepted["task_id"]
        submitted = self.transfer.task_queries.get_task(caller, task_id)
        return Run(when, 202, task_id=task_id, submitted=submitted)

    def _refused(
        self, timer: Timer, when: float, exc: E.AuthRequirements, status: int = 401
    ) -> Run:
        timer.number_of_errors += 1
        timer.status = "inactive"
        gare = exc.gare()
        timer.inactive_reason = {"cause": "globus_auth_requirements", "detail": gare}
        return Run(when, status, errors=gare)

    # ------------------------------------------------------------------ reading
    def _own(self, caller: TimersCaller, job_id: str) -> Timer:
        timer = self.timers.get(job_id)
        if timer is None or timer.owner_id != caller.identity_id:
            raise E.NotFound(f"Job {job_id} not found")
        return timer

    def _job(self, timer: Timer, start: int, size: int, status: str | None = None) -> dict:
        oldest = self.now() - RESULTS_RETAINED_S
        while timer.results and timer.results[-1].ran_at < oldest:
            timer.results.pop()
        runs = list(timer.results)[start : start + size]
        more = start + size < len(timer.results)
        owner = Caller(timer.owner_id, timer.owner_name)
        results = [documents.run_result(r, timer.owner_id, self._task(owner, r)) for r in runs]
        return documents.v1_job(timer, results, str(start + size) if more else None, status)

    def _task(self, owner: Caller, run: Run) -> dict[str, Any] | None:
        if run.task_id is None:
            return None
        try:
            return self.transfer.task_queries.get_task(owner, run.task_id)
        except transfer_errors.TransferError:
            return None  # forgotten by Transfer: the result shows it as submitted

    @staticmethod
    def _int_arg(value: str | None, name: str, default: int) -> int:
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise E.invalid(
                ("query", name), "value is not a valid integer", "type_error.integer"
            ) from None
        if number < 0 or (name == "page_size" and number < 1):
            raise E.invalid(("query", name), "ensure this value is greater than 0")
        return number

    @staticmethod
    def _order(text: str | None) -> tuple[Any, bool]:
        words = (text or "submitted_at asc").split()
        field_name = words[0] if words else "submitted_at"
        direction = words[1].lower() if len(words) > 1 else "asc"
        if field_name not in ORDER_FIELDS or direction not in ("asc", "desc") or len(words) > 2:
            raise E.invalid(("query", "order"), f"invalid order {text!r}")
        getters = {
            "submitted_at": lambda t: t.submitted_at,
            "name": lambda t: t.name.lower(),
            "last_ran_at": lambda t: t.last_ran_at,
            "next_run": lambda t: t.next_run,
            "start": lambda t: t.schedule.start,
            "status": lambda t: t.status,
        }
        return getters[field_name], direction == "desc"


__all__ = ["Run", "Timer", "TimersModel"]
