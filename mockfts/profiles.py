"""FTS3 REST generations: what changes between the server the seeds show and today's.

The seeds (EGI and CERN docs, 2013-2020) show an older REST generation: job fields
``source_space_token``/``space_token``, a boolean ``overwrite_flag``, ``job_metadata``
null when none was given, the ``spacetoken`` submission parameter, ``/snapshot``, and
deletion jobs. FTS 3.13 renamed the space-token fields (FTS-1950), 2024 servers store
overwrite letters, the server always adds ``auth_method`` to the job metadata, and
deletion submissions are refused (FTS-1763). A :class:`VersionProfile` names one
generation; every document and rule that differs reads it.

Facts not confirmed from sources (recorded so they can be corrected in one place):
the ``api`` version a 3.14 server reports (taken as 3.14.0), and whether 3.14 still
serialises ``target_qos``/``os_project_id`` (kept, as in 3.13.4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

_JOB_FIELDS_CURRENT = (
    "job_id",
    "job_state",
    "job_type",
    "source_se",
    "dest_se",
    "user_dn",
    "cred_id",
    "vo_name",
    "submit_host",
    "submit_time",
    "job_finished",
    "reason",
    "priority",
    "retry",
    "retry_delay",
    "max_time_in_queue",
    "cancel_job",
    "overwrite_flag",
    "dst_file_report",
    "verify_checksum",
    "copy_pin_lifetime",
    "bring_online",
    "archive_timeout",
    "destination_spacetoken",
    "source_spacetoken",
    "internal_job_params",
    "job_metadata",
    "target_qos",
    "os_project_id",
)

# Exactly the keys of the EGI sample job (seed 000/001, fts-rest 3.9-3.10 era).
_JOB_FIELDS_LEGACY = (
    "bring_online",
    "cancel_job",
    "copy_pin_lifetime",
    "cred_id",
    "dest_se",
    "internal_job_params",
    "job_finished",
    "job_id",
    "job_metadata",
    "job_state",
    "job_type",
    "max_time_in_queue",
    "overwrite_flag",
    "priority",
    "reason",
    "retry",
    "retry_delay",
    "source_se",
    "source_space_token",
    "space_token",
    "submit_host",
    "submit_time",
    "user_dn",
    "verify_checksum",
    "vo_name",
)

_FILE_FIELDS_CURRENT = (
    "file_id",
    "file_index",
    "job_id",
    "file_state",
    "file_state_initial",
    "source_surl",
    "dest_surl",
    "source_se",
    "dest_se",
    "vo_name",
    "priority",
    "user_filesize",
    "filesize",
    "checksum",
    "file_metadata",
    "staging_metadata",
    "archive_metadata",
    "activity",
    "scitag",
    "selection_strategy",
    "hashed_id",
    "dest_surl_uuid",
    "reason",
    "recoverable",
    "retry",
    "start_time",
    "finish_time",
    "staging_start",
    "staging_finished",
    "archive_start_time",
    "archive_finish_time",
    "transfer_host",
    "staging_host",
    "tx_duration",
    "throughput",
    "pid",
    "internal_file_params",
    "bringonline_token",
    "log_file",
    "log_debug",
    "src_token_id",
    "dst_token_id",
)

_FILE_FIELDS_LEGACY = tuple(
    f
    for f in _FILE_FIELDS_CURRENT
    if f
    not in {
        "file_state_initial",
        "staging_metadata",
        "archive_metadata",
        "scitag",
        "archive_start_time",
        "archive_finish_time",
        "src_token_id",
        "dst_token_id",
        "dest_surl_uuid",
    }
)


# What GET /config/se shows of each storage: fts-rest-flask's own attribute list in
# ``controllers/config/se.py: get_se_config``. The 3.13.4 code lists the newer columns
# and not ``eviction``; earlier code lists the first ten (which release changed it is
# not confirmed).
_SE_INFO_LEGACY = (
    "inbound_max_active",
    "inbound_max_throughput",
    "outbound_max_active",
    "outbound_max_throughput",
    "udt",
    "ipv6",
    "se_metadata",
    "site",
    "debug_level",
    "eviction",
)
_SE_INFO_CURRENT = (
    *_SE_INFO_LEGACY[:-1],
    "skip_eviction",
    "tpc_support",
    "overwrite_disk_enabled",
)


@dataclass(frozen=True)
class VersionProfile:
    name: str
    api: tuple[int, int, int]
    core: tuple[str, str, str] | None
    schema: tuple[int, int, int] | None
    job_fields: tuple[str, ...]
    file_fields: tuple[str, ...]
    # job document key for each space token (internal name -> wire name)
    spacetoken_keys: dict[str, str] = field(default_factory=dict)
    # submission parameter read as the destination space token
    destination_spacetoken_param: str = "destination_spacetoken"
    overwrite_letters: bool = True  # False: boolean overwrite_flag
    metadata_auth_method: bool = True  # server adds {"auth_method": ...} to job_metadata
    accepts_deletion: bool = False
    has_snapshot: bool = False
    unmanaged_tokens_param: bool = True  # 3.14 submission parameter
    se_info_shown: tuple[str, ...] = _SE_INFO_CURRENT  # GET /config/se's se_info keys

    def job_key(self, name: str) -> str:
        return self.spacetoken_keys.get(name, name)


CURRENT = VersionProfile(
    name="3.14",
    api=(3, 14, 0),
    core=("3", "14", "0"),
    schema=(10, 0, 1),
    job_fields=_JOB_FIELDS_CURRENT,
    file_fields=_FILE_FIELDS_CURRENT,
)

V3_13 = VersionProfile(
    name="3.13",
    api=(3, 13, 4),
    core=("3", "13", "4"),
    schema=(9, 0, 0),
    job_fields=_JOB_FIELDS_CURRENT,
    file_fields=_FILE_FIELDS_CURRENT,
    unmanaged_tokens_param=False,
)

LEGACY = VersionProfile(
    name="legacy",
    api=(3, 10, 0),
    core=("3", "10", "0"),
    schema=(6, 0, 0),
    job_fields=_JOB_FIELDS_LEGACY,
    file_fields=_FILE_FIELDS_LEGACY,
    spacetoken_keys={
        "source_spacetoken": "source_space_token",
        "destination_spacetoken": "space_token",
    },
    destination_spacetoken_param="spacetoken",
    overwrite_letters=False,
    metadata_auth_method=False,
    accepts_deletion=True,
    has_snapshot=True,
    unmanaged_tokens_param=False,
    se_info_shown=_SE_INFO_LEGACY,
)

PROFILES = {p.name: p for p in (CURRENT, V3_13, LEGACY)}


def profile(name: str | VersionProfile | None) -> VersionProfile:
    if name is None:
        return CURRENT
    if isinstance(name, VersionProfile):
        return name
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown FTS profile {name!r}; known: {', '.join(PROFILES)}") from None
