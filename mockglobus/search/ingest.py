"""Writing to an index: ingest and deletes, each a task run on the virtual clock.

The HTTP call checks the document's shape at once (400 ``BadRequest.ValidationError``
as marshmallow words it) and answers ``{"task_id", "acknowledged": true}``; the task
waits ``Settings.task_pending_seconds`` (``PENDING``), runs for
``Settings.task_running_seconds`` (``PROGRESS``) and ends ``SUCCESS`` or ``FAILED``.
Tasks of one index run one after the other in submission order, so a later ingest
replaces an earlier one's entry (entries are upserted by ``(subject, id)``). An ingest
task fails as a whole (nothing written) when a value does not fit its field's type
(:mod:`.fields`), a subject would hold more than ten entries, the index would outgrow
its ``max_size_in_mb`` or hold more than 1000 fields. Deletes act on every entry,
visible to the caller or not.

Task types are ``INGEST``, ``DELETE_BY_QUERY``, ``DELETE_BY_SUBJECT`` and
``DELETE_ENTRY`` (the real names are not recorded). ``field_mapping`` (geo types) is
accepted and ignored.
"""

from __future__ import annotations

import json
from typing import Any

from mockcore.locking import settled
from mockglobus.search import errors as E
from mockglobus.search import query as Q
from mockglobus.search.base import SearchPart
from mockglobus.search.fields import FieldTypeError, leaves, typed_values
from mockglobus.search.identity import SearchCaller
from mockglobus.search.tables import (
    FAILED,
    PENDING,
    PROGRESS,
    SUCCESS,
    TRANSITIONS,
    Entry,
    Index,
    Settings,
    Task,
)

_ENTRY_KEYS = {"subject", "id", "visible_to", "content", "principal_sets", "@datatype", "@version"}
#: Finished tasks kept (oldest forgotten first): a long-running server stays bounded.
MAX_TASKS = 20_000


class _Invalid(Exception):
    def __init__(self, messages: dict[str, Any]) -> None:
        self.messages = messages


def _check_entry(doc: Any, settings: Settings) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise _Invalid({"_schema": ["Invalid input type."]})
    problems: dict[str, list[str]] = {}
    for key in ("subject", "visible_to", "content"):
        if key not in doc:
            problems[key] = ["Missing data for required field."]
    for key in doc:
        if key not in _ENTRY_KEYS:
            problems[key] = ["Unknown field."]
    subject = doc.get("subject")
    if "subject" in doc:
        if not isinstance(subject, str):
            problems["subject"] = ["Not a valid string."]
        elif len(subject.encode()) > settings.max_subject_bytes:
            problems["subject"] = [f"Longer than maximum length {settings.max_subject_bytes}."]
    visible = doc.get("visible_to")
    if "visible_to" in doc:
        if not isinstance(visible, list) or not all(isinstance(v, str) for v in visible):
            problems["visible_to"] = ["Not a valid list of strings."]
        elif not visible or len(visible) > settings.max_visible_to:
            problems["visible_to"] = [f"Length must be between 1 and {settings.max_visible_to}."]
    if "content" in doc and not isinstance(doc["content"], dict):
        problems["content"] = ["Not a valid mapping type."]
    entry_id = doc.get("id")
    if entry_id is not None and not isinstance(entry_id, str):
        problems["id"] = ["Not a valid string."]
    sets = doc.get("principal_sets", {})
    if not isinstance(sets, dict) or not all(
        isinstance(v, list) and all(isinstance(p, str) for p in v) for v in sets.values()
    ):
        problems["principal_sets"] = ["A mapping of names to lists of principal URNs."]
    if problems:
        raise _Invalid(problems)
    return doc


def check_ingest(body: Any, settings: Settings) -> list[dict[str, Any]]:
    """The GMetaEntry documents of a GIngest body, or a 400 ValidationError."""
    if not isinstance(body, dict):
        raise E.BadRequest("/v1/ingest requires a JSON payload")
    problems: dict[str, Any] = {}
    kind = body.get("ingest_type")
    data = body.get("ingest_data")
    if "ingest_type" not in body:
        problems["ingest_type"] = ["Missing data for required field."]
    elif kind not in ("GMetaEntry", "GMetaList"):
        problems["ingest_type"] = ["Must be one of: GMetaEntry, GMetaList."]
    if "ingest_data" not in body:
        problems["ingest_data"] = ["Missing data for required field."]
    for key in body:
        if key not in ("ingest_type", "ingest_data", "field_mapping", "@datatype", "@version"):
            problems[key] = ["Unknown field."]
    if problems:
        raise E.ValidationError("json", problems)
    try:
        if kind == "GMetaEntry":
            return [_check_entry(data, settings)]
        if not isinstance(data, dict) or not isinstance(data.get("gmeta"), list):
            raise _Invalid({"gmeta": ["Missing data for required field."]})
        entries = []
        for n, doc in enumerate(data["gmeta"]):
            try:
                entries.append(_check_entry(doc, settings))
            except _Invalid as exc:
                raise _Invalid({"gmeta": {str(n): exc.messages}}) from None
        return entries
    except _Invalid as exc:
        raise E.ValidationError("json", {"ingest_data": exc.messages}) from None


def _texts(content: dict[str, Any]) -> dict[str, str]:
    """Each field's values as text, for the full-text engine."""
    texts: dict[str, list[str]] = {}
    for path, value in leaves(content):
        if isinstance(value, bool):
            value = "true" if value else "false"
        texts.setdefault(path, []).append(value if isinstance(value, str) else json.dumps(value))
    return {path: "\n".join(parts) for path, parts in texts.items()}


class Ingest(SearchPart):
    # ------------------------------------------------------------ the API
    @settled
    def ingest(self, caller: SearchCaller, index_id: str, body: Any) -> dict[str, Any]:
        index = self.lookups.index(index_id)
        self.lookups.require(caller, index, "writer", "ingest")
        docs = check_ingest(body, self.settings)
        index = self.lookups.open_index(index_id)
        return self._submit(index, "INGEST", ("ingest", docs))

    @settled
    def delete_by_query(self, caller: SearchCaller, index_id: str, body: Any) -> dict[str, Any]:
        index = self.lookups.index(index_id)
        self.lookups.require(caller, index, "writer", "delete_by_query")
        if not isinstance(body, dict):
            raise E.BadRequest("delete_by_query requires a JSON payload")
        filters = body.get("filters") or []
        if not isinstance(filters, list):
            raise E.ValidationError("json", {"filters": ["Not a valid list."]})
        for doc in filters:
            Q.check_filter(doc)
        if body.get("q") is None and not filters:
            raise E.ValidationError("json", {"q": ["Missing data for required field."]})
        node = Q.parse(body.get("q"), bool(body.get("advanced", False)))
        index = self.lookups.open_index(index_id)
        return self._submit(index, "DELETE_BY_QUERY", ("query", (node, filters)))

    @settled
    def batch_delete_by_subject(
        self, caller: SearchCaller, index_id: str, body: Any
    ) -> dict[str, Any]:
        index = self.lookups.index(index_id)
        self.lookups.require(caller, index, "writer", "delete_by_subject")
        subjects = body.get("subjects") if isinstance(body, dict) else None
        if not isinstance(subjects, list) or not all(isinstance(s, str) for s in subjects):
            raise E.ValidationError("json", {"subjects": ["Missing data for required field."]})
        index = self.lookups.open_index(index_id)
        return self._submit(index, "DELETE_BY_SUBJECT", ("subjects", list(subjects)))

    @settled
    def delete_subject(self, caller: SearchCaller, index_id: str, subject: str | None) -> dict:
        index = self.lookups.index(index_id)
        self.lookups.require(caller, index, "writer", "delete_by_subject")
        if subject is None:
            raise E.ValidationError("query", {"subject": ["Missing data for required field."]})
        index = self.lookups.open_index(index_id)
        return self._submit(index, "DELETE_BY_SUBJECT", ("subjects", [subject]))

    @settled
    def delete_entry(
        self, caller: SearchCaller, index_id: str, subject: str | None, entry_id: str | None
    ) -> dict[str, Any]:
        index = self.lookups.index(index_id)
        self.lookups.require(caller, index, "writer", "delete_entry")
        if subject is None:
            raise E.ValidationError("query", {"subject": ["Missing data for required field."]})
        index = self.lookups.open_index(index_id)
        return self._submit(index, "DELETE_ENTRY", ("entry", (subject, entry_id)))

    @settled
    def get_task(self, caller: SearchCaller, task_id: str) -> dict[str, Any]:
        task = self.t.tasks.get(task_id)
        index = self.t.indexes.get(task.index_id) if task else None
        if task is None or index is None or not self.lookups.has_role(caller, index, "writer"):
            if task is not None and index is not None and caller.anonymous:
                raise E.Unauthorized("task_show requires authentication")
            raise E.NoSuchTask(task_id)
        return self.lookups.task_doc(task)

    @settled
    def get_task_list(self, caller: SearchCaller, index_id: str) -> dict[str, Any]:
        index = self.lookups.index(index_id)
        self.lookups.require(caller, index, "writer", "task_list")
        tasks = [t for t in self.t.tasks.values() if t.index_id == index.id]
        tasks.sort(key=lambda t: t.creation_date, reverse=True)
        return {
            "index_id": index.id,
            "tasks": [self.lookups.task_doc(t) for t in tasks[: self.settings.max_task_list]],
        }

    # ------------------------------------------------------------ tasks on the clock
    def _submit(self, index: Index, task_type: str, work: Any) -> dict[str, Any]:
        now = self.lookups.now()
        task = Task(str(self.state.ids.uuid4()), index.id, task_type, now, work)
        start = max(now, index.busy_until) + self.settings.task_pending_seconds
        end = start + self.settings.task_running_seconds
        index.busy_until = end
        task.events = [
            self.state.scheduler.at(start, self._start, task),
            self.state.scheduler.at(end, self._finish, task),
        ]
        self.t.tasks[task.task_id] = task
        self._forget_old_tasks()
        return {"task_id": task.task_id, "acknowledged": True}

    def _forget_old_tasks(self) -> None:
        if len(self.t.tasks) <= MAX_TASKS:
            return
        for task_id in [k for k, t in self.t.tasks.items() if not TRANSITIONS[t.state]][
            : len(self.t.tasks) - MAX_TASKS
        ]:
            del self.t.tasks[task_id]

    @staticmethod
    def _move(task: Task, state: str) -> None:
        if state not in TRANSITIONS[task.state]:
            raise RuntimeError(f"search task {task.task_id}: {task.state} -> {state}")
        task.state = state

    def _start(self, task: Task, when: float) -> None:
        if task.state == PENDING:
            self._move(task, PROGRESS)

    def _finish(self, task: Task, when: float) -> None:
        if task.state != PROGRESS:
            return
        index = self.t.indexes.get(task.index_id)
        kind, payload = task.work
        try:
            if index is None:
                raise FieldTypeError("the index no longer exists")
            if kind == "ingest":
                count = self._apply_ingest(index, payload, when)
                task.message = f"Ingested {count} entries"
                task.additional_details = {"num_entries": count}
            else:
                count = self._apply_delete(index, kind, payload, when)
                task.message = f"Deleted {count} entries"
                task.additional_details = {"num_deleted": count}
        except FieldTypeError as exc:
            self._move(task, FAILED)
            task.message = str(exc)
        else:
            self._move(task, SUCCESS)
        task.completion_date = when
        task.work = None  # done: keep no copy of the documents

    def _apply_ingest(self, index: Index, docs: list[dict[str, Any]], when: float) -> int:
        mapping = dict(index.mapping)
        staged: dict[tuple[str, str | None], Entry] = {}
        for doc in docs:
            values, added = typed_values(doc["content"], mapping)
            mapping.update(added)
            key = (doc["subject"], doc.get("id"))
            old = index.entries.get(key)
            staged[key] = Entry(
                key=old.key if old else self.t.next_key(),
                subject=doc["subject"],
                entry_id=doc.get("id"),
                visible_to=list(doc["visible_to"]),
                content=doc["content"],
                principal_sets=dict(doc.get("principal_sets") or {}),
                values=values,
                size=len(json.dumps(doc, separators=(",", ":"))),
            )
        if len(mapping) > self.settings.max_fields:
            raise FieldTypeError(
                f"The index would hold {len(mapping)} fields (limit {self.settings.max_fields})"
            )
        merged = {**index.entries, **staged}
        per_subject: dict[str, int] = {}
        for subject, _ in merged:
            per_subject[subject] = per_subject.get(subject, 0) + 1
        crowded = [s for s, n in per_subject.items() if n > self.settings.max_entries_per_subject]
        if crowded:
            raise FieldTypeError(
                f"Subject {crowded[0]!r} would hold more than "
                f"{self.settings.max_entries_per_subject} entries"
            )
        size = sum(e.size for e in merged.values())
        if size > index.max_size_in_mb * 1_000_000:
            raise FieldTypeError(
                f"The index would exceed its size limit of {index.max_size_in_mb} MB"
            )
        index.mapping = mapping
        for key, entry in staged.items():
            index.entries[key] = entry
            self.t.engine.put(entry.key, index.id, _texts(entry.content))
        index.content_last_modified = when
        return len(staged)

    def _apply_delete(self, index: Index, kind: str, payload: Any, when: float) -> int:
        if kind == "subjects":
            wanted = set(payload)
            doomed = [k for k in index.entries if k[0] in wanted]
        elif kind == "entry":
            doomed = [payload] if payload in index.entries else []
        else:
            node, filters = payload
            by_key = {e.key: e for e in index.entries.values()}
            corpus = Q.Corpus(index.id, by_key, index.mapping, self.t.engine)
            hits = corpus.run(node)
            doomed = [
                (by_key[k].subject, by_key[k].entry_id)
                for k in hits
                if all(Q.filter_matches(f, by_key[k].values, index.mapping) for f in filters)
            ]
        for key in doomed:
            entry = index.entries.pop(key)
            self.t.engine.remove(entry.key)
        if doomed:
            index.content_last_modified = when
        return len(doomed)


__all__ = ["Ingest", "check_ingest"]
