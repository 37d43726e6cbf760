"""The rows the FTS3 database holds: jobs, files (transfers) and retry log entries.

Attribute names are the ORM attribute names the REST server serialises, so rendering
is a field selection (see :mod:`mockfts.profiles`). Times are Unix seconds (floats)
from the virtual clock; the renderer formats them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class StateWatcher(Protocol):
    """Told of every change of a file's state before it is stored (the job's tally)."""

    def moved(self, file: File, old: str, new: str) -> None: ...


@dataclass(slots=True)
class RetryEntry:
    file_id: int
    attempt: int
    datetime: float
    reason: str | None
    transfer_host: str | None
    log_file: str | None


@dataclass(eq=False, slots=True)
class File:
    """A transfer. ``file_state`` is a property (below): every change tells ``watcher``."""

    # first, so it is set before __init__ stores file_state
    watcher: StateWatcher | None = field(default=None, init=False, repr=False)
    file_id: int
    file_index: int
    job_id: str
    file_state: str
    source_surl: str
    dest_surl: str
    source_se: str
    dest_se: str
    vo_name: str
    priority: int
    user_filesize: int
    checksum: str
    activity: str
    selection_strategy: str
    hashed_id: int
    file_state_initial: str = ""
    filesize: int | None = None
    file_metadata: Any = None
    staging_metadata: Any = None
    archive_metadata: Any = None
    scitag: int | None = None
    dest_surl_uuid: str | None = None
    reason: str | None = None
    recoverable: bool = False
    retry: int = 0
    start_time: float | None = None
    finish_time: float | None = None
    staging_start: float | None = None
    staging_finished: float | None = None
    archive_start_time: float | None = None
    archive_finish_time: float | None = None
    transfer_host: str | None = None
    staging_host: str | None = None
    tx_duration: float | None = None
    throughput: float | None = None
    pid: int | None = None
    internal_file_params: str | None = None
    bringonline_token: str | None = None
    log_file: str | None = None
    log_debug: int | None = None
    src_token_id: str | None = None
    dst_token_id: str | None = None
    # not serialised: bookkeeping of the engine
    retries: list[RetryEntry] | None = None  # made at the first retry
    not_before: float = 0.0  # retry delay: not scheduled before this time

    def __getstate__(self) -> tuple:
        return tuple(getattr(self, name) for name in _FILE_SLOTS)

    def __setstate__(self, state: tuple) -> None:
        _WATCHER_SLOT.__set__(self, None)
        for name, value in zip(_FILE_SLOTS[1:], state[1:], strict=True):
            setattr(self, name, value)
        _WATCHER_SLOT.__set__(self, state[0])  # last: the values above are already counted


_FILE_SLOTS: tuple[str, ...] = vars(File)["__slots__"]
_WATCHER_SLOT: Any = vars(File)["watcher"]
_STATE_SLOT: Any = vars(File)["file_state"]


def _set_file_state(file: File, value: str) -> None:
    watcher = file.watcher
    if watcher is not None:
        watcher.moved(file, _STATE_SLOT.__get__(file), value)
    _STATE_SLOT.__set__(file, value)


# Reads stay in C (the slot's own getter); writes go through the watcher.
setattr(File, "file_state", property(_STATE_SLOT.__get__, _set_file_state))  # noqa: B010


@dataclass(eq=False, slots=True)
class DmEntry:
    """A namespace operation of a deletion job (table ``t_dm``; legacy generation only)."""

    file_id: int
    job_id: str
    source_surl: str
    source_se: str
    vo_name: str
    hashed_id: int
    file_metadata: Any = None
    file_state: str = "DELETE"
    dmhost: str | None = None
    dest_surl: str | None = None
    dest_se: str | None = None
    reason: str | None = None
    checksum: str | None = None
    finish_time: float | None = None
    start_time: float | None = None
    job_finished: float | None = None
    tx_duration: float | None = None
    retry: int = 0
    user_filesize: int = 0
    activity: str = "default"
    dm_token: str | None = None
    retry_timestamp: float | None = None
    wait_timestamp: float | None = None
    wait_timeout: int | None = None


DM_FIELDS = (
    "file_id",
    "job_id",
    "file_state",
    "dmhost",
    "source_surl",
    "dest_surl",
    "source_se",
    "dest_se",
    "reason",
    "checksum",
    "finish_time",
    "start_time",
    "job_finished",
    "tx_duration",
    "retry",
    "user_filesize",
    "file_metadata",
    "activity",
    "dm_token",
    "retry_timestamp",
    "wait_timestamp",
    "wait_timeout",
    "hashed_id",
    "vo_name",
)


@dataclass(eq=False, slots=True)
class Job:
    """A job. Every change of a column bumps ``revision``, so a rendered document is
    reused until the job changes (:func:`mockfts.api.render.job_document`)."""

    # first, so it is set before __init__ stores the columns (each of which bumps it)
    revision: int = field(default=0, init=False, repr=False)
    job_id: str
    job_state: str
    job_type: str
    source_se: str | None
    dest_se: str | None
    user_dn: str
    cred_id: str | None
    vo_name: str
    submit_host: str
    submit_time: float
    priority: int
    retry: int
    retry_delay: int
    max_time_in_queue: int | None
    overwrite_flag: str | bool | None  # letters (3.14), a boolean (legacy)
    dst_file_report: bool
    verify_checksum: str
    copy_pin_lifetime: int
    bring_online: int
    archive_timeout: int
    destination_spacetoken: str
    source_spacetoken: str
    internal_job_params: str | None
    job_metadata: Any
    job_finished: float | None = None
    reason: str | None = None
    cancel_job: bool = False
    target_qos: str | None = None
    os_project_id: str | None = None
    files: list[File] = field(default_factory=list)
    dm: list[DmEntry] = field(default_factory=list)
    # not serialised
    sid: str | None = None
    timeout: int | None = None  # transfer timeout parameter (seconds)
    strict_copy: bool = False
    auth_method: str = "certificate"
    # bookkeeping, not columns: the job's tally (mockfts.model.jobstate) and its last
    # rendered document; setting them is no change of the job
    _tally: Any = field(default=None, init=False, repr=False)
    _rendered: Any = field(default=None, init=False, repr=False)

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            store = _JOB_SETTERS[name]  # the slot's own setter: cheaper than object's
        except KeyError:
            raise AttributeError(f"'Job' object has no attribute {name!r}") from None
        store(self, value)
        if name not in _NOT_REVISED:
            _SET_REVISION(self, self.revision + 1)

    @property
    def is_staging(self) -> bool:
        return (self.bring_online or -1) > 0 or (self.copy_pin_lifetime or -1) > 0


_JOB_SETTERS = {name: vars(Job)[name].__set__ for name in vars(Job)["__slots__"]}
_SET_REVISION = _JOB_SETTERS["revision"]
_NOT_REVISED = frozenset({"revision", "_tally", "_rendered"})
