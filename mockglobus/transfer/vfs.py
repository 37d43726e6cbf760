"""A virtual POSIX-like filesystem: what a collection's storage holds.

A :class:`Volume` is one storage tree (a mapped collection's, or a GCP's disk).
Collections see it through a :class:`View`: a mapped collection views the volume
from its root, a guest collection from its ``host_path``. Every path a client sends
is normalised lexically against the view's root (``..`` stops at the root), and
symlinks that point outside the view's root do not resolve, so no path escapes the
collection it was sent to.

Errors are :class:`FsError` with a ``kind``; the Transfer model decides which Globus
error each kind becomes for each operation (ls, stat, mkdir, rename, tasks).

Not implemented: hard links, devices/pipes (the ``chr``/``blk``/``pipe`` types),
ACL-style extended attributes, group membership beyond "a user's group is named
like the user".
"""

from __future__ import annotations

import bisect
import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

DIR_SIZE = 4096
MAX_SYMLINK_HOPS = 40
CHECKSUM_ALGORITHMS = ("MD5", "SHA1", "SHA256", "SHA512", "ADLER32", "CRC32", "CRC32C")
Parts = tuple[str, ...]


class FsError(Exception):
    """A filesystem refusal; ``kind`` is one of the class attributes below."""

    NOT_FOUND = "not_found"
    EXISTS = "exists"
    NOT_DIR = "not_dir"
    IS_DIR = "is_dir"
    PERMISSION = "permission"
    INVALID_PATH = "invalid_path"
    NOT_EMPTY = "not_empty"
    QUOTA = "quota"
    LOOP = "loop"

    def __init__(self, kind: str, path: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {path}" + (f" ({detail})" if detail else ""))
        self.kind = kind
        self.path = path
        self.detail = detail


def fs_time(epoch: float) -> str:
    """``last_modified`` as Transfer writes it: ``2023-12-18 16:52:50+00:00``."""
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00:00")


def _crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def checksum_of(data: bytes, algorithm: str) -> str:
    """Hex checksum of ``data`` as collections report it (lower-case hex)."""
    algo = algorithm.upper()
    if algo == "ADLER32":
        return f"{zlib.adler32(data):08x}"
    if algo == "CRC32":
        return f"{zlib.crc32(data):08x}"
    if algo == "CRC32C":
        return f"{_crc32c(data):08x}"
    if algo in ("MD5", "SHA1", "SHA256", "SHA512"):
        return hashlib.new(algo.lower(), data).hexdigest()
    raise ValueError(f"unsupported checksum algorithm {algorithm!r}")


@dataclass
class Node:
    name: str
    user: str
    group: str
    mode: int
    mtime: float

    @property
    def kind(self) -> str:
        raise NotImplementedError


@dataclass
class File(Node):
    """A file. ``content`` is kept for small files; big synthetic files carry only a
    ``seed`` from which their checksums are derived, so terabytes cost nothing."""

    size: int = 0
    content: bytes | None = None
    seed: str = ""

    @property
    def kind(self) -> str:
        return "file"

    def checksum(self, algorithm: str = "MD5") -> str:
        if self.content is not None:
            return checksum_of(self.content, algorithm)
        return checksum_of(f"{self.seed}:{self.size}".encode(), algorithm)

    def same_data(self, other: File) -> bool:
        return (self.size, self.content, self.seed) == (other.size, other.content, other.seed)


class Children(dict[str, Node]):
    """A directory's entries; keeps its names sorted once asked (:meth:`sorted_names`),
    updating that list by bisection on every insert and removal, so listing one page
    of a large directory does not sort it again. Snapshots leave the list out."""

    _sorted: list[str] | None = None

    def sorted_names(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self)
        return self._sorted

    def __setitem__(self, name: str, node: Node) -> None:
        if self._sorted is not None and name not in self:
            bisect.insort(self._sorted, name)
        super().__setitem__(name, node)

    def __delitem__(self, name: str) -> None:
        super().__delitem__(name)
        self._drop(name)

    def pop(self, name: str, *default: Any) -> Any:
        present = name in self
        value = super().pop(name, *default)
        if present:
            self._drop(name)
        return value

    def _drop(self, name: str) -> None:
        if self._sorted is not None:
            del self._sorted[bisect.bisect_left(self._sorted, name)]

    def _unsupported(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("Children changes one entry at a time")

    popitem = clear = update = setdefault = __ior__ = _unsupported

    def __getstate__(self) -> None:
        return None


@dataclass
class Dir(Node):
    children: dict[str, Node] = field(default_factory=Children)

    @property
    def kind(self) -> str:
        return "dir"


@dataclass
class Symlink(Node):
    target: str = ""  # as written: absolute (volume path) or relative to the link's dir

    @property
    def kind(self) -> str:
        return "symlink"


def split_path(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


def join(parts: Parts | list[str], *, trailing: bool = False) -> str:
    text = "/" + "/".join(parts)
    if trailing and parts:
        text += "/"
    return text


def collapse(parts: list[str]) -> list[str]:
    """Resolve ``.``/``..`` lexically; ``..`` at the root stays at the root."""
    out: list[str] = []
    for part in parts:
        if part in ("", "."):
            continue
        if part == "..":
            if out:
                out.pop()
            continue
        out.append(part)
    return out


def check_path_text(path: object) -> str:
    if not isinstance(path, str) or path == "":
        raise FsError(FsError.INVALID_PATH, str(path), "a path must be a non-empty string")
    if any(c in path for c in "\r\n\x00"):
        raise FsError(FsError.INVALID_PATH, path, "paths may not contain CR, LF or NUL")
    return path


def normalise(path: str, home: Parts) -> Parts:
    """A client path to components under the view root.

    ``/~/x`` and ``~/x`` are under the home directory, as are relative paths.
    """
    check_path_text(path)
    if path in ("~", "/~") or path.startswith(("/~/", "~/")):
        rest = path.split("~", 1)[1]
        return tuple(collapse(list(home) + rest.split("/")))
    if not path.startswith("/"):
        return tuple(collapse(list(home) + path.split("/")))
    return tuple(collapse(path.split("/")))


class Volume:
    """One storage tree with an optional capacity (``quota_bytes``)."""

    def __init__(
        self, *, owner: str = "root", mtime: float = 0.0, quota_bytes: int | None = None
    ) -> None:
        self.root = Dir("", owner, owner, 0o755, mtime)
        self.quota_bytes = quota_bytes
        self.used_bytes = 0

    # -- building (seeding and tests; no permission checks) ---------------------------
    def put_dir(
        self,
        path: str,
        *,
        user: str = "root",
        group: str | None = None,
        mode: int = 0o755,
        mtime: float = 0.0,
    ) -> Dir:
        node: Dir = self.root
        for part in split_path(path):
            child = node.children.get(part)
            if child is None:
                child = Dir(part, user, group or user, mode, mtime)
                node.children[part] = child
            if not isinstance(child, Dir):
                raise FsError(FsError.NOT_DIR, path)
            node = child
        return node

    def put_file(
        self,
        path: str,
        content: bytes | None = None,
        *,
        size: int | None = None,
        seed: str = "",
        user: str = "root",
        group: str | None = None,
        mode: int = 0o644,
        mtime: float = 0.0,
    ) -> File:
        parts = split_path(path)
        parent = self.put_dir(join(parts[:-1]), user=user, group=group, mtime=mtime)
        if content is not None:
            size = len(content)
        file = File(
            parts[-1],
            user,
            group or user,
            mode,
            mtime,
            size=size or 0,
            content=content,
            seed=seed or path,
        )
        self._replace(parent, file)
        return file

    def put_symlink(
        self, path: str, target: str, *, user: str = "root", mtime: float = 0.0
    ) -> Symlink:
        parts = split_path(path)
        parent = self.put_dir(join(parts[:-1]), user=user, mtime=mtime)
        link = Symlink(parts[-1], user, user, 0o777, mtime, target=target)
        self._replace(parent, link)
        return link

    def _replace(self, parent: Dir, node: Node) -> None:
        old = parent.children.get(node.name)
        if isinstance(old, File):
            self.used_bytes -= old.size
        elif isinstance(old, Dir):
            self.used_bytes -= sum(f.size for _, f in iter_files(old, ()))
        parent.children[node.name] = node
        if isinstance(node, File):
            self.used_bytes += node.size

    def free_bytes(self) -> int | None:
        return None if self.quota_bytes is None else self.quota_bytes - self.used_bytes


def iter_files(node: Node, parts: Parts) -> Iterator[tuple[Parts, File]]:
    if isinstance(node, File):
        yield parts, node
    elif isinstance(node, Dir):
        for name, child in node.children.items():
            yield from iter_files(child, parts + (name,))


@dataclass(frozen=True)
class User:
    """The local account an operation runs as."""

    name: str
    superuser: bool = False

    def may(self, node: Node, bits: int) -> bool:
        if self.superuser:
            return True
        if node.user == self.name:
            granted = (node.mode >> 6) & 7
        elif node.group == self.name:
            granted = (node.mode >> 3) & 7
        else:
            granted = node.mode & 7
        return granted & bits == bits


R, W, X = 4, 2, 1


@dataclass
class Resolved:
    parts: Parts  # view-relative components of the resolved object
    node: Node | None  # None when only the parent exists
    parent: Dir | None
    name: str


class View:
    """A volume seen from ``root`` (volume components) by one local user."""

    def __init__(self, volume: Volume, root: Parts = ()) -> None:
        self.volume = volume
        self.root = tuple(root)

    # -- resolution -------------------------------------------------------------------
    def _node_at(self, vparts: Parts) -> Node | None:
        node: Node = self.volume.root
        for part in vparts:
            if not isinstance(node, Dir):
                return None
            nxt = node.children.get(part)
            if nxt is None:
                return None
            node = nxt
        return node

    def link_target_parts(self, link_dir: Parts, link: Symlink) -> Parts | None:
        """View components a symlink points at, or None if outside the view."""
        if link.target.startswith("/"):
            absolute = collapse(link.target.split("/"))
        else:
            absolute = collapse(list(self.root + link_dir) + link.target.split("/"))
        if tuple(absolute[: len(self.root)]) != self.root:
            return None
        return tuple(absolute[len(self.root) :])

    def resolve(
        self, parts: Parts, user: User, *, follow_last: bool = True, text: str | None = None
    ) -> Resolved:
        """Walk ``parts`` (view components), checking search permission on each dir.

        Raises NOT_FOUND / NOT_DIR / PERMISSION / LOOP; a missing last component is
        not an error (``node`` is None) so callers can create it.
        """
        shown = text if text is not None else join(parts)
        hops = 0
        todo = list(parts)
        done: list[str] = []
        node: Node = self._node_at(self.root) or self.volume.root
        parent: Dir | None = None
        while todo:
            part = todo.pop(0)
            if not isinstance(node, Dir):
                raise FsError(FsError.NOT_DIR, shown)
            if not user.may(node, X):
                raise FsError(FsError.PERMISSION, shown)
            child = node.children.get(part)
            if child is None:
                if todo:
                    raise FsError(FsError.NOT_FOUND, shown)
                return Resolved(tuple(done + [part]), None, node, part)
            if isinstance(child, Symlink) and (todo or follow_last):
                hops += 1
                if hops > MAX_SYMLINK_HOPS:
                    raise FsError(FsError.LOOP, shown)
                target = self.link_target_parts(tuple(done), child)
                if target is None:
                    raise FsError(FsError.NOT_FOUND, shown, "symlink leaves the collection")
                todo = list(target) + todo
                done = []
                node = self._node_at(self.root) or self.volume.root
                parent = None
                continue
            parent = node
            node = child
            done.append(part)
        name = done[-1] if done else ""
        return Resolved(tuple(done), node, parent, name)

    def lookup(
        self, parts: Parts, user: User, *, follow_last: bool = True, text: str | None = None
    ) -> Resolved:
        found = self.resolve(parts, user, follow_last=follow_last, text=text)
        if found.node is None:
            raise FsError(FsError.NOT_FOUND, text if text is not None else join(parts))
        return found

    # -- documents ----------------------------------------------------------------------
    def file_doc(self, name: str, node: Node, dir_parts: Parts, user: User) -> dict:
        doc = {
            "DATA_TYPE": "file",
            "name": name,
            "type": node.kind,
            "size": DIR_SIZE,
            "last_modified": fs_time(node.mtime),
            "permissions": f"{node.mode & 0o7777:04o}",
            "user": node.user,
            "group": node.group,
            "link_target": None,
            "link_size": None,
            "link_user": None,
            "link_group": None,
            "link_last_modified": None,
        }
        target_node: Node | None = node
        if isinstance(node, Symlink):
            target = self.link_target_parts(dir_parts, node)
            target_node = None
            if target is not None:
                try:
                    target_node = self.lookup(target, User("root", True)).node
                except FsError:
                    target_node = None
            doc.update(
                link_target=(join(target) if target is not None else node.target),
                link_size=len(node.target),
                link_user=node.user,
                link_group=node.group,
                link_last_modified=fs_time(node.mtime),
            )
            if target_node is None:
                doc.update(type="invalid_symlink", size=len(node.target))
                return doc
            doc.update(
                type=target_node.kind,
                last_modified=fs_time(target_node.mtime),
                permissions=f"{target_node.mode & 0o7777:04o}",
                user=target_node.user,
                group=target_node.group,
            )
        if isinstance(target_node, File):
            doc["size"] = target_node.size
        return doc

    # -- mutations (permission-checked) ----------------------------------------------
    def mkdir(
        self, parts: Parts, user: User, mtime: float, *, mode: int = 0o755, text: str | None = None
    ) -> Dir:
        shown = text if text is not None else join(parts)
        if not parts:
            raise FsError(FsError.EXISTS, shown)
        found = self.resolve(parts, user, follow_last=False, text=shown)
        if found.node is not None:
            raise FsError(FsError.EXISTS, shown)
        assert found.parent is not None
        if not user.may(found.parent, W | X):
            raise FsError(FsError.PERMISSION, shown)
        new = Dir(found.name, user.name, user.name, mode, mtime)
        found.parent.children[found.name] = new
        found.parent.mtime = mtime
        return new

    def makedirs(self, parts: Parts, user: User, mtime: float) -> Dir:
        """``mkdir -p``: create what is missing, return the directory."""
        for depth in range(1, len(parts) + 1):
            found = self.resolve(parts[:depth], user)
            if found.node is None:
                self.mkdir(parts[:depth], user, mtime)
            elif not isinstance(found.node, Dir):
                raise FsError(FsError.NOT_DIR, join(parts[:depth]))
        leaf = self.resolve(parts, user) if parts else None
        node = leaf.node if leaf else self._node_at(self.root)
        assert isinstance(node, Dir)
        return node

    def rename(
        self, old: Parts, new: Parts, user: User, mtime: float, *, old_text: str, new_text: str
    ) -> None:
        src = self.lookup(old, user, follow_last=False, text=old_text)
        if not old:
            raise FsError(FsError.PERMISSION, old_text, "cannot rename the root")
        dst = self.resolve(new, user, follow_last=False, text=new_text)
        if dst.node is not None:
            raise FsError(FsError.EXISTS, new_text)
        assert src.parent is not None and dst.parent is not None
        if new[: len(old)] == old:
            raise FsError(FsError.INVALID_PATH, new_text, "cannot move a directory into itself")
        if not (user.may(src.parent, W | X) and user.may(dst.parent, W | X)):
            raise FsError(FsError.PERMISSION, old_text)
        node = src.parent.children.pop(src.name)
        node.name = dst.name
        dst.parent.children[dst.name] = node
        src.parent.mtime = dst.parent.mtime = mtime

    def remove(self, parts: Parts, user: User, mtime: float, *, text: str) -> Node:
        """Unlink one entry (a symlink itself, a file, or an empty directory)."""
        found = self.lookup(parts, user, follow_last=False, text=text)
        if not parts:
            raise FsError(FsError.PERMISSION, text, "cannot delete the root")
        assert found.parent is not None and found.node is not None
        if not user.may(found.parent, W | X):
            raise FsError(FsError.PERMISSION, text)
        if isinstance(found.node, Dir) and found.node.children:
            raise FsError(FsError.NOT_EMPTY, text)
        del found.parent.children[found.name]
        if isinstance(found.node, File):
            self.volume.used_bytes -= found.node.size
        found.parent.mtime = mtime
        return found.node

    def write_file(
        self,
        parts: Parts,
        source: File,
        user: User,
        mtime: float,
        *,
        text: str,
        keep_mtime: float | None = None,
    ) -> File:
        """Create or overwrite a file with ``source``'s data (quota-checked)."""
        found = self.resolve(parts, user, text=text)
        if found.parent is None:
            raise FsError(FsError.PERMISSION, text)
        existing = found.node
        if isinstance(existing, Dir):
            raise FsError(FsError.IS_DIR, text)
        if existing is None and not user.may(found.parent, W | X):
            raise FsError(FsError.PERMISSION, text)
        if isinstance(existing, File) and not user.may(existing, W):
            raise FsError(FsError.PERMISSION, text)
        growth = source.size - (existing.size if isinstance(existing, File) else 0)
        free = self.volume.free_bytes()
        if free is not None and growth > free:
            raise FsError(FsError.QUOTA, text)
        new = File(
            found.name,
            user.name,
            user.name,
            existing.mode if isinstance(existing, File) else 0o644,
            keep_mtime if keep_mtime is not None else mtime,
            size=source.size,
            content=source.content,
            seed=source.seed,
        )
        found.parent.children[found.name] = new
        self.volume.used_bytes += growth
        if existing is None:
            found.parent.mtime = mtime
        return new
