"""Job routes: submit, list, inspect, cancel, reprioritise.

As fts-rest-flask's ``controllers/jobs.py`` answers them.
"""

from __future__ import annotations

import re
from typing import Any

from flask import g, request

from mockcore.routes import Route
from mockfts import errors
from mockfts.api import render
from mockfts.api.inputs import input_as_dict
from mockfts.model.identity import TRANSFER
from mockfts.model.records import Job
from mockfts.model.store import FtsState, JobFilter


def require(operation: str) -> None:
    if g.identity.granted(operation) is None:
        raise errors.NotEnoughPermissions()


def _csv(value: str | None) -> list[str] | None:
    return None if value is None else [part for part in value.split(",") if part]


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


class JobsApi:
    """Handlers bound to one double's state, named as fts-rest-flask's
    ``controllers/jobs.py`` functions; :data:`ROUTES` says which URL calls which."""

    def __init__(self, state: FtsState) -> None:
        self.state = state

    def _doc(self, job: Job, **extra: Any) -> dict:
        doc = render.job_document(job, self.state.profile)
        doc.update(extra)
        return doc

    # --- listing and submission ---------------------------------------------------------

    def index(self):
        require(TRANSFER)
        args = request.args
        state_in = _csv(args.get("state_in"))
        query = JobFilter(
            vo_name=args.get("vo_name"),
            user_dn=args.get("user_dn"),
            dlg_id=args.get("dlg_id"),
            source_se=args.get("source_se"),
            dest_se=args.get("dest_se"),
            state_in=tuple(state_in) if state_in is not None else None,
            limit=_limit(args.get("limit")),
            time_window=_time_window(args.get("time_window")),
        )
        fields = _csv(args.get("fields"))
        jobs = self.state.list_jobs(g.identity, query)
        profile = self.state.profile
        return render.json_response([render.job_document(job, profile, fields) for job in jobs])

    def submit(self):
        require(TRANSFER)
        job = self.state.submit(input_as_dict(request), g.identity)
        return render.json_response({"job_id": job.job_id})

    # --- by id ----------------------------------------------------------------------

    def _per_job(self, ids_text: str, action) -> Any:
        """Apply ``action(job) -> entry`` to each id with the real response rules.

        One id answers with its entry (an error entry carries its own HTTP code);
        several ids (even ``a,``) answer with a list, 207 when any entry is an error.
        """
        parts = ids_text.split(",")
        entries, status = [], 200
        for job_id in parts:
            if not job_id:
                continue
            try:
                entries.append(action(self.state.visible_job(g.identity, job_id)))
            except (errors.JobNotFound, errors.JobForbidden) as error:
                entries.append(render.job_error_entry(error))
                status = error.status
        if len(parts) == 1:
            return render.json_response(entries[0] if entries else [], status)
        return render.json_response(entries, 207 if status != 200 else 200)

    def get(self, job_ids: str):
        file_fields = _csv(request.args.get("files"))
        profile = self.state.profile

        def show(job: Job) -> dict:
            doc = self._doc(job, http_status=render.OK_MARKER)
            if file_fields is not None:
                doc["files"] = [render.file_document(f, profile, file_fields) for f in job.files]
            return doc

        return self._per_job(job_ids, show)

    def cancel(self, job_ids: str):
        def cancel_one(job: Job) -> dict:
            if self.state.cancel_job(job):
                return self._doc(job, http_status=render.OK_MARKER, http_message=None)
            return self._doc(
                job,
                http_status=render.NOT_MODIFIED_MARKER,
                http_message="The job is in a terminal state",
            )

        return self._per_job(job_ids, cancel_one)

    def modify(self, job_ids: str):
        body = input_as_dict(request)
        priority = None
        params = body.get("params")
        if isinstance(params, dict) and "priority" in params:
            try:
                priority = int(params["priority"])
            except (TypeError, ValueError):
                raise errors.InvalidPriority() from None
        profile = self.state.profile

        def modify_one(job: Job) -> dict:
            if self.state.set_priority(job, priority):
                return self._doc(
                    job,
                    http_status=render.OK_MARKER,
                    http_message=None,
                    files=[render.file_document(f, profile) for f in job.files],
                )
            return self._doc(
                job,
                http_status=render.NOT_MODIFIED_MARKER,
                http_message="The job is in a terminal state",
            )

        return self._per_job(job_ids, modify_one)

    def cancel_all(self):
        if not g.identity.is_root:
            raise errors.NotRoot()
        return render.json_response(self.state.cancel_all())

    def cancel_all_by_vo(self, vo_name: str):
        if not g.identity.is_root:
            raise errors.NotRoot()
        return render.json_response(self.state.cancel_all(vo_name))

    # --- sub-resources --------------------------------------------------------------

    def _visible(self, job_id: str) -> Job:
        try:
            return self.state.visible_job(g.identity, job_id)
        except (errors.JobNotFound, errors.JobForbidden) as error:
            raise error.plain() from None

    def get_files(self, job_id: str):
        job = self._visible(job_id)
        profile = self.state.profile
        return render.json_response(
            [render.file_document(f, profile, with_retries=True) for f in job.files]
        )

    def get_file_retries(self, job_id: str, file_id: int):
        job = self._visible(job_id)
        entries = [r for f in job.files if f.file_id == file_id for r in f.retries or ()]
        return render.json_response([render.retry_document(r) for r in entries])

    def get_dm(self, job_id: str):
        job = self._visible(job_id)  # always [] on today's servers, which refuse deletions
        return render.json_response([render.dm_document(entry) for entry in job.dm])

    def get_field(self, job_id: str, field: str):
        doc = render.job_document(self._visible(job_id), self.state.profile)
        if field not in doc:
            raise errors.NoSuchField()
        return render.json_response(doc[field])

    def cancel_files(self, job_id: str, file_ids: str):
        job = self._visible(job_id)
        ids = file_ids.split(",")
        outcome = self.state.cancel_files(job, ids)
        return render.json_response(outcome if len(ids) > 1 else outcome[0])


# Werkzeug prefers static segments, so /jobs/all and /jobs/{id}/files win over
# /jobs/{ids} and /jobs/{id}/{field}, as on the real server.
ROUTES = [
    Route("GET", "/jobs", JobsApi.index, "jobs.index"),
    Route(("POST", "PUT"), "/jobs", JobsApi.submit, "jobs.submit"),
    Route("GET", "/jobs/<job_ids>", JobsApi.get, "jobs.get"),
    Route("DELETE", "/jobs/<job_ids>", JobsApi.cancel, "jobs.cancel"),
    Route("POST", "/jobs/<job_ids>", JobsApi.modify, "jobs.modify"),
    Route("DELETE", "/jobs/all", JobsApi.cancel_all, "jobs.cancel_all"),
    Route("DELETE", "/jobs/vo/<vo_name>", JobsApi.cancel_all_by_vo, "jobs.cancel_all_by_vo"),
    Route("GET", "/jobs/<job_id>/files", JobsApi.get_files, "jobs.get_files"),
    Route(
        "GET",
        "/jobs/<job_id>/files/<int:file_id>/retries",
        JobsApi.get_file_retries,
        "jobs.get_file_retries",
    ),
    Route("GET", "/jobs/<job_id>/dm", JobsApi.get_dm, "jobs.get_dm"),
    Route("GET", "/jobs/<job_id>/<field>", JobsApi.get_field, "jobs.get_field"),
    Route("DELETE", "/jobs/<job_id>/files/<file_ids>", JobsApi.cancel_files, "jobs.cancel_files"),
]
