"""Indexes: create, read, update, delete and reopen, and the caller's index list.

A new index is a trial index (``max_size_in_mb`` 1) owned by its creator; a user owns at
most three trial indexes (409 ``Conflict.LimitExceeded``). ``delete_index`` puts an open
index in ``delete-pending`` and cancels its pending tasks; a trial index is purged
``Settings.trial_purge_seconds`` later unless ``reopen_index`` opens it again.

Not implemented: subscriptions (every index is a trial index), ``entry_schema``.
"""

from __future__ import annotations

from typing import Any

from mockcore.locking import settled
from mockglobus.search import errors as E
from mockglobus.search.base import SearchPart
from mockglobus.search.identity import IDENTITY_URN, SearchCaller
from mockglobus.search.tables import (
    CANCELLED,
    DELETE_PENDING,
    OPEN,
    PENDING,
    PROGRESS,
    ROLE_ORDER,
    Index,
    Role,
)

_IGNORED = {"@datatype", "@version"}


def check_keys(body: Any, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    """A JSON object with string values for ``required`` (and maybe ``optional``) keys
    and no others, or a 400 ``BadRequest.ValidationError`` as marshmallow words it."""
    if not isinstance(body, dict):
        raise E.ValidationError("json", {"_schema": ["Invalid input type."]})
    problems: dict[str, list[str]] = {}
    for key in required:
        if key not in body:
            problems[key] = ["Missing data for required field."]
    for key, value in body.items():
        if key in _IGNORED:
            continue
        if key not in required and key not in optional:
            problems[key] = ["Unknown field."]
        elif not isinstance(value, str):
            problems[key] = ["Not a valid string."]
    if problems:
        raise E.ValidationError("json", problems)
    return body


class Indexes(SearchPart):
    @settled
    def create_index(self, caller: SearchCaller, body: Any) -> dict[str, Any]:
        if caller.anonymous:
            raise E.Unauthorized("index_create requires authentication")
        check_keys(body, ("display_name", "description"))
        owner = IDENTITY_URN + str(caller.identity_id)
        owned = sum(
            1
            for index in self.t.indexes.values()
            if index.is_trial
            and any(r.role_name == "owner" and r.principal == owner for r in index.roles.values())
        )
        if owned >= self.settings.trial_indices_per_owner:
            raise E.TrialLimit(self.settings.trial_indices_per_owner)
        now = self.lookups.now()
        index = Index(
            id=str(self.state.ids.uuid4()),
            display_name=body["display_name"],
            description=body["description"],
            creation_date=now,
            max_size_in_mb=self.settings.trial_max_size_in_mb,
        )
        role = Role(self.t.next_role_id(), index.id, "owner", owner, "identity", now)
        index.roles[role.id] = role
        self.t.indexes[index.id] = index
        return self.lookups.index_doc(index)

    @settled
    def get_index(self, caller: SearchCaller, index_id: str) -> dict[str, Any]:
        return self.lookups.index_with_permissions(self.lookups.index(index_id), caller)

    @settled
    def update_index(self, caller: SearchCaller, index_id: str, body: Any) -> dict[str, Any]:
        index = self.lookups.index(index_id)
        self.lookups.require(caller, index, "admin", "index_update")
        check_keys(body, (), ("display_name", "description"))
        if index.status != OPEN:
            raise E.IncompatibleIndexStatus(index.status, OPEN)
        for key in ("display_name", "description"):
            if key in body:
                setattr(index, key, body[key])
        return self.lookups.index_doc(index)

    @settled
    def delete_index(self, caller: SearchCaller, index_id: str) -> dict[str, Any]:
        index = self.lookups.index(index_id)
        self.lookups.require(caller, index, "owner", "index_delete")
        if index.status != OPEN:
            raise E.IncompatibleIndexStatus(index.status, OPEN)
        index.status = DELETE_PENDING
        now = self.lookups.now()
        for task in self.t.tasks.values():
            if task.index_id == index.id and task.state in (PENDING, PROGRESS):
                for event in task.events:
                    event.cancel()
                task.state, task.completion_date = CANCELLED, now
                task.message = "Task cancelled: the index was deleted"
        index.busy_until = now
        if index.is_trial:
            index.purge_event = self.state.scheduler.after(
                self.settings.trial_purge_seconds, self._purge, index.id
            )
        return {"index_id": index.id, "acknowledged": True}

    def _purge(self, index_id: str, when: float) -> None:
        index = self.t.indexes.pop(index_id, None)
        if index is None:
            return
        for entry in index.entries.values():
            self.t.engine.remove(entry.key)

    @settled
    def reopen_index(self, caller: SearchCaller, index_id: str) -> dict[str, Any]:
        index = self.lookups.index(index_id)
        self.lookups.require(caller, index, "owner", "index_reopen")
        if index.status != DELETE_PENDING:
            raise E.IncompatibleIndexStatus(index.status, DELETE_PENDING)
        index.status = OPEN
        if index.purge_event is not None:
            index.purge_event.cancel()
            index.purge_event = None
        return {"index_id": index.id, "acknowledged": True}

    @settled
    def index_list(self, caller: SearchCaller, filter_roles: str | None = None) -> dict[str, Any]:
        if caller.anonymous:
            raise E.Unauthorized("index_list requires authentication")
        wanted = {r.strip() for r in (filter_roles or "").split(",") if r.strip()}
        unknown = wanted - set(ROLE_ORDER)
        if unknown:
            raise E.ValidationError(
                "query", {"filter_roles": ["Must be one of: owner, admin, writer."]}
            )
        found = []
        for index in self.t.indexes.values():
            roles = self.lookups.roles_of(caller, index)
            if roles and (not wanted or wanted & set(roles)):
                found.append(self.lookups.index_with_permissions(index, caller))
        return {"index_list": found[: self.settings.max_index_list]}


__all__ = ["Indexes", "check_keys"]
