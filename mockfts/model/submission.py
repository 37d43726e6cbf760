"""Turning a submission body into a job, with every check and message of the real server.

Follows fts-rest-flask's ``JobBuilder`` (reference sections 5.1-5.8). Like the real
builder it is written in plain Python over the decoded JSON and lets Python's own
errors surface as the server's generic answers: a ``TypeError`` (``"files": 48``)
becomes 400 ``Malformed request: <text>``, a missing key 400 ``Missing parameter:
'<key>'``, a failed conversion 400 ``Invalid value within the request: <text>``.

Deliberate deviations (the double never answers 500 to a client's mistake):
``"verify_checksum": ""`` and non-dict ``params`` give 400 ``Malformed request``
where the real server crashes with a 500.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse, urlunparse

import jwt

from mockfts import errors
from mockfts.model import states
from mockfts.model.identity import BASE_ID, Identity
from mockfts.model.records import DmEntry, File, Job
from mockfts.profiles import VersionProfile

# JobBuilder_utils.DEFAULT_PARAMS: applied to absent keys and to explicit nulls.
DEFAULT_PARAMS: dict[str, Any] = {
    "verify_checksum": False,
    "overwrite": False,
    "overwrite_on_retry": False,
    "overwrite_hop": False,
    "overwrite_when_only_on_disk": False,
    "reuse": None,
    "multihop": False,
    "bring_online": -1,
    "copy_pin_lifetime": -1,
    "archive_timeout": -1,
    "dst_file_report": False,
    "destination_spacetoken": "",
    "source_spacetoken": "",
    "job_metadata": None,
    "retry": 0,
    "retry_delay": 0,
    "priority": 3,
    "max_time_in_queue": 0,
    "timeout": None,
    "nostreams": None,
    "buffer_size": None,
    "strict_copy": False,
    "disable_cleanup": False,
    "ipv4": False,
    "ipv6": False,
    "s3alternate": False,
    "gridftp": "",
    "id_generator": "standard",
    "sid": None,
    "credential": None,
    "target_qos": None,
    "unmanaged_tokens": False,
}

SELECTION_STRATEGIES = frozenset({
    "orderly", "auto", "queue", "success", "throughput", "file-throughput", "pending-data",
    "waiting-time", "waiting-time-with-error", "duration",
})
OVERWRITE_DISK_SCHEMES = frozenset({"https", "davs"})


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
    # transfers queued or running from a source storage to a destination storage
    queued_between: Callable[[str, str], int] = lambda source, destination: 0
    limits: SubmissionLimits = field(default_factory=SubmissionLimits)


def storage_of(url: str) -> str:
    """``scheme://hostname`` (lower-case host, port dropped), as FTS names storages."""
    parsed = urlparse(url)
    return f"{parsed.scheme}://{(parsed.hostname or '').lower()}"


def validate_url(url: Any) -> str:
    url = url.strip()
    parsed = urlparse(url)
    shown = urlunparse(parsed)
    if not parsed.scheme:
        raise errors.InvalidValue(detail=f"Missing scheme ({shown})")
    if parsed.scheme == "file":
        raise errors.InvalidValue(detail=f"Can not transfer local files ({shown})")
    if not parsed.path or (parsed.path == "/" and not parsed.query):
        raise errors.InvalidValue(detail=f"Missing path ({shown})")
    if not parsed.hostname:
        raise errors.InvalidValue(detail=f"Missing host ({shown})")
    return url


def _metadata(value: Any, limit: int, *, label_strings: bool, what: str) -> Any:
    if value is None:
        return None
    if isinstance(value, str) and label_strings:
        value = {"label": value}
    elif not isinstance(value, dict):
        raise errors.InvalidValue(
            detail="Metadata neither JSON nor String" if label_strings
            else f"{what} metadata not in JSON format"
        )
    if len(json.dumps(value)) > limit:
        raise errors.InvalidValue(
            detail=f"Job Submission Refused, metadata exceeds size limit of {limit}"
        )
    return value


def _as_flag(value: Any) -> bool:
    """Whether a flag counts as set when checking combinations ("N" does not)."""
    if isinstance(value, str):
        return value.strip().lower() in ("y", "yes", "true", "1")
    return bool(value)


def _seconds_in_queue(value: Any) -> int:
    """``max_time_in_queue``: an int is hours; a string may carry s/m/h/d."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, (int, float)):
        return int(value) * 3600
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", str(value))
    if not match:
        return 0
    number, unit = int(match.group(1)), match.group(2) or "h"
    return number * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


def _verify_checksum_letter(value: Any, checksum_given: bool) -> str:
    if isinstance(value, bool):
        return "b" if value else ("t" if checksum_given else "n")
    if isinstance(value, str):
        if not value:
            raise errors.MalformedRequest(detail="string index out of range")
        return value[0]
    raise errors.MalformedRequest(detail=f"'{type(value).__name__}' object is not subscriptable")


def _overwrite_flag(params: dict, job_type: str, profile: VersionProfile) -> str | bool | None:
    chosen = {
        name: _as_flag(params[name])
        for name in ("overwrite", "overwrite_on_retry", "overwrite_when_only_on_disk",
                     "overwrite_hop")
    }
    set_flags = {name for name, on in chosen.items() if on}
    if len(set_flags) > 1 and set_flags != {"overwrite_hop", "overwrite_when_only_on_disk"}:
        raise errors.IncompatibleOverwrite()
    if not profile.overwrite_letters:
        return bool(params["overwrite"])
    if set_flags == {"overwrite_hop", "overwrite_when_only_on_disk"}:
        return "Q"
    if params["overwrite"]:  # a truthy string such as "N" still means Y
        return "Y"
    if chosen["overwrite_on_retry"]:
        return "R"
    if chosen["overwrite_when_only_on_disk"]:
        return "D"
    if chosen["overwrite_hop"]:
        return "M"
    return None


def _internal_params(params: dict) -> str | None:
    parts = []
    if params["nostreams"] is not None:
        parts.append(f"nostreams:{int(params['nostreams'])}")
    if params["timeout"] is not None:
        parts.append(f"timeout:{int(params['timeout'])}")
    if params["buffer_size"] is not None:
        parts.append(f"buffersize:{int(params['buffer_size'])}")
    if params["strict_copy"]:
        parts.append("strict")
    if params["disable_cleanup"]:
        parts.append("disable-cleanup")
    if params["ipv4"]:
        parts.append("ipv4")
    elif params["ipv6"]:
        parts.append("ipv6")
    if params["s3alternate"]:
        parts.append("s3alternate")
    return ",".join(parts) if parts else None


def token_id(token: str) -> str:
    return hashlib.sha1(token.encode("utf-8")).hexdigest()[:16]


def _check_transfer_token(token: str, ctx: SubmissionContext) -> None:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise errors.BadRequest("Failed to validate access-token") from None
    for claim, article in (("iss", "an"), ("exp", "an"), ("scope", "a"), ("aud", "an")):
        if claim not in claims:
            raise errors.BadRequest(f"Token does not contain {article} {claim} claim")
    if "nbf" not in claims and ctx.profile.name == "3.13":
        raise errors.BadRequest("Token does not contain a nbf claim")
    audience = claims["aud"]
    if not (audience is None or isinstance(audience, str) or (
        isinstance(audience, list) and all(isinstance(a, str) for a in audience)
    )):
        raise errors.BadRequest(
            "Token audience must be a null, string or list of strings: "
            f"actual_type={type(audience)}"
        )
    issuer = str(claims["iss"])
    issuer = issuer if issuer.endswith("/") else issuer + "/"
    if not ctx.token_issuer_known(issuer):
        raise errors.BadRequest(f"Transfer access-token has unknown issuer: issuer={issuer}")


def _entry_tokens(entry: dict, sources: list, destinations: list, identity: Identity,
                  ctx: SubmissionContext, any_tokens: bool) -> tuple[list, list]:
    if identity.method != "oauth2":
        return [None] * len(sources), [None] * len(destinations)
    if not any_tokens:  # the submit token is copied to every source and destination
        return [identity.token] * len(sources), [identity.token] * len(destinations)
    src_tokens, dst_tokens = entry.get("source_tokens"), entry.get("destination_tokens")
    if src_tokens is None or dst_tokens is None:
        raise errors.BadRequest(
            "Both source_tokens and destination_tokens are required if one of them is present."
        )
    if len(src_tokens) != len(sources):
        raise errors.BadRequest("Length of source_tokens should be equal to the length of sources.")
    if len(dst_tokens) != len(destinations):
        raise errors.BadRequest(
            "Length of destination_tokens should be equal to the length of destinations."
        )
    for url, token in zip(sources, src_tokens, strict=True):
        if not isinstance(token, str):
            raise errors.BadRequest(f"Source token is not a string: type(src_token)={type(token)}")
        if not token:
            raise errors.BadRequest(f"Token for source '{url}' is missing.")
        _check_transfer_token(token, ctx)
    for url, token in zip(destinations, dst_tokens, strict=True):
        if not isinstance(token, str):
            raise errors.BadRequest(
                f"Destination token is not a string: type(dst_token)={type(token)}"
            )
        if not token:
            raise errors.BadRequest(f"Token for destination '{url}' is missing.")
        _check_transfer_token(token, ctx)
    return list(src_tokens), list(dst_tokens)


def _scitag(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise errors.InvalidValue(
            detail=f"Invalid SciTag value: {value}. Must be an integer in the [65, 65535] range!"
        )
    if not 65 <= value <= 65535:
        raise errors.InvalidValue(detail=f"Invalid SciTag value: {value} (not in [65, 65535] range)")
    return value


def _with_activity(url: str, activity: str) -> str:
    return url + ("&" if "?" in url else "?") + f"activity={activity}"


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
    except ValueError as exc:
        raise errors.InvalidValue(detail=str(exc)) from None
    except (TypeError, AttributeError) as exc:
        raise errors.MalformedRequest(detail=str(exc)) from None


def _build(body: dict, identity: Identity, ctx: SubmissionContext) -> Job:
    profile = ctx.profile
    given = body.get("params", {})
    if given is None:
        raise errors.MalformedRequest(detail="'NoneType' object is not iterable")
    params = dict(DEFAULT_PARAMS)
    params.update({k: v for k, v in given.items() if v is not None})
    if profile.destination_spacetoken_param != "destination_spacetoken":
        params["destination_spacetoken"] = given.get(profile.destination_spacetoken_param) or ""

    job_metadata = _metadata(params["job_metadata"], ctx.limits.job_metadata,
                             label_strings=True, what="Job")
    if profile.metadata_auth_method:
        job_metadata = dict(job_metadata or {})
        job_metadata["auth_method"] = "oauth2" if identity.method == "oauth2" else "certificate"

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
        "source_tokens" in e or "destination_tokens" in e for e in entries  # None -> TypeError
    )
    if entries is None:
        raise errors.NoTransfers()

    deterministic = params["id_generator"] == "deterministic"
    if deterministic and params["sid"] is None:
        raise errors.NeedSid()
    if profile.unmanaged_tokens_param and _as_flag(params["unmanaged_tokens"]) \
            and not ctx.limits.allow_unmanaged_tokens:
        raise errors.UnmanagedTokensRefused()

    bring_online = int(params["bring_online"])
    copy_pin_lifetime = int(params["copy_pin_lifetime"])
    archive_timeout = int(params["archive_timeout"])
    staging = bring_online > 0 or copy_pin_lifetime > 0
    multihop = _as_flag(params["multihop"])
    reuse = _as_flag(params["reuse"])

    job_type = states.MULTIHOP if multihop else (
        states.SESSION_REUSE if reuse else states.REGULAR
    )
    overwrite_flag = _overwrite_flag(params, job_type, profile)
    if _as_flag(params["overwrite_when_only_on_disk"]) and archive_timeout <= 0:
        raise errors.OverwriteDiskNeedsArchive()
    if _as_flag(params["overwrite_hop"]) and not multihop and ctx.limits.overwrite_hop_validation:
        raise errors.OverwriteHopNeedsMultihop()

    if token_user:
        if bring_online > 0:
            raise errors.TapeWithTokens(what="retrieve from")
        if archive_timeout > 0:
            raise errors.TapeWithTokens(what="archive to")

    checksum_given = False
    hashed_id = ctx.random_hash()
    rows: list[dict] = []
    for index, entry in enumerate(entries):
        sources = [validate_url(u) for u in entry["sources"]]
        destinations = [validate_url(u) for u in entry["destinations"]]
        src_tokens, dst_tokens = _entry_tokens(entry, sources, destinations, identity, ctx,
                                               any_tokens)
        metadata = _metadata(entry.get("metadata"), ctx.limits.file_metadata,
                             label_strings=True, what="File")
        staging_metadata = _metadata(entry.get("staging_metadata"),
                                     ctx.limits.staging_metadata, label_strings=False,
                                     what="Staging")
        archive_metadata = _metadata(entry.get("archive_metadata"),
                                     ctx.limits.archive_metadata, label_strings=False,
                                     what="Archive")
        filesize = entry.get("filesize")
        filesize = 0 if filesize is None else int(filesize)
        checksum = entry.get("checksum")
        if checksum:
            checksum_given = True
        activity = entry.get("activity") or "default"
        for s_index, source in enumerate(sources):
            for d_index, destination in enumerate(destinations):
                if staging and source.startswith("root://"):
                    staged_source = _with_activity(source, activity)
                    if destination == source:
                        destination = staged_source
                    source = staged_source
                rows.append({
                    "file_index": index,
                    "source_surl": source,
                    "dest_surl": destination,
                    "user_filesize": filesize,
                    "checksum": checksum if checksum is not None else "ADLER32",
                    "file_metadata": metadata,
                    "staging_metadata": staging_metadata,
                    "archive_metadata": archive_metadata,
                    "activity": activity,
                    "scitag": _scitag(entry.get("scitag")),
                    "selection_strategy": entry.get("selection_strategy") or "auto",
                    "several_sources": len(sources) > 1,
                    "src_token_id": token_id(src_tokens[s_index]) if src_tokens[s_index] else None,
                    "dst_token_id": token_id(dst_tokens[d_index]) if dst_tokens[d_index] else None,
                })

    if _as_flag(params["overwrite_when_only_on_disk"]):
        allowed = OVERWRITE_DISK_SCHEMES | ({"mock"} if profile.name == "3.14" else set())
        if any(urlparse(r["dest_surl"]).scheme not in allowed for r in rows):
            raise errors.OverwriteDiskNeedsHttps()
    if not rows:
        raise errors.NoValidPairs()

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
        len({storage_of(r["source_surl"]) for r in rows}) > 1
        or len({storage_of(r["dest_surl"]) for r in rows}) > 1
    ):
        raise errors.ReuseNeedsOnePair()

    if deterministic:
        sid = params["sid"]
        vo_uuid = uuid.uuid5(BASE_ID, identity.vo or "")
        job_id = str(uuid.uuid5(vo_uuid, sid if isinstance(sid, str) else _concat(sid)))
    else:
        job_id = str(ctx.new_uuid1())

    priority = max(1, min(5, int(params["priority"])))
    in_queue = _seconds_in_queue(params["max_time_in_queue"])
    verify_letter = _verify_checksum_letter(params["verify_checksum"], checksum_given)
    initial = states.STAGING if staging else states.SUBMITTED
    shared_hash = job_type in (states.MULTIHOP, states.SESSION_REUSE, states.MULTIPLE_REPLICA) \
        or staging

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
        retry=int(params["retry"]),
        retry_delay=int(params["retry_delay"]),
        max_time_in_queue=int(ctx.now) + in_queue if in_queue > 0 else None,
        overwrite_flag=overwrite_flag,
        dst_file_report=bool(params["dst_file_report"]),
        verify_checksum=verify_letter,
        copy_pin_lifetime=copy_pin_lifetime,
        bring_online=bring_online,
        archive_timeout=archive_timeout,
        destination_spacetoken=params["destination_spacetoken"] or "",
        source_spacetoken=params["source_spacetoken"] or "",
        internal_job_params=_internal_params(params),
        job_metadata=job_metadata,
        target_qos=params["target_qos"] if profile.name == "3.13" else None,
        sid=params["sid"] if deterministic else None,
        timeout=int(params["timeout"]) if params["timeout"] is not None else None,
        strict_copy=bool(params["strict_copy"]),
        auth_method=identity.method,
    )
    for row in rows:
        several = row.pop("several_sources")
        state = initial
        if several or job_type == states.MULTIHOP:
            state = states.NOT_USED
        job.files.append(File(
            file_id=ctx.next_file_id(),
            job_id=job_id,
            file_state=state,
            source_se=storage_of(row["source_surl"]),
            dest_se=storage_of(row["dest_surl"]),
            vo_name=job.vo_name,
            priority=priority,
            hashed_id=hashed_id if shared_hash else ctx.random_hash(),
            **row,
        ))
    _activate_first(job, initial, ctx)
    _set_job_storages(job)
    return job


def _deletion_job(items: Any, params: dict, job_metadata: Any, identity: Identity,
                  ctx: SubmissionContext) -> Job:
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
        if surl in seen:
            continue
        seen.add(surl)
        entries.append(DmEntry(
            file_id=ctx.next_file_id(), job_id=job_id, source_surl=surl,
            source_se=storage_of(surl), vo_name=identity.vo or "", hashed_id=hashed_id,
            file_metadata=entry.get("metadata"),
        ))
    if not entries:
        raise errors.NoValidPairs()
    in_queue = _seconds_in_queue(params["max_time_in_queue"])
    job = Job(
        job_id=job_id, job_state=states.DELETE, job_type=None,  # type: ignore[arg-type]
        source_se=_common([e.source_se for e in entries]), dest_se=None,
        user_dn=identity.user_dn, cred_id=identity.delegation_id, vo_name=identity.vo or "",
        submit_host=ctx.submit_host, submit_time=ctx.now, priority=3,
        retry=int(params["retry"]), retry_delay=int(params["retry_delay"]),
        max_time_in_queue=int(ctx.now) + in_queue if in_queue > 0 else None,
        overwrite_flag=False if not ctx.profile.overwrite_letters else None,
        dst_file_report=False, verify_checksum=None,  # type: ignore[arg-type]
        copy_pin_lifetime=-1, bring_online=None,  # type: ignore[arg-type]
        archive_timeout=-1, destination_spacetoken=params["destination_spacetoken"] or "",
        source_spacetoken=params["source_spacetoken"] or "", internal_job_params=None,
        job_metadata=job_metadata, auth_method=identity.method,
    )
    job.dm = entries
    return job


def _concat(sid: Any) -> str:
    raise TypeError(f'can only concatenate str (not "{type(sid).__name__}") to str')


def _activate_first(job: Job, initial: str, ctx: SubmissionContext) -> None:
    """Multihop: the first hop starts. Replica jobs: the strategy's choice starts:
    ``orderly`` the first source, every other strategy the source with the fewest
    transfers queued to the destination (the double keeps no throughput history, so
    ``success``, ``throughput`` and the like rank by queue too), ties in order."""
    if job.job_type == states.MULTIHOP:
        job.files[0].file_state = initial
    elif job.job_type == states.MULTIPLE_REPLICA:
        if all(f.file_state == states.NOT_USED for f in job.files):
            chosen = job.files[0]
            if job.files[0].selection_strategy != "orderly":
                chosen = min(job.files, key=lambda f: ctx.queued_between(f.source_se, f.dest_se))
            chosen.file_state = initial


def _set_job_storages(job: Job) -> None:
    if job.job_type == states.MULTIHOP:
        job.source_se, job.dest_se = job.files[0].source_se, job.files[-1].dest_se
    else:
        job.source_se = _common([f.source_se for f in job.files])
        job.dest_se = _common([f.dest_se for f in job.files])
