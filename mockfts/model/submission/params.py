"""Job parameters as the real server reads them: defaults, flags, letters and limits."""

from __future__ import annotations

import json
import re
from typing import Any

from mockfts import errors
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

#: What the real server's integer columns (BIGINT) hold. It fails with a database error
#: (a 500) beyond; the double refuses, as it refuses ``int()`` failures.
INT_RANGE = (-(2**63), 2**63 - 1)


def integer(value: Any) -> int:
    """``int(value)``, as the real builder converts a parameter (its ``ValueError`` or
    ``TypeError`` is the server's 400), and within :data:`INT_RANGE`."""
    number = int(value)
    if not INT_RANGE[0] <= number <= INT_RANGE[1]:
        shown = str(value)
        raise ValueError(f"{shown if len(shown) <= 24 else shown[:20] + '...'} is out of range")
    return number


def checked_metadata(value: Any, limit: int, *, label_strings: bool, what: str) -> Any:
    if value is None:
        return None
    if isinstance(value, str) and label_strings:
        value = {"label": value}
    elif not isinstance(value, dict):
        raise errors.InvalidValue(
            detail="Metadata neither JSON nor String"
            if label_strings
            else f"{what} metadata not in JSON format"
        )
    if len(json.dumps(value)) > limit:
        raise errors.InvalidValue(
            detail=f"Job Submission Refused, metadata exceeds size limit of {limit}"
        )
    return value


def as_flag(value: Any) -> bool:
    """Whether a flag counts as set when checking combinations ("N" does not)."""
    if isinstance(value, str):
        return value.strip().lower() in ("y", "yes", "true", "1")
    return bool(value)


def seconds_in_queue(value: Any) -> int:
    """``max_time_in_queue``: an int is hours; a string may carry s/m/h/d."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, (int, float)):
        return integer(value) * 3600
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", str(value))
    if not match:
        return 0
    number, unit = integer(match.group(1)), match.group(2) or "h"
    return number * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


def verify_checksum_letter(value: Any, checksum_given: bool) -> str:
    if isinstance(value, bool):
        return "b" if value else ("t" if checksum_given else "n")
    if isinstance(value, str):
        if not value:
            raise errors.MalformedRequest(detail="string index out of range")
        return value[0]
    raise errors.MalformedRequest(detail=f"'{type(value).__name__}' object is not subscriptable")


def overwrite_flag_of(params: dict, job_type: str, profile: VersionProfile) -> str | bool | None:
    chosen = {
        name: as_flag(params[name])
        for name in (
            "overwrite",
            "overwrite_on_retry",
            "overwrite_when_only_on_disk",
            "overwrite_hop",
        )
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


def internal_params(params: dict) -> str | None:
    parts = []
    if params["nostreams"] is not None:
        parts.append(f"nostreams:{integer(params['nostreams'])}")
    if params["timeout"] is not None:
        parts.append(f"timeout:{integer(params['timeout'])}")
    if params["buffer_size"] is not None:
        parts.append(f"buffersize:{integer(params['buffer_size'])}")
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
