"""How a subtask ended when it did not succeed, and the codes and words the real service
uses for it."""

from __future__ import annotations

from mockglobus.transfer.tasks import Task
from mockglobus.transfer.vfs import FsError


class Outcome(Exception):
    """Raised inside a subtask to say how it ended (when it did not succeed)."""

    def __init__(
        self,
        how: str,
        code: str,
        details: str = "",
        *,
        side: str = "source",
        path: str = "",
        is_directory: bool = False,
    ) -> None:
        super().__init__(code)
        self.how = how  # "fatal" | "retry" | "skip" | "inactive"
        self.code = code
        self.details = details
        self.side = side
        self.path = path
        self.is_directory = is_directory


def source_problem(
    task: Task, code: str, path: str, details: str, *, is_directory: bool = False
) -> Outcome:
    """A source-side failure: skipped with ``skip_source_errors`` when it is one the
    real service skips, else fatal."""
    skippable = task.options.get("skip_source_errors") and code in (
        "FILE_NOT_FOUND",
        "PERMISSION_DENIED",
        "AMBIGUOUS_PATH",
    )
    return Outcome(
        "skip" if skippable else "fatal",
        code,
        details,
        side="source",
        path=path,
        is_directory=is_directory,
    )


def fs_code(exc: FsError) -> str:
    return {
        FsError.NOT_FOUND: "FILE_NOT_FOUND",
        FsError.PERMISSION: "PERMISSION_DENIED",
        FsError.NOT_DIR: "NOT_A_DIRECTORY",
        FsError.IS_DIR: "IS_A_DIRECTORY",
        FsError.EXISTS: "FILE_EXISTS",
        FsError.INVALID_PATH: "INVALID_PATH_NAME",
        FsError.QUOTA: "QUOTA_EXCEEDED",
        FsError.NOT_EMPTY: "DIRECTORY_NOT_EMPTY",
        FsError.LOOP: "INVALID_SYMLINK",
    }.get(exc.kind, "ENDPOINT_ERROR")


def describe(code: str) -> str:
    return {
        "FILE_NOT_FOUND": "No such file or directory",
        "PERMISSION_DENIED": "Permission denied",
        "EXTERNAL_CHECKSUM_MISMATCH": "The checksum of the source does not match the "
        "external checksum",
        "QUOTA_EXCEEDED": "Quota exceeded on the destination",
        "IS_A_DIRECTORY": "The path is a directory",
        "NOT_A_DIRECTORY": "The path is not a directory",
    }.get(code, code.replace("_", " ").lower())
