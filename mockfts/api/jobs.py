"""Job routes: submit, list, inspect, cancel, reprioritise (reference 3.4-3.9)."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, g, request

from mockfts import errors
from mockfts.api import render
from mockfts.api.inputs import input_as_dict
from mockfts.model.identity import TRANSFER
from mockfts.model.records import Job
from mockfts.model.store import FtsState, JobFilter

blueprint = Blueprint("jobs", __name__)


def _state() -> FtsState:
    return g.fts_state


def _require(operation: str) -> None:
    if g.identity.granted(operation) is None:
        raise errors.NotEnoughPermissions()


def _job_doc(job: Job, **extra: Any) -> dict:
    return {**render.job_document(job, _state().profile), **extra}


def _csv(value: str | None) -> list[str] | None:
    return None if value is None else [part for part in value.split(",") if part]


# --- listing and submission -------------------------------------------------------------


def _time_window(text: str | None) -> float | None:
    match = re.fullmatch(r"(\d+)(?::(\d+))?", text or "")
    if not match:
        return None
    return int(match.group(1)) * 3600 + int(match.group(2) or 0) * 60


def _limit(text: str | None) -> int | None:
    try:
        limit = int(text) if text is not None else None
    except ValueError:
        return None  # non-integers are silently ignored
    if limit is not None and not 0 <= limit <= 500:
        raise errors.BadLimit()
    return limit


@blueprint.get("/jobs")
@blueprint.get("/jobs/")
def list_jobs():
    _require(TRANSFER)
    args = request.args
    state_in = _csv(args.get("state_in"))
    query = JobFilter(
        vo_name=args.get("vo_name"), user_dn=args.get("user_dn"), dlg_id=args.get("dlg_id"),
        source_se=args.get("source_se"), dest_se=args.get("dest_se"),
        state_in=tuple(state_in) if state_in is not None else None,
        limit=_limit(args.get("limit")), time_window=_time_window(args.get("time_window")),
    )
    fields = _csv(args.get("fields"))
    jobs = _state().list_jobs(g.identity, query)
    profile = _state().profile
    return render.json_response([render.job_document(job, profile, fields) for job in jobs])


@blueprint.route("/jobs", methods=["POST", "PUT"])
@blueprint.route("/jobs/", methods=["POST", "PUT"])
def submit():
    _require(TRANSFER)
    body = input_as_dict(request)
    job = _state().submit(body, g.identity)
    return render.json_response({"job_id": job.job_id})


# --- by id --------------------------------------------------------------------------


def _per_job(ids_text: str, action) -> Any:
    """Apply ``action(job) -> (entry, is_error)`` to each id with the real response rules.

    One id answers with its entry (an error entry carries its own HTTP code); several
    ids (even ``a,``) answer with a list, 207 when any entry is an error.
    """
    parts = ids_text.split(",")
    entries, failed = [], False
    status = 200
    for job_id in parts:
        if not job_id:
            continue
        try:
            job = _state().visible_job(g.identity, job_id)
            entries.append(action(job))
        except (errors.JobNotFound, errors.JobForbidden) as error:
            entries.append(render.job_error_entry(error))
            failed = True
            status = error.status
    if len(parts) == 1:
        return render.json_response(entries[0] if entries else [], status if failed else 200)
    return render.json_response(entries, 207 if failed else 200)


@blueprint.get("/jobs/<job_ids>")
def get_jobs(job_ids: str):
    file_fields = _csv(request.args.get("files"))
    profile = _state().profile

    def show(job: Job) -> dict:
        doc = _job_doc(job, http_status=render.OK_MARKER)
        if file_fields is not None:
            doc["files"] = [render.file_document(f, profile, file_fields) for f in job.files]
        return doc

    return _per_job(job_ids, show)


@blueprint.delete("/jobs/<job_ids>")
def cancel_jobs(job_ids: str):
    def cancel(job: Job) -> dict:
        if _state().cancel_job(job):
            return _job_doc(job, http_status=render.OK_MARKER, http_message=None)
        return _job_doc(job, http_status=render.NOT_MODIFIED_MARKER,
                        http_message="The job is in a terminal state")

    return _per_job(job_ids, cancel)


@blueprint.post("/jobs/<job_ids>")
def modify_jobs(job_ids: str):
    body = input_as_dict(request)
    priority = None
    params = body.get("params")
    if isinstance(params, dict) and "priority" in params:
        try:
            priority = int(params["priority"])
        except (TypeError, ValueError):
            raise errors.InvalidPriority() from None
    profile = _state().profile

    def modify(job: Job) -> dict:
        if _state().set_priority(job, priority):
            return _job_doc(job, http_status=render.OK_MARKER, http_message=None,
                            files=[render.file_document(f, profile) for f in job.files])
        return _job_doc(job, http_status=render.NOT_MODIFIED_MARKER,
                        http_message="The job is in a terminal state")

    return _per_job(job_ids, modify)


@blueprint.delete("/jobs/all")
def cancel_everything():
    if not g.identity.is_root:
        raise errors.NotRoot()
    return render.json_response(_state().cancel_all())


@blueprint.delete("/jobs/vo/<vo_name>")
def cancel_vo(vo_name: str):
    if not g.identity.is_root:
        raise errors.NotRoot()
    return render.json_response(_state().cancel_all(vo_name))


# --- sub-resources ------------------------------------------------------------------


def _visible(job_id: str) -> Job:
    try:
        return _state().visible_job(g.identity, job_id)
    except (errors.JobNotFound, errors.JobForbidden) as error:
        raise error.plain() from None


@blueprint.get("/jobs/<job_id>/files")
def job_files(job_id: str):
    job = _visible(job_id)
    profile = _state().profile
    return render.json_response(
        [render.file_document(f, profile, with_retries=True) for f in job.files]
    )


@blueprint.get("/jobs/<job_id>/files/<int:file_id>/retries")
def file_retries(job_id: str, file_id: int):
    job = _visible(job_id)
    entries = [r for f in job.files if f.file_id == file_id for r in f.retries]
    return render.json_response([render.retry_document(r) for r in entries])


@blueprint.get("/jobs/<job_id>/dm")
def job_dm(job_id: str):
    _visible(job_id)
    return render.json_response([])  # deletion entries: none since deletion jobs are refused


@blueprint.get("/jobs/<job_id>/<field>")
def job_field(job_id: str, field: str):
    job = _visible(job_id)
    doc = render.job_document(job, _state().profile)
    if field not in doc:
        raise errors.NoSuchField()
    return render.json_response(doc[field])


@blueprint.delete("/jobs/<job_id>/files/<file_ids>")
def cancel_files(job_id: str, file_ids: str):
    job = _visible(job_id)
    ids = file_ids.split(",")
    outcome = _state().cancel_files(job, ids)
    return render.json_response(outcome if len(ids) > 1 else outcome[0])
