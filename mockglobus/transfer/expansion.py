"""Expanding a task's items into subtasks against the source as it is when the task starts."""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from mockglobus.transfer.access import Mount
from mockglobus.transfer.file_access import FileAccess
from mockglobus.transfer.outcome import Outcome, fs_code, source_problem
from mockglobus.transfer.subtasks import Subtasks
from mockglobus.transfer.tasks import Op, Task
from mockglobus.transfer.vfs import Dir, File, FsError, Parts, Symlink

GLOB_CHARS = re.compile(r"(?<!\\)[*?\[]")


class Expansion:
    """Transfers walk source trees (filter rules, sync levels, symlink modes, extras to
    delete); deletes resolve paths and globs. Sides are seen through ``subtasks``'s
    mounts; paths are resolved by ``file_access``."""

    def __init__(self, file_access: FileAccess, subtasks: Subtasks) -> None:
        self.file_access = file_access
        self.subtasks = subtasks

    def expand(self, task: Task, when: float) -> None:
        """Turn the task's items into subtasks (``task.ops``); a fatal :class:`Outcome`
        if the source does not allow it."""
        if task.type == "DELETE":
            self._expand_delete(task)
        else:
            self._expand_transfer(task, when)

    def _expand_transfer(self, task: Task, when: float) -> None:
        src = self.subtasks.mount_for(task, task.source_id, "source")
        dst = self.subtasks.mount_for(task, task.destination_id, "destination")
        task.files = task.directories = task.symlinks = 0
        ops: list[Op] = []
        for item in task.items:
            src_text, dst_text = item["source_path"], item["destination_path"]
            sparts = self.file_access.parts(src, src_text)
            dparts = self.file_access.parts(dst, dst_text)
            try:
                if item["DATA_TYPE"] == "transfer_symlink_item":
                    found = src.view.lookup(sparts, src.user, follow_last=False, text=src_text)
                    if not isinstance(found.node, Symlink):
                        raise Outcome(
                            "fatal",
                            "NOT_A_SYMLINK",
                            f"'{src_text}' is not a symlink",
                            path=src_text,
                        )
                    ops.append(
                        Op("symlink", sparts, dparts, src_text, dst_text, target=found.node.target)
                    )
                    task.symlinks += 1
                    continue
                found = src.view.lookup(sparts, src.user, text=src_text)
                if not src.allows(found.parts, "r"):
                    raise FsError(FsError.PERMISSION, src_text)
            except FsError as exc:
                out = source_problem(
                    task,
                    fs_code(exc),
                    src_text,
                    f"Error on source '{src_text}': {exc.kind.replace('_', ' ')}",
                    is_directory=bool(item.get("recursive")),
                )
                if out.how == "fatal":
                    raise out from None
                if item.get("recursive"):
                    task.directories += 1
                else:
                    task.files += 1
                self.subtasks.record_skip(
                    task, Op("copy", sparts, dparts, src_text, dst_text), out, when
                )
                continue
            if item.get("recursive"):
                if not isinstance(found.node, Dir):
                    raise Outcome(
                        "fatal",
                        "NOT_A_DIRECTORY",
                        f"'{src_text}' is not a directory; recursive items must name directories",
                        path=src_text,
                    )
                self._walk(
                    task,
                    src,
                    dst,
                    found.node,
                    found.parts,
                    dparts,
                    _slash(src_text),
                    _slash(dst_text),
                    ops,
                    when,
                    depth=0,
                )
            else:
                if isinstance(found.node, Dir):
                    raise Outcome(
                        "fatal",
                        "IS_A_DIRECTORY",
                        f"'{src_text}' is a directory; set recursive to transfer directories",
                        path=src_text,
                    )
                assert isinstance(found.node, File)
                task.files += 1
                ops.append(
                    Op(
                        "copy",
                        found.parts,
                        dparts,
                        src_text,
                        dst_text,
                        size=found.node.size,
                        external_checksum=item.get("external_checksum"),
                        checksum_algorithm=item.get("checksum_algorithm"),
                    )
                )
        task.ops = ops
        task.subtasks_total = (
            1 + task.files + task.directories + task.symlinks + sum(1 for op in ops if op.extra)
        )
        task.subtasks_succeeded += 1  # the expansion itself

    def _filtered_out(self, task: Task, name: str, kind: str) -> bool:
        for rule in task.options.get("filter_rules") or []:
            if rule["type"] not in (None, kind):
                continue
            if fnmatch.fnmatchcase(name, rule["name"]):
                return rule["method"] == "exclude"
        return False

    def _walk(
        self,
        task: Task,
        src: Mount,
        dst: Mount,
        node: Dir,
        sparts: Parts,
        dparts: Parts,
        stext: str,
        dtext: str,
        ops: list[Op],
        when: float,
        depth: int,
    ) -> None:
        task.directories += 1
        ops.append(Op("mkdir", sparts, dparts, stext, dtext))
        if depth > 64 or not src.user.may(node, 5) or not src.allows(sparts, "r"):
            out = source_problem(
                task,
                "PERMISSION_DENIED",
                stext,
                f"Cannot list source directory '{stext}'",
                is_directory=True,
            )
            if out.how == "fatal":
                raise out
            self.subtasks.record_skip(task, Op("mkdir", sparts, dparts, stext, dtext), out, when)
            return
        seen: set[str] = set()
        for name in sorted(node.children):
            child = node.children[name]
            cs, cd = sparts + (name,), dparts + (name,)
            st, dt = stext + name, dtext + name
            if isinstance(child, Symlink):
                mode = task.options.get("recursive_symlinks", "ignore")
                if mode == "ignore":
                    continue
                if mode == "keep":
                    if self._filtered_out(task, name, "file"):
                        continue
                    task.symlinks += 1
                    seen.add(name)
                    ops.append(Op("symlink", cs, cd, st, dt, target=child.target))
                    continue
                target = src.view.link_target_parts(sparts, child)
                resolved = None
                if target is not None:
                    try:
                        resolved = src.view.lookup(target, src.user).node
                    except FsError:
                        resolved = None
                if resolved is None:
                    continue
                child = resolved
            if isinstance(child, Dir):
                if self._filtered_out(task, name, "dir"):
                    continue
                seen.add(name)
                self._walk(task, src, dst, child, cs, cd, st + "/", dt + "/", ops, when, depth + 1)
            elif isinstance(child, File):
                if self._filtered_out(task, name, "file"):
                    continue
                seen.add(name)
                task.files += 1
                ops.append(Op("copy", cs, cd, st, dt, size=child.size))
        if task.options.get("delete_destination_extra"):
            self._plan_extras(task, dst, dparts, dtext, seen, ops)

    def _plan_extras(
        self, task: Task, dst: Mount, dparts: Parts, dtext: str, keep: set[str], ops: list[Op]
    ) -> None:
        try:
            found = dst.view.lookup(dparts, dst.user, text=dtext)
        except FsError:
            return
        if not isinstance(found.node, Dir):
            return
        for name in sorted(found.node.children):
            if name in keep:
                continue
            self._plan_delete_tree(
                found.node.children[name], found.parts + (name,), dtext + name, ops, extra=True
            )

    def _plan_delete_tree(
        self,
        node: Any,
        parts: Parts,
        text: str,
        ops: list[Op],
        *,
        extra: bool = False,
        task: Task | None = None,
    ) -> None:
        if isinstance(node, Dir):
            for name in sorted(node.children):
                self._plan_delete_tree(
                    node.children[name],
                    parts + (name,),
                    f"{text}/{name}",
                    ops,
                    extra=extra,
                    task=task,
                )
            if task is not None:
                task.directories += 1
        elif task is not None:
            if isinstance(node, Symlink):
                task.symlinks += 1
            else:
                task.files += 1
        ops.append(Op("delete", (), parts, "", text, extra=extra))

    def _expand_delete(self, task: Task) -> None:
        mount = self.subtasks.mount_for(task, task.source_id, "source")
        opts = task.options
        task.files = task.directories = task.symlinks = 0
        ops: list[Op] = []
        for item in task.items:
            text = item["path"]
            for parts, shown in self._delete_targets(mount, text, opts["interpret_globs"]):
                try:
                    found = mount.view.lookup(parts, mount.user, follow_last=False, text=shown)
                    if not mount.allows(found.parts, "rw"):
                        raise FsError(FsError.PERMISSION, shown)
                except FsError as exc:
                    if exc.kind == FsError.NOT_FOUND and opts["ignore_missing"]:
                        continue
                    raise Outcome(
                        "fatal",
                        fs_code(exc),
                        f"Error deleting '{shown}': {exc.kind.replace('_', ' ')}",
                        path=shown,
                    ) from None
                if isinstance(found.node, Dir) and not opts["recursive"]:
                    raise Outcome(
                        "fatal",
                        "IS_A_DIRECTORY",
                        f"'{shown}' is a directory; set recursive to delete it",
                        path=shown,
                    )
                self._plan_delete_tree(
                    found.node, found.parts, shown.rstrip("/") or "/", ops, task=task
                )
        task.ops = ops
        task.subtasks_total = task.files + task.directories + task.symlinks

    def _delete_targets(self, mount: Mount, text: str, globs: bool) -> list[tuple[Parts, str]]:
        parts = self.file_access.parts(mount, text)
        if not globs or not parts:
            return [(parts, text)]
        last = text.rstrip("/").rsplit("/", 1)[-1]
        if not GLOB_CHARS.search(last):
            unescaped = re.sub(r"\\(.)", r"\1", text)
            return [(self.file_access.parts(mount, unescaped), unescaped)]
        parent_parts = parts[:-1]
        prefix = text.rstrip("/")[: -len(last)]
        try:
            parent = mount.view.lookup(parent_parts, mount.user, text=prefix or "/")
        except FsError:
            return [(parts, text)]
        if not isinstance(parent.node, Dir):
            return [(parts, text)]
        pattern = re.sub(r"\\(.)", r"[\1]", last)
        names = sorted(n for n in parent.node.children if fnmatch.fnmatchcase(n, pattern))
        if not names:
            return [(parts, text)]  # nothing matched: reported as missing
        return [(parent.parts + (n,), prefix + n) for n in names]


def _slash(text: str) -> str:
    return text if text.endswith("/") else text + "/"
