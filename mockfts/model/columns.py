"""The declared lengths of the real server's string columns, and the one check on them.

fts-rest-flask's model (``model/base.py: check_string_length``) listens to every
ORM assignment of a ``String(n)`` or ``Json(n)`` column and raises
``ValueError("Length N exceeds allowed M")`` when the value (``json.dumps`` of it for
``Json``) is longer. :data:`LENGTHS` holds those declared lengths (``model/*.py``),
keyed by table then mapped attribute name; :func:`check` is that hook. Callers raise
what the real controller answers for the ``ValueError`` (``controllers/config/se.py``:
``Malformed configuration``; ``controllers/config/activities.py``: the message
itself); where the real controller lets it escape as a 500, the double answers 400
with the message (:class:`mockfts.errors.ColumnTooLong`).

``POST /jobs`` inserts its rows with SQLAlchemy Core (``controllers/jobs.py:
submit``), so the hook never fires there and only the database refuses an overlong
value. The double checks the submitted values that land in ``t_job``/``t_file``/``t_dm``
string columns anyway (:func:`mockfts.model.submission.builder.check_lengths`), as
400 ``Invalid value within the request: Length N exceeds allowed M``. Not checked:
``Json`` metadata columns, whose database type is unbounded text and whose size the
configured metadata limits already bound, and values the server derives itself.
"""

from __future__ import annotations

import json
from typing import Any

from mockfts import errors

# table -> mapped attribute -> declared length (Json columns are listed in JSON_COLUMNS)
LENGTHS: dict[str, dict[str, int]] = {
    "t_config_audit": {"dn": 1024, "config": 4000, "action": 100},
    "t_link_config": {"source": 150, "destination": 150, "symbolicname": 255},
    "t_se": {"storage": 150, "site": 45, "se_metadata": 255, "tpc_support": 10},
    "t_share_config": {"source": 150, "destination": 150, "vo": 100},
    "t_server_config": {"vo_name": 100},
    "t_stage_req": {"vo_name": 255, "host": 255, "operation": 150},
    "t_activity_share_config": {"vo": 100, "activity_share": 1024},
    "t_gridmap": {"dn": 255, "vo": 100},
    "t_bad_dns": {"dn": 256, "message": 256, "admin_dn": 1024, "status": 10},
    "t_bad_ses": {"se": 256, "message": 256, "admin_dn": 1024, "vo": 100, "status": 10},
    "t_cloudStorage": {
        "storage_name": 150,
        "app_key": 255,
        "app_secret": 255,
        "service_api_url": 1024,
    },
    "t_cloudStorageUser": {
        "user_dn": 700,
        "storage_name": 150,
        "access_token": 255,
        "access_token_secret": 255,
        "request_token": 255,
        "request_token_secret": 255,
        "vo_name": 100,
    },
    "t_credential_cache": {"dlg_id": 16, "dn": 255},
    "t_credential": {"dlg_id": 16, "dn": 255},
    "t_authz_dn": {"dn": 255, "operation": 64},
    "t_dm": {
        "job_id": 36,
        "file_state": 32,
        "dmhost": 255,
        "source_surl": 900,
        "dest_surl": 900,
        "source_se": 150,
        "dest_se": 150,
        "reason": 2048,
        "checksum": 100,
        "file_metadata": 1024,
        "activity": 255,
        "dm_token": 255,
        "vo_name": 100,
    },
    "t_file": {
        "job_id": 36,
        "dest_surl_uuid": 255,
        "vo_name": 50,
        "source_se": 255,
        "dest_se": 255,
        "file_state": 21,  # Enum: its longest value, QOS_REQUEST_SUBMITTED
        "transfer_host": 255,
        "source_surl": 1100,
        "dest_surl": 1100,
        "staging_host": 1024,
        "reason": 2048,
        "checksum": 100,
        "internal_file_params": 255,
        "file_metadata": 255,
        "staging_metadata": 255,
        "archive_metadata": 255,
        "selection_strategy": 255,
        "bringonline_token": 255,
        "log_file": 2048,
        "activity": 255,
        "src_token_id": 16,
        "dst_token_id": 16,
        "file_state_initial": 32,
    },
    "t_file_retry_errors": {"reason": 2048, "transfer_host": 255, "log_file": 2048},
    "t_job": {
        "job_id": 36,
        "source_se": 255,
        "dest_se": 255,
        "job_state": 21,  # Enum, as t_file.file_state
        "job_type": 1,
        "submit_host": 255,
        "user_dn": 1024,
        "cred_id": 100,
        "vo_name": 50,
        "reason": 2048,
        "destination_spacetoken": 255,  # DB column space_token
        "internal_job_params": 255,
        "overwrite_flag": 1,
        "source_spacetoken": 255,
        "verify_checksum": 1,  # DB column checksum_method
        "target_qos": 255,
        "job_metadata": 255,
        "os_project_id": 512,
    },
    "t_oauth2_apps": {
        "client_id": 64,
        "client_secret": 128,
        "owner": 1024,
        "name": 128,
        "description": 512,
        "website": 1024,
        "redirect_to": 4096,
    },
    "t_oauth2_codes": {"client_id": 64, "code": 128, "dlg_id": 100},
    "t_oauth2_tokens": {
        "client_id": 64,
        "dlg_id": 100,
        "access_token": 128,
        "token_type": 64,
        "refresh_token": 128,
    },
    "t_oauth2_providers": {"provider_url": 250, "provider_jwk": 1000},
    "t_optimizer": {"source_se": 150, "dest_se": 150},
    "t_optimizer_evolution": {"source_se": 150, "dest_se": 150},
    "t_hosts": {"hostname": 64, "service_name": 64},
    "t_token": {"token_id": 16},
    "t_token_provider": {"name": 255, "issuer": 1024, "client_id": 255, "client_secret": 255},
}

#: ``Json(n)`` columns: their value is measured as ``json.dumps(value)``.
JSON_COLUMNS = frozenset(
    {
        ("t_activity_share_config", "activity_share"),
        ("t_dm", "file_metadata"),
        ("t_file", "file_metadata"),
        ("t_file", "staging_metadata"),
        ("t_file", "archive_metadata"),
        ("t_job", "job_metadata"),
    }
)


def check(table: str, column: str, value: Any) -> None:
    """``check_string_length`` for one assignment: raise ``ValueError("Length N exceeds
    allowed M")`` when ``value`` is longer than ``table.column`` allows. Non-string
    values of ``String`` columns pass (the database, not the hook, sees those)."""
    limit = LENGTHS[table][column]
    if (table, column) in JSON_COLUMNS:
        value = json.dumps(value)
    if isinstance(value, str) and value and len(value) > limit:
        raise ValueError(f"Length {len(value)} exceeds allowed {limit}")


def fits(table: str, row: dict[str, Any]) -> None:
    """:func:`check` on each column of ``table`` in ``row`` (in ``row``'s order, as the
    real constructor assigns its keywords), refused as 400 ``Length N exceeds allowed
    M``; callers that answer otherwise catch :class:`~mockfts.errors.ColumnTooLong`."""
    lengths = LENGTHS[table]
    try:
        for column, value in row.items():
            if column in lengths:
                check(table, column, value)
    except ValueError as exc:
        raise errors.ColumnTooLong(detail=str(exc)) from None
