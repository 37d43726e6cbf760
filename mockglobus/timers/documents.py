"""Timers' documents: checking a timer's Transfer body, and writing timers and runs as
the service answers with them.

Two generations of names (recorded in globus-sdk ``testing/data/timer``): ``POST
/v2/timer`` answers ``{"timer": ...}`` with v2 names (``number_of_runs``, ``body``,
``schedule``, ``timer_type``), and every ``/jobs/`` read uses v1 names (``n_runs``,
``n_errors``, ``callback_url``, ``callback_body``, ``interval``, ``start``,
``stop_after``, ``results``). A v2 transfer timer reads through ``/jobs/`` with the
Transfer action provider's ``callback_url`` and its input in ``callback_body`` (the
recorded v1 job's shape: ``source_endpoint_id``, ``transfer_items``, ...).
"""

from __future__ import annotations

import copy
import uuid
from typing import TYPE_CHECKING, Any

from mockglobus.timers import errors as E
from mockglobus.timers.schedules import iso

if TYPE_CHECKING:
    from mockglobus.timers.model import Run, Timer

#: The Transfer action provider a transfer timer's runs go through, as v1 reads name it.
TRANSFER_CALLBACK_URL = "https://transfer.actions.globus.org/transfer/run"

#: What the service fills in a transfer body left out (recorded ``create_timer``).
BODY_DEFAULTS: dict[str, Any] = {
    "delete_destination_extra": False,
    "encrypt_data": False,
    "fail_on_quota_errors": False,
    "notify_on_failed": True,
    "notify_on_inactive": True,
    "notify_on_succeeded": True,
    "preserve_timestamp": False,
    "skip_source_errors": False,
    "store_base_path_info": False,
    "verify_checksum": False,
}

#: Action status of a run, from the status of its Transfer task.
_ACTION_STATUS = {"ACTIVE": "ACTIVE", "INACTIVE": "INACTIVE", "SUCCEEDED": "SUCCEEDED"}


def _uuid(value: Any, loc: tuple[str | int, ...]) -> str:
    try:
        if isinstance(value, str):
            return str(uuid.UUID(value))
    except ValueError:
        pass
    raise E.invalid(loc, "value is not a valid uuid", "type_error.uuid")


def check_transfer_body(body: Any, loc: tuple[str | int, ...]) -> dict[str, Any]:
    """A timer's Transfer ``transfer`` document, checked as far as Timers checks it
    (the rest, such as whether the collections exist, is Transfer's to say at each
    run), with the service's defaults filled in."""
    if not isinstance(body, dict):
        raise E.missing(*loc) if body is None else E.invalid(loc, "value is not a valid dict")
    if body.get("DATA_TYPE", "transfer") != "transfer":
        raise E.invalid((*loc, "DATA_TYPE"), "unexpected value; permitted: 'transfer'")
    for key in ("source_endpoint", "destination_endpoint"):
        if key not in body:
            raise E.missing(*loc, key)
        _uuid(body[key], (*loc, key))
    items = body.get("DATA")
    if items is None:
        raise E.missing(*loc, "DATA")
    if not isinstance(items, list) or not items:
        raise E.invalid((*loc, "DATA"), "ensure this value has at least 1 items")
    checked = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise E.invalid((*loc, "DATA", n), "value is not a valid dict")
        for key in ("source_path", "destination_path"):
            if not isinstance(item.get(key), str):
                raise E.missing(*loc, "DATA", n, key)
        checked.append({"DATA_TYPE": "transfer_item", **item})
    out = {"DATA_TYPE": "transfer", **copy.deepcopy(body), "DATA": checked}
    for key, value in BODY_DEFAULTS.items():
        out.setdefault(key, value)
    return dict(sorted(out.items()))


def action_input(body: dict[str, Any]) -> dict[str, Any]:
    """The Transfer action provider's input for a transfer body (v1 ``callback_body``)."""
    out: dict[str, Any] = {
        "source_endpoint_id": body["source_endpoint"],
        "destination_endpoint_id": body["destination_endpoint"],
        "transfer_items": [
            {k: v for k, v in item.items() if k != "DATA_TYPE"} for item in body["DATA"]
        ],
    }
    skip = {"DATA", "DATA_TYPE", "source_endpoint", "destination_endpoint"}
    out.update((k, v) for k, v in body.items() if k not in skip)
    return out


def activity(timer: Timer) -> dict[str, Any] | None:
    if timer.status == "inactive":
        cause = (timer.inactive_reason or {}).get("cause") or "other"
        return {"code": "paused", "reason": cause}
    if timer.next_run is not None and timer.status in ("new", "loaded"):
        return {"code": "awaiting_next_run", "next_run": iso(timer.next_run)}
    return None


def v2_timer(timer: Timer) -> dict[str, Any]:
    """``POST /v2/timer``'s ``timer`` (recorded ``create_timer``)."""
    return {
        "timer_type": "transfer",
        "job_id": timer.job_id,
        "name": timer.name,
        "status": timer.status,
        "inactive_reason": copy.deepcopy(timer.inactive_reason),
        "submitted_at": iso(timer.submitted_at),
        "last_ran_at": iso(timer.last_ran_at),
        "next_run": iso(timer.next_run),
        "number_of_runs": timer.number_of_runs,
        "number_of_errors": timer.number_of_errors,
        "schedule": timer.schedule.to_api(),
        "body": copy.deepcopy(timer.body),
    }


def v1_job(
    timer: Timer, results: list[dict[str, Any]], page_next: str | None, status: str | None = None
) -> dict[str, Any]:
    """A ``/jobs/`` document (recorded ``get_job``), with ``results`` already written."""
    schedule = timer.schedule
    return {
        "name": timer.name,
        "start": iso(schedule.start),
        "stop_after": schedule.stop_after(),
        "interval": float(schedule.interval) if schedule.interval is not None else None,
        "callback_url": TRANSFER_CALLBACK_URL,
        "callback_body": {"body": action_input(timer.body)},
        "inactive_reason": copy.deepcopy(timer.inactive_reason),
        "scope": None,
        "job_id": timer.job_id,
        "status": status or timer.status,
        "submitted_at": iso(timer.submitted_at),
        "last_ran_at": iso(timer.last_ran_at),
        "next_run": iso(timer.next_run),
        "n_runs": timer.number_of_runs,
        "n_errors": timer.number_of_errors,
        "timer_type": "transfer",
        "schedule": schedule.to_api(),
        "activity": activity(timer),
        "results": {"data": results, "page_next": page_next},
    }


def run_result(run: Run, creator_id: str, task: dict[str, Any] | None) -> dict[str, Any]:
    """One run (recorded ``get_job`` ``results.data``): the submission's HTTP status,
    its errors, and the action's status with the Transfer task as ``details``."""
    data: dict[str, Any] | None = None
    if run.task_id is not None:
        details = task or run.submitted or {}
        status = _ACTION_STATUS.get(details.get("status", "ACTIVE"), "FAILED")
        data = {
            "action_id": run.task_id,
            "completion_time": details.get("completion_time"),
            "creator_id": f"urn:globus:auth:identity:{creator_id}",
            "details": details,
            "display_status": details.get("status", "ACTIVE"),
            "label": None,
            "manage_by": [],
            "monitor_by": [],
            "release_after": "P30D",
            "start_time": iso(run.ran_at),
            "status": status,
        }
    return {
        "ran_at": iso(run.ran_at),
        "status": run.status,
        "errors": copy.deepcopy(run.errors),
        "data": data,
        "resource_id": run.task_id,
    }


__all__ = [
    "BODY_DEFAULTS",
    "TRANSFER_CALLBACK_URL",
    "action_input",
    "check_transfer_body",
    "run_result",
    "v1_job",
    "v2_timer",
]
