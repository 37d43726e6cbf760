"""Running one subtask: the moment it acts on the virtual filesystems, and how it can fail."""

from __future__ import annotations

import fnmatch
from typing import Any

from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Mount
from mockglobus.transfer.file_access import FileAccess
from mockglobus.transfer.outcome import Outcome, fs_code, source_problem
from mockglobus.transfer.tables import Tables
from mockglobus.transfer.tasks import Op, Task, iso
from mockglobus.transfer.vfs import Dir, File, FsError, Symlink

INACTIVE_CODES = ("AUTH", "NO_CREDENTIALS")


class Subtasks:
    """Copies, mkdirs, symlinks and deletes; injected faults, quota and checksum checks.
    A task acts on collections as its submitter sees them (``file_access``)."""

    def __init__(self, tables: Tables, file_access: FileAccess) -> None:
        self.t = tables
        self.file_access = file_access

    def mount_for(self, task: Task, coll_id: str | None, side: str) -> Mount:
        """How the task's owner sees a side of it now; a fatal outcome if they cannot."""
        coll = self.t.collections.get(coll_id or "")
        if coll is None or coll.deleted:
            raise Outcome(
                "fatal", "ENDPOINT_ERROR", f"The {side} endpoint no longer exists", side=side
            )
        try:
            return self.file_access.mount(coll, task.caller, check_consent=False)
        except E.TransferError as exc:
            raise Outcome("fatal", "PERMISSION_DENIED", exc.message, side=side) from None

    def _fault_for(self, task: Task, op: Op) -> str | None:
        for fault in self.t.faults:
            if fault.exhausted:
                continue
            sides = []
            if fault.side in ("any", "source"):
                sides.append((task.source_id, op.src_text))
            if fault.side in ("any", "destination") and task.destination_id:
                sides.append((task.destination_id, op.dst_text))
            if task.type == "DELETE" and fault.side in ("any", "source"):
                sides.append((task.source_id, op.dst_text))
            for cid, text in sides:
                if (
                    cid == fault.collection_id
                    and text
                    and fnmatch.fnmatchcase(text, fault.path_glob)
                ):
                    fault.fired += 1
                    return fault.code
        return None

    def run(self, task: Task, op: Op, when: float) -> None:
        """Do subtask ``op`` now; raises :class:`Outcome` when it does not succeed."""
        for cid in task.endpoint_ids:
            coll = self.t.collections.get(cid)
            host = self.t.collections.get(coll.host_id or "") if coll and coll.is_guest else coll
            if host is not None and host.is_gcp:
                if not host.attrs.get("gcp_connected", True):
                    raise Outcome(
                        "retry",
                        "GC_NOT_CONNECTED",
                        f"Globus Connect Personal '{host.display_name}' is not connected",
                    )
                if host.attrs.get("gcp_paused"):
                    raise Outcome(
                        "retry",
                        "GC_PAUSED",
                        f"Globus Connect Personal '{host.display_name}' is paused",
                    )
        injected = self._fault_for(task, op)
        if injected in INACTIVE_CODES:
            raise Outcome("inactive", injected, "Credentials for the endpoint expired")
        if injected == "QUOTA_EXCEEDED":
            self._quota(task, op.dst_text)
        if injected not in (None, "VERIFY_CHECKSUM"):
            raise Outcome(
                "retry", injected, f"Injected fault {injected} on '{op.src_text or op.dst_text}'"
            )
        if op.kind == "delete":
            self._run_delete(task, op, when)
        elif op.kind == "mkdir":
            self._run_mkdir(task, op, when)
        elif op.kind == "symlink":
            self._run_symlink(task, op, when)
        else:
            self._run_copy(task, op, when, corrupt=injected == "VERIFY_CHECKSUM")

    def _quota(self, task: Task, path: str) -> None:
        how = "fatal" if task.options.get("fail_on_quota_errors") else "retry"
        raise Outcome(
            how, "QUOTA_EXCEEDED", f"Quota exceeded writing '{path}'", side="destination", path=path
        )

    def _dst_error(self, task: Task, exc: FsError, path: str) -> Outcome:
        if exc.kind == FsError.QUOTA:
            how = "fatal" if task.options.get("fail_on_quota_errors") else "retry"
            return Outcome(
                how,
                "QUOTA_EXCEEDED",
                f"Quota exceeded writing '{path}'",
                side="destination",
                path=path,
            )
        return Outcome(
            "fatal",
            fs_code(exc),
            f"Error on destination '{path}': {exc.kind.replace('_', ' ')}",
            side="destination",
            path=path,
        )

    def _run_delete(self, task: Task, op: Op, when: float) -> None:
        mount = self.mount_for(
            task,
            task.destination_id if op.extra else task.source_id,
            "destination" if op.extra else "source",
        )
        try:
            mount.view.remove(op.dst, mount.user, when, text=op.dst_text)
        except FsError as exc:
            if exc.kind == FsError.NOT_FOUND:
                return  # already gone: what a delete wants
            raise Outcome(
                "fatal",
                fs_code(exc),
                f"Error deleting '{op.dst_text}': {exc.kind.replace('_', ' ')}",
                path=op.dst_text,
            ) from None

    def _run_mkdir(self, task: Task, op: Op, when: float) -> None:
        dst = self.mount_for(task, task.destination_id, "destination")
        if not dst.allows(op.dst, "rw"):
            raise self._dst_error(task, FsError(FsError.PERMISSION, op.dst_text), op.dst_text)
        try:
            dst.view.makedirs(op.dst, dst.user, when)
        except FsError as exc:
            raise self._dst_error(task, exc, op.dst_text) from None

    def _run_symlink(self, task: Task, op: Op, when: float) -> None:
        dst = self.mount_for(task, task.destination_id, "destination")
        if not dst.allows(op.dst, "rw"):
            raise self._dst_error(task, FsError(FsError.PERMISSION, op.dst_text), op.dst_text)
        try:
            dst.view.makedirs(op.dst[:-1], dst.user, when)
            found = dst.view.resolve(op.dst, dst.user, follow_last=False, text=op.dst_text)
            if found.node is not None:
                dst.view.remove(op.dst, dst.user, when, text=op.dst_text)
                found = dst.view.resolve(op.dst, dst.user, follow_last=False, text=op.dst_text)
            if found.parent is None or not dst.user.may(found.parent, 3):
                raise FsError(FsError.PERMISSION, op.dst_text)
            found.parent.children[found.name] = Symlink(
                found.name, dst.user.name, dst.user.name, 0o777, when, target=op.target
            )
        except FsError as exc:
            raise self._dst_error(task, exc, op.dst_text) from None
        task.successful.append(self._success_row(task, op, None))

    def _run_copy(self, task: Task, op: Op, when: float, *, corrupt: bool) -> None:
        src = self.mount_for(task, task.source_id, "source")
        dst = self.mount_for(task, task.destination_id, "destination")
        try:
            found = src.view.lookup(op.src, src.user, text=op.src_text)
            assert found.node is not None  # lookup raises FsError for a missing path
            if not src.allows(found.parts, "r") or not src.user.may(found.node, 4):
                raise FsError(FsError.PERMISSION, op.src_text)
        except FsError as exc:
            raise source_problem(
                task,
                fs_code(exc),
                op.src_text,
                f"Error reading '{op.src_text}': {exc.kind.replace('_', ' ')}",
            ) from None
        source = found.node
        if not isinstance(source, File):
            raise Outcome(
                "fatal", "IS_A_DIRECTORY", f"'{op.src_text}' is a directory", path=op.src_text
            )
        algorithm = op.checksum_algorithm or "MD5"
        if op.external_checksum is not None:
            actual = source.checksum(algorithm)
            if actual.lower() != op.external_checksum.lower():
                raise Outcome(
                    "fatal",
                    "EXTERNAL_CHECKSUM_MISMATCH",
                    f"{algorithm} checksum of '{op.src_text}' is {actual}, but the "
                    f"external checksum given was {op.external_checksum}",
                    path=op.src_text,
                )
        if not dst.allows(op.dst, "rw"):
            raise self._dst_error(task, FsError(FsError.PERMISSION, op.dst_text), op.dst_text)
        # sync_level: is the destination already good enough?
        level = task.options.get("sync_level")
        try:
            existing = dst.view.resolve(op.dst, dst.user, text=op.dst_text).node
        except FsError:
            existing = None
        if isinstance(existing, Dir):
            raise Outcome(
                "fatal",
                "IS_A_DIRECTORY",
                f"Destination '{op.dst_text}' is a directory",
                side="destination",
                path=op.dst_text,
            )
        if level is not None and isinstance(existing, File):
            same = (
                level == 0
                or (level == 1 and existing.size == source.size)
                or (level == 2 and not source.mtime > existing.mtime)
                or (level == 3 and existing.checksum("MD5") == source.checksum("MD5"))
            )
            if level == 3:
                task.bytes_checksummed += source.size + existing.size
            if same:
                task.files_skipped += 1
                return
        data = source
        if corrupt:
            data = File(
                source.name,
                source.user,
                source.group,
                source.mode,
                source.mtime,
                size=source.size,
                content=None,
                seed=f"{source.seed}:corrupted",
            )
        try:
            dst.view.makedirs(op.dst[:-1], dst.user, when)
            written = dst.view.write_file(
                op.dst,
                data,
                dst.user,
                when,
                text=op.dst_text,
                keep_mtime=source.mtime if task.options.get("preserve_timestamp") else None,
            )
        except FsError as exc:
            raise self._dst_error(task, exc, op.dst_text) from None
        task.bytes_done += source.size
        if task.options.get("verify_checksum") and written.checksum(algorithm) != source.checksum(
            algorithm
        ):
            raise Outcome(
                "retry",
                "VERIFY_CHECKSUM",
                f"Checksum verification failed for '{op.dst_text}': source "
                f"{source.checksum(algorithm)}, destination "
                f"{written.checksum(algorithm)}",
                side="destination",
                path=op.dst_text,
            )
        task.files_transferred += 1
        task.successful.append(self._success_row(task, op, source))

    def _success_row(self, task: Task, op: Op, source: File | None) -> dict[str, Any]:
        verify = task.options.get("verify_checksum") or op.external_checksum is not None
        algorithm = op.checksum_algorithm or "MD5"
        return {
            "DATA_TYPE": "successful_transfer",
            "source_path": op.src_text,
            "destination_path": op.dst_text,
            "size": source.size if source else 0,
            "checksum": source.checksum(algorithm) if source and verify else None,
            "checksum_algorithm": algorithm if source and verify else None,
            "dynamic": False,
        }

    def record_skip(self, task: Task, op: Op, out: Outcome, when: float) -> None:
        task.faults += 1
        task.subtasks_skipped_errors += 1
        task.add_event(when, out.code, is_error=True, details=out.details)
        task.skipped.append(
            {
                "DATA_TYPE": "skipped_error",
                "error_code": out.code,
                "error_details": out.details,
                "error_time": iso(when),
                "source_path": op.src_text or out.path,
                "destination_path": op.dst_text,
                "is_directory": out.is_directory,
                "is_symlink": op.kind == "symlink",
                "is_delete_destination_extra": op.extra,
                "external_checksum": op.external_checksum,
                "checksum_algorithm": op.checksum_algorithm,
            }
        )
