"""Turning a submission body into a job, with every check and message of the real server.

Follows fts-rest-flask's ``JobBuilder`` (``lib/JobBuilder.py``). Like the real
builder it is written in plain Python over the decoded JSON and lets Python's own
errors surface as the server's generic answers: a ``TypeError`` (``"files": 48``)
becomes 400 ``Malformed request: <text>``, a missing key 400 ``Missing parameter:
'<key>'``, a failed conversion 400 ``Invalid value within the request: <text>``.

Deliberate deviations (the double never answers 500 to a client's mistake):
``"verify_checksum": ""`` and non-dict ``params`` give 400 ``Malformed request``
where the real server crashes with a 500; an integer parameter (or ``filesize``) beyond
a BIGINT column gives 400 ``Invalid value within the request: <n> is out of range``
(:func:`~mockfts.model.submission.params.integer`) where its database fails; and a
submitted string longer than its ``t_job``/``t_file``/``t_dm`` column
(:func:`check_lengths`) gives 400 ``Invalid value within the request: Length N exceeds
allowed M`` where the real server leaves it to its database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mockfts import errors
from mockfts.model import columns, states
from mockfts.model.identity import BASE_ID, Identity
from mockfts.model.records import DmEntry, File, Job
from mockfts.model.replicas import STRATEGIES
from mockfts.model.submission.params import (
    DEFAULT_PARAMS,
    as_flag,
    checked_metadata,
    integer,
    internal_params,
    overwrite_flag_of,
    seconds_in_queue,
    verify_checksum_letter,
)
from mockfts.model.submission.token_rules import entry_tokens, token_id
from mockfts.model.submission.urls import checked_url, storage_of, validate_url, with_activity
from mockfts.profiles import VersionProfile

SELECTION_STRATEGIES = STRATEGIES
OVERWRITE_DISK_PREFIXES = ("https://", "davs://")

#: The submitted values stored in a string column, by table. Metadata (``Json``) is
#: bounded by :class:`SubmissionLimits`; the rest is derived by the server.
SUBMITTED_COLUMNS = {
    "t_job": ("destination_spacetoken", "source_spacetoken"),
    "t_file": ("source_surl", "dest_surl", "checksum", "activity", "selection_strategy"),
}


@dataclass
class SubmissionLimits:
    """Server configuration that shapes submissions (shipped fts3restconfig values)."""

    job_metadata: int = 2048
    file_metadata: int = 4096
    staging_metadata: int = 1024
    archive_metadata: int = 1024
    allow_unmanaged_tokens: bool = False
    overwrite_hop_validation: bool = True


@dataclass
class SubmissionContext:
    now: float
    profile: VersionProfile
    submit_host: str
    next_file_id: Callable[[], int]
    new_uuid1: Callable[[], uuid.UUID]
    random_hash: Callable[[], int]
    token_issuer_known: Callable[[str], bool]
    # picks the replica that starts and sets its state (files, VO, entry state);
    # mockfts.model.replicas.ReplicaSelection.select, the first row without one
    select_replica: Callable[[list[File], str, str], File] | None = None
    limits: SubmissionLimits = field(default_factory=SubmissionLimits)


def _scitag(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise errors.InvalidValue(
            detail=f"Invalid SciTag value: {value}. Must be an integer in the [65, 65535] range!"
        )
    if not 65 <= value <= 65535:
        raise errors.InvalidValue(
            detail=f"Invalid SciTag value: {value} (not in [65, 65535] range)"
        )
    return value


def _check_disk_destinations(entries: Any, job_type: str, profile: VersionProfile) -> None:
    """``JobBuilder._validate_overwrite_disk_destination`` on the submitted entries: a
    multihop job's last entry (its final hop) only, any other job every destination,
    each by case-sensitive prefix. 3.14 also takes ``mock://`` (its test plugin)."""
    if not entries:
        return  # the real ``files_list[-1]`` crashes; the double refuses it later (400)
    prefixes = OVERWRITE_DISK_PREFIXES + (("mock://",) if profile.name == "3.14" else ())
    for entry in [entries[-1]] if job_type == states.MULTIHOP else entries:
        if not all(d.startswith(prefixes) for d in entry["destinations"]):
            raise errors.OverwriteDiskNeedsHttps()


def check_lengths(table: str, values: dict) -> None:
    """The column lengths (:mod:`mockfts.model.columns`) of the submitted values in
    ``values`` stored in ``table``. A deliberate difference: the real ``submit``
    inserts with SQLAlchemy Core, which skips the model's length hook, so the database
    alone refuses (a 500) or keeps them; the double's ``ValueError`` is a 400."""
    for column, limit, plain in _SUBMITTED[table]:
        value = values.get(column)
        if plain and value.__class__ is str and len(value) <= limit:
            continue  # the usual case, decided without a call
        if column in values:
            columns.check(table, column, values[column])


#: (column, length, whether it is a plain string column) of SUBMITTED_COLUMNS.
_SUBMITTED = {
    table: tuple(
        (column, columns.LENGTHS[table][column], (table, column) not in columns.JSON_COLUMNS)
        for column in names
    )
    for table, names in SUBMITTED_COLUMNS.items()
}


def _common(values: list[str]) -> str | None:
    return values[0] if values and all(v == values[0] for v in values) else None


def build_job(body: Any, identity: Identity, ctx: SubmissionContext) -> Job:
    """Validate ``body`` and build the job with its files, or raise the real error."""
    try:
        return _build(body, identity, ctx)
    except errors.FtsError:
        raise
    except KeyError as exc:
        raise errors.MissingParameter(name=exc.args[0]) from None
    except (ValueError, OverflowError) as exc:
        raise errors.InvalidValue(detail=str(exc)) from None
    except (TypeError, AttributeError) as exc:
        raise errors.MalformedRequest(detail=str(exc)) from None


def _job_params(body: dict, identity: Identity, ctx: SubmissionContext) -> tuple[dict, Any]:
    """The parameters with the server's defaults, and the job metadata it stores."""
    profile = ctx.profile
    given = body.get("params", {})
    if given is None:
        raise errors.MalformedRequest(detail="'NoneType' object is not iterable")
    params = dict(DEFAULT_PARAMS)
    params.update({k: v for k, v in given.items() if v is not None})
    if profile.destination_spacetoken_param != "destination_spacetoken":
        params["destination_spacetoken"] = given.get(profile.destination_spacetoken_param) or ""
    job_metadata = checked_metadata(
        params["job_metadata"], ctx.limits.job_metadata, label_strings=True, what="Job"
    )
    if profile.metadata_auth_method:
        job_metadata = dict(job_metadata or {})
        job_metadata["auth_method"] = "oauth2" if identity.method == "oauth2" else "certificate"
    return params, job_metadata


def _file_rows(
    entries: Any, identity: Identity, ctx: SubmissionContext, *, staging: bool, any_tokens: bool
) -> tuple[list[dict], bool]:
    """One row per (source, destination) of each entry; whether any checksum was given."""
    checksum_given = False
    rows: list[dict] = []
    for index, entry in enumerate(entries):
        sources = [checked_url(u) for u in entry["sources"]]  # (url, its storage)
        destinations = [checked_url(u) for u in entry["destinations"]]
        src_tokens, dst_tokens = entry_tokens(
            entry, [u for u, _ in sources], [u for u, _ in destinations], identity, ctx, any_tokens
        )
        metadata = staging_metadata = archive_metadata = None  # the usual entry: none
        if (found := entry.get("metadata")) is not None:
            metadata = checked_metadata(
                found, ctx.limits.file_metadata, label_strings=True, what="File"
            )
        if (found := entry.get("staging_metadata")) is not None:
            staging_metadata = checked_metadata(
                found, ctx.limits.staging_metadata, label_strings=False, what="Staging"
            )
        if (found := entry.get("archive_metadata")) is not None:
            archive_metadata = checked_metadata(
                found, ctx.limits.archive_metadata, label_strings=False, what="Archive"
            )
        filesize = entry.get("filesize")
        filesize = 0 if filesize is None else integer(filesize)
        checksum = entry.get("checksum")
        if checksum:
            checksum_given = True
        activity = entry.get("activity") or "default"
        # checked with the entry's first row, as the rows are built (none: not checked)
        scitag = _scitag(entry.get("scitag")) if sources and destinations else None
        strategy = entry.get("selection_strategy") or "auto"
        several_sources = len(sources) > 1
        for s_index, (source, source_se) in enumerate(sources):
            for d_index, (destination, dest_se) in enumerate(destinations):
                if staging and source.startswith("root://"):
                    staged_source = with_activity(source, activity)
                    if destination == source:
                        destination = staged_source
                    source = staged_source
                rows.append(
                    {
                        "file_index": index,
                        "source_surl": source,
                        "dest_surl": destination,
                        "source_se": source_se,
                        "dest_se": dest_se,
                        "user_filesize": filesize,
                        "checksum": checksum if checksum is not None else "ADLER32",
                        "file_metadata": metadata,
                        "staging_metadata": staging_metadata,
                        "archive_metadata": archive_metadata,
                        "activity": activity,
                        "scitag": scitag,
                        "selection_strategy": strategy,
                        "several_sources": several_sources,
                        "src_token_id": token_id(src_tokens[s_index])
                        if src_tokens[s_index]
                        else None,
                        "dst_token_id": token_id(dst_tokens[d_index])
                        if dst_tokens[d_index]
                        else None,
                    }
                )

    return rows, checksum_given


def _final_job_type(rows: list[dict], job_type: str) -> str:
    """Rows sharing an entry make a replica job; check what each job type requires."""
    indexes = [r["file_index"] for r in rows]
    if len(set(indexes)) != len(indexes):
        if job_type != states.REGULAR:
            raise errors.ReplicaWithMultihop()
        if len(set(indexes)) > 1:
            raise errors.ReplicaNeedsOneFile()
        job_type = states.MULTIPLE_REPLICA
        strategy = rows[0]["selection_strategy"]
        if strategy not in SELECTION_STRATEGIES:
            raise errors.UnknownStrategy(strategy=strategy)
    if job_type == states.SESSION_REUSE and (
        len({r["source_se"] for r in rows}) > 1 or len({r["dest_se"] for r in rows}) > 1
    ):
        raise errors.ReuseNeedsOnePair()
    return job_type


def _job_id(params: dict, identity: Identity, ctx: SubmissionContext) -> str:
    """uuid1, or uuid5(uuid5(base_id, vo), sid) for deterministic ids (``JobBuilder.__init__``)."""
    if params["id_generator"] != "deterministic":
        return str(ctx.new_uuid1())
    sid = params["sid"]
    vo_uuid = uuid.uuid5(BASE_ID, identity.vo or "")
    return str(uuid.uuid5(vo_uuid, sid if isinstance(sid, str) else _concat(sid)))


def _build(body: dict, identity: Identity, ctx: SubmissionContext) -> Job:
    profile = ctx.profile
    params, job_metadata = _job_params(body, identity, ctx)

    if body.get("delete") is not None:
        if not profile.accepts_deletion:
            raise errors.DeletionRefused()
        if body.get("files") is not None:
            raise errors.TransfersAndDeletions()
        return _deletion_job(body["delete"], params, job_metadata, identity, ctx)
    if profile.accepts_deletion and body.get("files") is None:
        raise errors.NoOperations()

    entries = body.get("files")
    token_user = identity.method == "oauth2"
    any_tokens = token_user and any(
        "source_tokens" in e or "destination_tokens" in e
        for e in entries  # type: ignore[union-attr]  # None -> TypeError, as upstream
    )
    if entries is None:
        raise errors.NoTransfers()

    deterministic = params["id_generator"] == "deterministic"
    if deterministic and params["sid"] is None:
        raise errors.NeedSid()
    if (
        profile.unmanaged_tokens_param
        and as_flag(params["unmanaged_tokens"])
        and not ctx.limits.allow_unmanaged_tokens
    ):
        raise errors.UnmanagedTokensRefused()

    bring_online = integer(params["bring_online"])
    copy_pin_lifetime = integer(params["copy_pin_lifetime"])
    archive_timeout = integer(params["archive_timeout"])
    staging = bring_online > 0 or copy_pin_lifetime > 0
    multihop = as_flag(params["multihop"])
    reuse = as_flag(params["reuse"])

    job_type = states.MULTIHOP if multihop else (states.SESSION_REUSE if reuse else states.REGULAR)
    overwrite_flag = overwrite_flag_of(params, job_type, profile)
    if as_flag(params["overwrite_when_only_on_disk"]) and archive_timeout <= 0:
        raise errors.OverwriteDiskNeedsArchive()
    if as_flag(params["overwrite_hop"]) and not multihop and ctx.limits.overwrite_hop_validation:
        raise errors.OverwriteHopNeedsMultihop()

    if token_user:
        if bring_online > 0:
            raise errors.TapeWithTokens(what="retrieve from")
        if archive_timeout > 0:
            raise errors.TapeWithTokens(what="archive to")

    if as_flag(params["overwrite_when_only_on_disk"]):
        _check_disk_destinations(entries, job_type, profile)

    hashed_id = ctx.random_hash()
    rows, checksum_given = _file_rows(
        entries, identity, ctx, staging=staging, any_tokens=any_tokens
    )
    if not rows:
        raise errors.NoValidPairs()

    job_type = _final_job_type(rows, job_type)
    job_id = _job_id(params, identity, ctx)

    priority = max(1, min(5, integer(params["priority"])))
    in_queue = seconds_in_queue(params["max_time_in_queue"])
    verify_letter = verify_checksum_letter(params["verify_checksum"], checksum_given)
    initial = states.STAGING if staging else states.SUBMITTED
    shared_hash = (
        job_type in (states.MULTIHOP, states.SESSION_REUSE, states.MULTIPLE_REPLICA) or staging
    )
    check_lengths("t_job", params)
    for row in rows:
        check_lengths("t_file", row)

    job = Job(
        job_id=job_id,
        job_state=initial,
        job_type=job_type,
        source_se=None,
        dest_se=None,
        user_dn=identity.user_dn,
        cred_id=identity.delegation_id,
        vo_name=identity.vo or "",
        submit_host=ctx.submit_host,
        submit_time=ctx.now,
        priority=priority,
        retry=integer(params["retry"]),
        retry_delay=integer(params["retry_delay"]),
        max_time_in_queue=int(ctx.now) + in_queue if in_queue > 0 else None,
        overwrite_flag=overwrite_flag,
        dst_file_report=bool(params["dst_file_report"]),
        verify_checksum=verify_letter,
        copy_pin_lifetime=copy_pin_lifetime,
        bring_online=bring_online,
        archive_timeout=archive_timeout,
        destination_spacetoken=params["destination_spacetoken"] or "",
        source_spacetoken=params["source_spacetoken"] or "",
        internal_job_params=internal_params(params),
        job_metadata=job_metadata,
        target_qos=params["target_qos"] if profile.name == "3.13" else None,
        sid=params["sid"] if deterministic else None,
        timeout=integer(params["timeout"]) if params["timeout"] is not None else None,
        strict_copy=bool(params["strict_copy"]),
        auth_method=identity.method,
    )
    for row in rows:
        several = row.pop("several_sources")
        state = initial
        if several or job_type == states.MULTIHOP:
            state = states.NOT_USED
        job.files.append(
            File(
                file_id=ctx.next_file_id(),
                job_id=job_id,
                file_state=state,
                vo_name=job.vo_name,
                priority=priority,
                hashed_id=hashed_id if shared_hash else ctx.random_hash(),
                **row,
            )
        )
    _activate_first(job, initial, ctx)
    _set_job_storages(job)
    return job


def _deletion_job(
    items: Any, params: dict, job_metadata: Any, identity: Identity, ctx: SubmissionContext
) -> Job:
    """A legacy deletion job: one namespace operation per distinct SURL, state DELETE."""
    job_id = str(ctx.new_uuid1())
    hashed_id = ctx.random_hash()
    seen: set[str] = set()
    entries: list[DmEntry] = []
    for item in items:
        if isinstance(item, dict):
            entry = item
        elif isinstance(item, str):
            entry = {"surl": item}
        else:
            raise ValueError(f"Invalid type for the deletion item ({type(item)})")
        surl = validate_url(entry["surl"])
        columns.check("t_dm", "source_surl", surl)
        if surl in seen:
            continue
        seen.add(surl)
        entries.append(
            DmEntry(
                file_id=ctx.next_file_id(),
                job_id=job_id,
                source_surl=surl,
                source_se=storage_of(surl),
                vo_name=identity.vo or "",
                hashed_id=hashed_id,
                file_metadata=entry.get("metadata"),
            )
        )
    if not entries:
        raise errors.NoValidPairs()
    in_queue = seconds_in_queue(params["max_time_in_queue"])
    job = Job(
        job_id=job_id,
        job_state=states.DELETE,
        job_type=None,  # type: ignore[arg-type]
        source_se=_common([e.source_se for e in entries]),
        dest_se=None,
        user_dn=identity.user_dn,
        cred_id=identity.delegation_id,
        vo_name=identity.vo or "",
        submit_host=ctx.submit_host,
        submit_time=ctx.now,
        priority=3,
        retry=integer(params["retry"]),
        retry_delay=integer(params["retry_delay"]),
        max_time_in_queue=int(ctx.now) + in_queue if in_queue > 0 else None,
        overwrite_flag=False if not ctx.profile.overwrite_letters else None,
        dst_file_report=False,
        verify_checksum=None,  # type: ignore[arg-type]
        copy_pin_lifetime=-1,
        bring_online=None,  # type: ignore[arg-type]
        archive_timeout=-1,
        destination_spacetoken=params["destination_spacetoken"] or "",
        source_spacetoken=params["source_spacetoken"] or "",
        internal_job_params=None,
        job_metadata=job_metadata,
        auth_method=identity.method,
    )
    job.dm = entries
    return job


def _concat(sid: Any) -> str:
    raise TypeError(f'can only concatenate str (not "{type(sid).__name__}") to str')


def _activate_first(job: Job, initial: str, ctx: SubmissionContext) -> None:
    """Multihop: the first hop starts. Replica jobs: the source the first row's
    strategy ranks best starts (``JobBuilder._apply_selection_strategy``, see
    :mod:`mockfts.model.replicas`); the other rows stay ``NOT_USED``."""
    if job.job_type == states.MULTIHOP:
        job.files[0].file_state = initial
    elif job.job_type == states.MULTIPLE_REPLICA:
        if ctx.select_replica is None:
            job.files[0].file_state = initial
        else:
            ctx.select_replica(job.files, job.vo_name, initial)


def _set_job_storages(job: Job) -> None:
    if job.job_type == states.MULTIHOP:
        job.source_se, job.dest_se = job.files[0].source_se, job.files[-1].dest_se
    else:
        job.source_se = _common([f.source_se for f in job.files])
        job.dest_se = _common([f.dest_se for f in job.files])
