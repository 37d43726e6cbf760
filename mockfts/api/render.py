"""Everything the FTS3 double writes on the wire: documents, timestamps, error bodies.

Conventions of the real server (fts-rest-flask ``lib/helpers/jsonify.py``): compact
``json.dumps`` objects, lists streamed as ``[`` + items joined by ``,`` + ``]``, datetimes
``YYYY-MM-DDTHH:MM:SS`` in UTC with no zone and no fraction (the client and Rucio parse
exactly that).
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, timezone
from typing import Any

from flask import Response
from werkzeug.http import HTTP_STATUS_CODES

from mockfts import errors
from mockfts.model.identity import BASE_ID, Identity, vo_id
from mockfts.model.records import DM_FIELDS, DmEntry, File, Job, RetryEntry
from mockfts.profiles import VersionProfile

_TIME_FIELDS = frozenset(
    {
        "submit_time",
        "job_finished",
        "start_time",
        "finish_time",
        "staging_start",
        "staging_finished",
        "archive_start_time",
        "archive_finish_time",
        "datetime",
        "retry_timestamp",
        "wait_timestamp",
    }
)
_REASONS = {**HTTP_STATUS_CODES, 419: "Authentication Timeout"}
OK_MARKER = "200 Ok"
NOT_MODIFIED_MARKER = "304 Not Modified"


def timestamp(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def status_text(code: int) -> str:
    return f"{code} {_REASONS.get(code, 'Unknown')}"


def _dumps_list(items: list) -> str:
    return "[" + ",".join(json.dumps(item) for item in items) + "]"


def json_response(payload: Any, status: int = 200) -> Response:
    body = _dumps_list(payload) if isinstance(payload, list) else json.dumps(payload)
    return Response(body, status=status, mimetype="application/json")


# --- documents ------------------------------------------------------------------------


_INTERNAL_NAMES = {
    "source_space_token": "source_spacetoken",
    "space_token": "destination_spacetoken",
}


@functools.lru_cache(maxsize=64)
def _plan(
    names: tuple[str, ...], rename: tuple[tuple[str, str], ...], fields: tuple[str, ...] | None
) -> tuple[tuple[str, str, bool], ...]:
    """(wire key, attribute, is a time) for each field shown: computed once per shape."""
    wire = dict(rename)
    plan = []
    for name in names:
        key = wire.get(name, name)
        if fields is not None and key not in fields:
            continue
        plan.append((key, _INTERNAL_NAMES.get(name, name), name in _TIME_FIELDS))
    return tuple(plan)


def _document(record: object, plan: tuple[tuple[str, str, bool], ...]) -> dict:
    doc = {}
    for key, attribute, is_time in plan:
        value = getattr(record, attribute)
        doc[key] = timestamp(value) if is_time and value is not None else value
    return doc


def job_document(job: Job, profile: VersionProfile, fields: list[str] | None = None) -> dict:
    plan = _plan(
        profile.job_fields,
        tuple(profile.spacetoken_keys.items()),
        tuple(fields) if fields is not None else None,
    )
    if fields is not None:
        return _document(job, plan)
    key = (profile.name, job.revision)  # jobs are read far more often than they change
    cached = job._rendered
    if cached is None or cached[0] != key:
        cached = job._rendered = (key, _document(job, plan))
    return dict(cached[1])


def file_document(
    file: File,
    profile: VersionProfile,
    fields: list[str] | None = None,
    *,
    with_retries: bool = False,
) -> dict:
    doc = _document(
        file, _plan(profile.file_fields, (), tuple(fields) if fields is not None else None)
    )
    if with_retries:
        doc["retries"] = []  # the relationship is explicitly not loaded by the server
    return doc


def dm_document(entry: DmEntry) -> dict:
    return _document(entry, _plan(DM_FIELDS, (), None))


def retry_document(entry: RetryEntry) -> dict:
    return {
        "file_id": entry.file_id,
        "attempt": entry.attempt,
        "datetime": timestamp(entry.datetime),
        "reason": entry.reason,
        "transfer_host": entry.transfer_host,
        "log_file": entry.log_file,
    }


def whoami_document(identity: Identity) -> dict:
    doc: dict[str, Any] = {
        "user_dn": identity.user_dn,
        "dn": list(identity.dn),
        "base_id": str(BASE_ID),
        "voms_cred": list(identity.voms_cred),
        "vos": list(identity.vos),
        "vos_id": [vo_id(vo) for vo in identity.vos],
        "roles": list(identity.roles),
        "level": identity.level,
        "delegation_id": identity.delegation_id,
        "method": identity.method,
        "is_root": identity.is_root,
    }
    if identity.method == "oauth2":
        doc["oauth2_scope"] = identity.oauth2_scope
        doc["wlcg_profile"] = identity.wlcg_profile
        # Two bound methods fts-rest-flask serialises as empty objects.
        doc["get_granted_level_for_overriden"] = {}
        doc["get_granted_level_for"] = {}
    return doc


def version_document(profile: VersionProfile) -> dict:
    def triple(values):
        return (
            None if values is None else dict(zip(("major", "minor", "patch"), values, strict=True))
        )

    return {
        "delegation": {"major": 1, "minor": 0, "patch": 0},
        "api": triple(profile.api),
        "core": triple(profile.core),
        "schema": triple(profile.schema),
        "_links": {
            "curies": [{"name": "fts", "href": "https://gitlab.cern.ch/fts/fts3"}],
            "fts:whoami": {"href": "/whoami", "title": "Check user certificate"},
            "fts:joblist": {
                "href": "/jobs{?vo_name,user_dn,dlg_id,state_in}",
                "title": "List of active jobs",
                "templated": True,
            },
            "fts:job": {
                "href": "/jobs/{id}",
                "title": "Job information",
                "templated": True,
                "hints": {"allow": ["GET", "DELETE"]},
            },
            "fts:configaudit": {"href": "/config/audit", "title": "Configuration"},
            "fts:submitschema": {
                "href": "/api-docs/schema/submit",
                "title": "JSON schema of messages",
            },
            "fts:apidocs": {"href": "/api-docs/", "title": "API Documentation"},
            "fts:jobsubmit": {
                "href": "/jobs",
                "hints": {"allow": ["POST"], "representations": ["fts:submitschema"]},
            },
            "fts:optimizer": {"href": "/optimizer/", "title": "Optimizer"},
            "fts:archive": {"href": "/archive/", "title": "Archive"},
        },
    }


# --- errors -----------------------------------------------------------------------------


def job_error_entry(error: errors.FtsError) -> dict:
    return {
        "job_id": error.fields.get("job_id"),
        "http_status": status_text(error.status),
        "http_message": error.message,
    }


def error_response(error: errors.FtsError) -> Response:
    """The one place an FTS error becomes an HTTP answer, in the shape it belongs to."""
    if error.shape == "html":
        reason = _REASONS.get(error.status, "Unknown")
        page = (
            f"<!doctype html>\n<html lang=en>\n<title>{error.status} {reason}</title>\n"
            f"<h1>{reason}</h1>\n<p>{error.message}</p>\n"
        )
        return Response(page, status=error.status, mimetype="text/html")
    if error.shape == "job":
        return json_response(job_error_entry(error), error.status)
    return json_response(
        {"status": status_text(error.status), "message": error.message}, error.status
    )
