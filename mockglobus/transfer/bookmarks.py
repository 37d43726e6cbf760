"""Each identity's bookmarks (the v0.10 API; not the v2 bookmark API)."""

from __future__ import annotations

from typing import Any

from mockcore.locking import settled
from mockcore.state import ServiceState
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller
from mockglobus.transfer.base import Lookups, checked_path, object_body, result
from mockglobus.transfer.endpoints import Bookmark
from mockglobus.transfer.tables import Tables


class Bookmarks:
    """Bookmarks are private to their owner; names are unique per owner."""

    def __init__(self, state: ServiceState, tables: Tables, lookups: Lookups) -> None:
        self.state = state
        self.t = tables
        self.lookups = lookups

    @settled
    def bookmark_list(self, caller: Caller) -> dict[str, Any]:
        ids = self.t.bookmarks_by_owner.get(caller.identity_id, [])
        return {"DATA_TYPE": "bookmark_list", "DATA": [self.t.bookmarks[i].document() for i in ids]}

    def _bookmark(self, caller: Caller, bookmark_id: str) -> Bookmark:
        mark = self.t.bookmarks.get(bookmark_id)
        if mark is None or mark.owner_id != caller.identity_id:
            raise E.NotFound(f"Bookmark '{bookmark_id}' not found")
        return mark

    def _check_bookmark_name(self, caller: Caller, name: Any, skip: str | None = None) -> str:
        if not isinstance(name, str) or not name.strip() or len(name) > 128:
            raise E.BadRequest("name must be a non-empty string of at most 128 characters")
        for other in self.t.bookmarks_by_owner.get(caller.identity_id, []):
            if other != skip and self.t.bookmarks[other].name == name:
                raise E.Conflict(f"A bookmark named '{name}' already exists")
        return name

    @settled
    def create_bookmark(self, caller: Caller, body: Any) -> dict[str, Any]:
        body = object_body(body, "Expected a bookmark document")
        name = self._check_bookmark_name(caller, body.get("name"))
        endpoint_id = body.get("endpoint_id")
        if not isinstance(endpoint_id, str):
            raise E.BadRequest("endpoint_id is required")
        coll = self.lookups.collection(endpoint_id)
        path = body.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise E.BadRequest("path must be an absolute path (starting with '/')")
        checked_path(path)
        mark = Bookmark(
            self.lookups.new_uuid(),
            caller.identity_id,
            name,
            coll.id,
            path,
            pinned=bool(body.get("pinned", False)),
        )
        self.t.bookmarks[mark.id] = mark
        self.t.bookmarks_by_owner[caller.identity_id].append(mark.id)
        return mark.document()

    @settled
    def get_bookmark(self, caller: Caller, bookmark_id: str) -> dict[str, Any]:
        return self._bookmark(caller, bookmark_id).document()

    @settled
    def update_bookmark(self, caller: Caller, bookmark_id: str, body: Any) -> dict[str, Any]:
        mark = self._bookmark(caller, bookmark_id)
        body = object_body(body, "Expected a bookmark document")
        if "name" in body:
            mark.name = self._check_bookmark_name(caller, body["name"], skip=mark.id)
        if "pinned" in body:
            mark.pinned = bool(body["pinned"])
        return mark.document()

    @settled
    def delete_bookmark(self, caller: Caller, bookmark_id: str) -> dict[str, Any]:
        mark = self._bookmark(caller, bookmark_id)
        del self.t.bookmarks[mark.id]
        self.t.bookmarks_by_owner[caller.identity_id].remove(mark.id)
        return result("Deleted", f"Bookmark '{mark.id}' deleted successfully")
