"""What one transfer attempt does, decided the way FTS's transfer agent decides it.

For ``mock://`` URLs this follows ``fts_url_copy`` driving the gfal2 mock plugin (FTS3
``src/url-copy/UrlCopyProcess.cpp``): stat the source, compare checksums, check and clear
the destination, copy for the destination's ``time``, stat the destination, compare
checksums again.
Each failure gives the agent's reason ``<SCOPE> [<errno>] <message>``. Other schemes
succeed, taking the time their size needs at a plausible throughput.

Only the plan is computed here; :mod:`mockfts.model.daemon` plays it on the clock.
"""

from __future__ import annotations

import errno as E
from dataclasses import dataclass

from mockfts.model.mockurl import MockUrl, strerror
from mockfts.model.records import File, Job

MiB = 1024 * 1024

# url-copy's recoverability heuristics (src/url-copy/heuristics.cpp).
_RETRY_MARKERS = (
    "performance marker",
    "Name or service not known",
    "Connection timed out",
    "end-of-file was reached",
    "end of file occurred",
    "SRM_INTERNAL_ERROR",
    "was forcefully killed",
    "operation timeout",
)
_NO_RETRY_MARKERS = (
    "proxy expired",
    "with an error 550 File not found",
    "File exists and overwrite",
    "No such file or directory",
    "SRM_INVALID_PATH",
    "The certificate has expired",
    "The available CRL has expired",
    "SRM Authentication failed",
    "SRM_DUPLICATION_ERROR",
    "SRM_AUTHENTICATION_FAILURE",
    "SRM_NO_FREE_SPACE",
    "digest too big for rsa key",
    "Can not determine address of local host",
    "Permission denied",
    "System error in write into HDFS",
    "File exists",
    "checksum do not match",
    "CHECKSUM MISMATCH",
    "The source file is not ONLINE",
)
_NO_RETRY_SOURCE = {
    E.ENOENT,
    E.EPERM,
    E.EACCES,
    E.EISDIR,
    E.ENAMETOOLONG,
    E.E2BIG,
    E.ENOTDIR,
    E.EPROTONOSUPPORT,
}
_NO_RETRY_DESTINATION = {
    E.EPERM,
    E.EACCES,
    E.EISDIR,
    E.E2BIG,
    E.EROFS,
    E.EFAULT,
    E.ENAMETOOLONG,
    E.EPROTONOSUPPORT,
    E.EEXIST,
}


def is_recoverable(scope: str, code: int, message: str) -> bool:
    if code == E.ECANCELED:
        return False
    if any(marker in message for marker in _NO_RETRY_MARKERS):
        return False
    if code == E.ETIMEDOUT or any(marker in message for marker in _RETRY_MARKERS):
        return True
    if scope == "SOURCE" and code in _NO_RETRY_SOURCE:
        return False
    if scope == "DESTINATION" and code in _NO_RETRY_DESTINATION:
        return False
    return True


@dataclass(slots=True)
class Attempt:
    """The planned course of one attempt: how long it runs and how it ends."""

    duration: float
    filesize: int
    ok: bool
    scope: str = ""
    code: int = 0
    message: str = ""

    def row(self) -> tuple[float, int, bool, str, int, str]:
        """The fields as a plain tuple, which the garbage collector stops tracking: a
        million files copying at once hold a million planned attempts."""
        return (self.duration, self.filesize, self.ok, self.scope, self.code, self.message)

    @property
    def reason(self) -> str | None:
        return None if self.ok else f"{self.scope} [{self.code}] {self.message}"

    @property
    def recoverable(self) -> bool:
        return not self.ok and is_recoverable(self.scope, self.code, self.message)


def _fail(
    scope: str, code: int, message: str | None = None, *, after: float = 1.0, size: int = 0
) -> Attempt:
    return Attempt(after, size, False, scope, code, message or strerror(code))


def _norm_checksum(value: str, algorithm: str) -> str:
    value = value.strip().lower().lstrip("0")
    if algorithm.upper() == "ADLER32":
        value = value.zfill(8)
    return value


def _user_checksum(checksum: str) -> tuple[str, str | None]:
    algorithm, _, value = checksum.partition(":")
    return (algorithm.upper() or "ADLER32"), (value or None)


@dataclass
class TransferSettings:
    """Agent settings a deployment chooses (gfal2 mock plugin defaults, FTS defaults)."""

    mock_min_time: float = 5.0  # [MOCK PLUGIN] MIN_TRANSFER_TIME in the shipped config
    mock_max_time: float = 5.0
    throughput_mib_s: tuple[float, float] = (40.0, 400.0)  # non-mock transfers
    default_size: tuple[int, int] = (MiB, 512 * MiB)  # non-mock, size unknown


def plan_attempt(
    job: Job,
    file: File,
    *,
    last_hop: bool,
    retrying: bool,
    settings: TransferSettings,
    uniform,
    randint,
) -> Attempt:
    """Decide how the next attempt of ``file`` goes (pure but for the seeded draws)."""
    source, dest = MockUrl(file.source_surl), MockUrl(file.dest_surl)
    if not (source.is_mock or dest.is_mock):
        size = file.user_filesize or randint(*settings.default_size)
        rate = uniform(*settings.throughput_mib_s) * MiB
        return Attempt(max(1.0, round(2.0 + size / rate, 3)), size, True)

    mode = job.verify_checksum
    algorithm, user_value = _user_checksum(file.checksum)

    # 1. stat the source (skipped with strict_copy)
    size = source.int("size")
    if not job.strict_copy and source.has("errno") and source.int("errno"):
        return _fail("SOURCE", source.int("errno"))
    # 3. source checksum against the user's
    source_sum = source.raw("checksum") or ""
    if mode in ("s", "b") and user_value is not None:
        if _norm_checksum(source_sum, algorithm) != _norm_checksum(user_value, algorithm):
            return _fail(
                "SOURCE",
                E.EIO,
                f"Source and user-defined {algorithm} checksum do not "
                f"match ({source_sum} != {user_value})",
                size=size,
            )
    # 4. does the destination exist?
    exists = dest.int("access") > 0 or dest.int("exists") > 0
    if not exists and dest.has("access_errno") and dest.int("access_errno") not in (0, E.ENOENT):
        return _fail("DESTINATION", dest.int("access_errno"))
    if exists:
        flag = job.overwrite_flag
        overwrite = (
            flag in ("Y", True)
            or (flag == "R" and retrying)
            or (flag in ("M", "Q") and not last_hop)
        )
        if flag in ("D", "Q") and not (flag == "Q" and not last_hop):
            status = dest.raw("user.status") or ""
            if status in ("NEARLINE", "ONLINE_AND_NEARLINE"):
                return _fail(
                    "DESTINATION",
                    E.EEXIST,
                    "Destination file exists and is on tape "
                    "(overwrite-when-only-on-disk requested)",
                )
            if status != "ONLINE":
                return _fail(
                    "DESTINATION", E.EEXIST, f"Destination file location unknown: {status}"
                )
            overwrite = True
        if not overwrite:
            return _fail(
                "DESTINATION", E.EEXIST, "Destination file exists and overwrite is not enabled"
            )
        if dest.int("errno"):  # unlink stats first
            return _fail("DESTINATION", dest.int("errno"))
    else:
        # 4d. create the parent directory: refused under an rd_path
        refused = dest.all("rd_path")
        if refused:
            parent = dest.without_query.rsplit("/", 1)[0]
            if any(rd[: len(parent)] == parent for rd in refused):
                return _fail("DESTINATION", E.EPERM)
    # 5. copy
    if dest.has("time"):
        duration = float(dest.int("time"))
    else:
        duration = round(uniform(settings.mock_min_time, settings.mock_max_time), 3)
    timeout = job.timeout or (600 + 2 * size // MiB)
    if dest.int("transfer_errno") and duration > 0:
        return _fail("TRANSFER", dest.int("transfer_errno"), after=1.0, size=size)
    if duration > timeout:
        return _fail("TRANSFER", E.ETIMEDOUT, "Transfer canceled", after=float(timeout), size=size)
    # 6. stat the destination
    if dest.int("errno"):
        return _fail("DESTINATION", dest.int("errno"), after=duration, size=size)
    if dest.int("size_post") != size:
        return _fail(
            "DESTINATION",
            E.EINVAL,
            "Source and destination file size mismatch",
            after=duration,
            size=size,
        )
    # 7. destination checksum
    dest_sum = dest.raw("checksum") or ""
    if mode == "t" and user_value is not None:
        if _norm_checksum(dest_sum, algorithm) != _norm_checksum(user_value, algorithm):
            return _fail(
                "DESTINATION",
                E.EIO,
                f"User-defined and destination {algorithm} "
                f"checksum do not match ({user_value} != {dest_sum})",
                after=duration,
                size=size,
            )
    if mode == "b":
        if _norm_checksum(dest_sum, algorithm) != _norm_checksum(source_sum, algorithm):
            return _fail(
                "DESTINATION",
                E.EIO,
                f"Source and destination {algorithm} checksum "
                f"do not match ({source_sum} != {dest_sum})",
                after=duration,
                size=size,
            )
    return Attempt(max(duration, 0.0), size, True)
