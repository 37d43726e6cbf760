"""The synchronous file operations: ls, stat, mkdir and rename."""

from __future__ import annotations

import bisect
from typing import Any

from mockcore.locking import settled
from mockcore.state import ServiceState
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller, Mount
from mockglobus.transfer.base import Lookups, object_body, result
from mockglobus.transfer.file_access import FileAccess
from mockglobus.transfer.query import (
    StringMatch,
    TimeRange,
    bool_param,
    int_param,
    parse_orderby,
    parse_time,
    sort_by,
    split_clauses,
)
from mockglobus.transfer.vfs import Children, FsError, Parts, join

LS_FIELDS = ("group", "last_modified", "name", "permissions", "size", "type", "user")
LS_FILTER_FIELDS = ("name", "type", "size", "last_modified", "permissions", "user", "group")


class FileOps:
    """Each runs at once against the virtual filesystem, as the caller's local user;
    ``file_access`` mounts collections and words the endpoint's errors."""

    def __init__(self, state: ServiceState, lookups: Lookups, file_access: FileAccess) -> None:
        self.state = state
        self.lookups = lookups
        self.file_access = file_access

    @settled
    def operation_ls(
        self,
        caller: Caller,
        endpoint_id: str,
        *,
        path: str | None = None,
        show_hidden: str | None = None,
        orderby: str | None = None,
        limit: str | None = None,
        offset: str | None = None,
        filters: list[str] | None = None,
    ) -> dict[str, Any]:
        mount = self.file_access.file_op_prelude(caller, endpoint_id, "pause_ls", "ls")
        hidden = bool_param(show_hidden, "show_hidden", default=True)
        order = parse_orderby(orderby, LS_FIELDS) or [("name", False)]
        lim = int_param(limit, "limit", default=100_000, maximum=100_000)
        off = int_param(offset, "offset", default=0, maximum=100_000)
        predicates = [self._ls_predicate(f) for f in (filters or []) if f]
        requested = (
            path
            if path not in (None, "")
            else (mount.collection.attrs.get("default_directory") or "/~/")
        )
        parts = self.file_access.parts(mount, requested)
        found = self.file_access.lookup(mount, parts, requested, "ls")
        if found.node is None or found.node.kind != "dir":
            raise self.file_access.fs_error(
                FsError(FsError.NOT_DIR, requested), mount, "ls", requested
            )
        self.file_access.gate(mount, found.parts, "r", "ls", requested)
        if not mount.user.may(found.node, 5):
            raise self.file_access.fs_error(
                FsError(FsError.PERMISSION, requested), mount, "ls", requested
            )
        children = found.node.children
        if not predicates and order in ([("name", False)], [("name", True)]):
            total, names = _name_page(children, hidden, order[0][1], off, lim)
            page = [
                mount.view.file_doc(name, children[name], found.parts, mount.user) for name in names
            ]
            return self._ls_document(mount, requested, parts, found.parts, page, total)
        docs = []
        for name, child in children.items():
            if not hidden and name.startswith("."):
                continue
            doc = mount.view.file_doc(name, child, found.parts, mount.user)
            if predicates and not any(p(doc) for p in predicates):
                continue
            docs.append(doc)
        docs = sort_by(docs, order, lambda d, k: d[k])
        total = len(docs)
        return self._ls_document(mount, requested, parts, found.parts, docs[off : off + lim], total)

    def _ls_document(
        self,
        mount: Mount,
        requested: str,
        parts: Parts,
        found_parts: Parts,
        page: list[dict[str, Any]],
        total: int,
    ) -> dict[str, Any]:
        return {
            "DATA_TYPE": "file_list",
            "DATA": page,
            "endpoint": mount.collection.id,
            "path": self._shown_path(requested, parts, mount),
            "absolute_path": join(found_parts, trailing=True) if found_parts else "/",
            "rename_supported": True,
            "symlink_supported": False,
            "length": len(page),
            "total": total,
        }

    @staticmethod
    def _shown_path(requested: str, parts: Parts, mount: Mount) -> str:
        home_relative = requested in ("~", "/~") or requested.startswith(("/~/", "~/"))
        if home_relative and parts[: len(mount.home)] == mount.home:
            rest = parts[len(mount.home) :]
            return "/~/" + "".join(p + "/" for p in rest)
        return join(parts, trailing=True) if parts else "/"

    def _ls_predicate(self, text: str):
        clauses = split_clauses(text, LS_FILTER_FIELDS)
        checks = []
        for key, value in clauses.items():
            if key == "type":
                kinds = set(value.split(","))
                checks.append(lambda d, k=kinds: d["type"] in k)
            elif key in ("name", "user", "group", "permissions"):
                match = StringMatch.parse(value)
                checks.append(lambda d, m=match, f=key: m(d[f]))  # type: ignore[misc]
            elif key == "last_modified":
                rng = TimeRange.parse(value, key)
                checks.append(lambda d, r=rng: r(parse_time(d["last_modified"])))
            elif key == "size":
                low, _, high = value.partition(",")
                try:
                    lo = int(low) if low else None
                    hi = int(high) if high else (lo if "," not in value else None)
                except ValueError:
                    raise E.BadRequest(f"Invalid filter 'size:{value}'") from None
                checks.append(
                    lambda d, a=lo, b=hi: (
                        (a is None or d["size"] >= a)  # type: ignore[misc]
                        and (b is None or d["size"] <= b)
                    )
                )
        return lambda doc: all(check(doc) for check in checks)

    @settled
    def operation_stat(self, caller: Caller, endpoint_id: str, path: str | None) -> dict:
        mount = self.file_access.file_op_prelude(caller, endpoint_id, "pause_ls", "stat")
        if path in (None, ""):
            raise E.BadRequest("path is required")
        parts = self.file_access.parts(mount, path)
        found = self.file_access.lookup(mount, parts, path, "stat")
        self.file_access.gate(mount, found.parts, "r", "stat", path)
        parent = found.parts[:-1]
        name = found.parts[-1] if found.parts else "/"
        assert found.node is not None
        # stat describes what the path names; a followed symlink keeps its link fields
        raw = mount.view.resolve(parts, mount.user, follow_last=False, text=path).node
        node = raw if raw is not None else found.node
        dir_parts = parent if raw is found.node else tuple(parts[:-1])
        return mount.view.file_doc(name, node, dir_parts, mount.user)

    @settled
    def operation_mkdir(self, caller: Caller, endpoint_id: str, body: Any) -> dict[str, Any]:
        body = object_body(body, "Expected a mkdir document")
        path = body.get("path")
        mount = self.file_access.file_op_prelude(caller, endpoint_id, "pause_mkdir", "mkdir")
        if not isinstance(path, str):
            raise E.BadRequest("path is required")
        parts = self.file_access.parts(mount, path)
        self.file_access.gate(mount, parts, "rw", "mkdir", path)
        try:
            mount.view.mkdir(parts, mount.user, self.lookups.now(), text=path)
        except FsError as exc:
            raise self.file_access.fs_error(exc, mount, "mkdir", path) from None
        return result("DirectoryCreated", "The directory was created successfully", "mkdir_result")

    @settled
    def operation_rename(self, caller: Caller, endpoint_id: str, body: Any) -> dict[str, Any]:
        body = object_body(body, "Expected a rename document")
        mount = self.file_access.file_op_prelude(caller, endpoint_id, "pause_rename", "rename")
        old, new = body.get("old_path"), body.get("new_path")
        if not isinstance(old, str) or not isinstance(new, str):
            raise E.BadRequest("old_path and new_path are required")
        old_parts = self.file_access.parts(mount, old)
        new_parts = self.file_access.parts(mount, new)
        self.file_access.gate(mount, old_parts, "rw", "rename", old)
        self.file_access.gate(mount, new_parts, "rw", "rename", new)
        try:
            mount.view.rename(
                old_parts, new_parts, mount.user, self.lookups.now(), old_text=old, new_text=new
            )
        except FsError as exc:
            raise self.file_access.fs_error(
                exc, mount, "rename", new if exc.path == new else old
            ) from None
        return result("FileRenamed", "File or directory renamed successfully")


def _name_page(
    children: dict[str, Any], hidden: bool, desc: bool, off: int, lim: int
) -> tuple[int, list[str]]:
    """The number of listed names and the names of one page, ordered by name, without
    sorting the directory again (:meth:`~.vfs.Children.sorted_names`). Hidden names
    (a leading ``.``) sort together, from ``"."`` up to ``"/"``, so leaving them out
    skips one run of the sorted list."""
    names = children.sorted_names() if isinstance(children, Children) else sorted(children)
    lo = gap = 0
    if not hidden:
        lo = bisect.bisect_left(names, ".")
        gap = bisect.bisect_left(names, "/") - lo
    total = len(names) - gap
    picked = range(min(off, total), min(off + lim, total))
    at = [total - 1 - i for i in picked] if desc else list(picked)
    return total, [names[i if i < lo else i + gap] for i in at]
