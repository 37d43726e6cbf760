"""Running tasks on the virtual clock: submission, expansion, subtasks, retries,
pauses, deadlines and cancellation.

A task waits in its owner's queue (at most ``max_active_tasks_per_user`` transfers
and as many deletes run at once; the rest show ``nice_status: Queued``), starts
``startup_delay_s`` later, expands its items into subtasks (:class:`Op`) against the
source as it is at that moment, then runs them one after another: a file takes
``file_overhead_s + size / bytes_per_second``, anything else ``op_overhead_s``. Each
subtask acts on the virtual filesystems when it completes, so what a task does follows
from the files that exist and the permissions the owner has at that time.

Fatal errors (source FILE_NOT_FOUND / PERMISSION_DENIED unless ``skip_source_errors``,
destination PERMISSION_DENIED, EXTERNAL_CHECKSUM_MISMATCH, QUOTA_EXCEEDED with
``fail_on_quota_errors``) end the task FAILED; transient ones (injected faults,
disconnected GCP, quota without ``fail_on_quota_errors``, checksum verification
failures) are retried every ``retry_delay_s`` until the deadline.
"""

from __future__ import annotations

import fnmatch
import re
from typing import TYPE_CHECKING, Any

from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller, Mount
from mockglobus.transfer.endpoints import GCSV5_ENDPOINT, Collection
from mockglobus.transfer.query import parse_time
from mockglobus.transfer.tasks import ACTIVE, FAILED, INACTIVE, SUCCEEDED, Op, Task, iso
from mockglobus.transfer.vfs import (
    CHECKSUM_ALGORITHMS,
    Dir,
    File,
    FsError,
    Parts,
    Symlink,
    check_path_text,
    join,
)

if TYPE_CHECKING:
    from mockglobus.transfer.model import TransferModel

SYNC_LEVELS = {"exists": 0, "size": 1, "mtime": 2, "checksum": 3}
PAUSE_DEADLINE_S = 90 * 86_400.0
UNPAUSE_DEADLINE_S = 86_400.0
INACTIVE_CODES = ("AUTH", "NO_CREDENTIALS")
GLOB_CHARS = re.compile(r"(?<!\\)[*?\[]")


class _Outcome(Exception):
    """Raised inside a subtask to say how it ended (when it did not succeed)."""

    def __init__(self, how: str, code: str, details: str = "", *, side: str = "source",
                 path: str = "", is_directory: bool = False) -> None:
        super().__init__(code)
        self.how = how  # "fatal" | "retry" | "skip" | "inactive"
        self.code = code
        self.details = details
        self.side = side
        self.path = path
        self.is_directory = is_directory


class TaskEngine:
    def __init__(self, model: TransferModel) -> None:
        self.m = model

    # ================================================================ submission =======
    @staticmethod
    def check_label(label: Any) -> str | None:
        if label is None:
            return None
        if not isinstance(label, str):
            raise E.ClientBadRequest("Invalid label: must be a string")
        if len(label) > 128:
            raise E.ClientBadRequest("Invalid label: must be at most 128 characters")
        if "\r" in label or "\n" in label:
            raise E.ClientBadRequest("Invalid label: may not contain newlines")
        if label != label.strip():
            raise E.ClientBadRequest("Invalid label: may not start or end with whitespace")
        return label

    @staticmethod
    def parse_deadline(value: Any) -> float:
        if not isinstance(value, str) or not value.strip():
            raise E.ClientBadRequest(f"Invalid deadline '{value}': expected an ISO 8601 time")
        try:
            return parse_time(value)
        except ValueError:
            raise E.ClientBadRequest(
                f"Invalid deadline '{value}': expected an ISO 8601 time") from None

    def submit(self, caller: Caller, body: Any, kind: str) -> dict[str, Any]:
        m = self.m
        data_type = kind.lower()
        if not isinstance(body, dict):
            raise E.BadRequest(f"Could not parse JSON: expected a {data_type} document")
        if body.get("DATA_TYPE", data_type) != data_type:
            raise E.BadRequest(
                f"Invalid DATA_TYPE '{body.get('DATA_TYPE')}': expected '{data_type}'")
        sid = body.get("submission_id")
        if not isinstance(sid, str) or not sid:
            raise E.ClientBadRequest("A submission_id is required; get one from /submission_id")
        previous = m.t.submissions.get(sid)
        if previous is not None:
            task = m.t.tasks.get(previous)
            if task is None or task.owner_id != caller.identity_id:
                raise E.Conflict(f"submission_id '{sid}' was used by another user")
            if task.type != kind:
                raise E.Conflict(f"submission_id '{sid}' was used for a {task.type} task")
            return self._submission_result(task, duplicate=True)

        label = self.check_label(body.get("label"))
        now = m._now()
        explicit = body.get("deadline") is not None
        deadline = (self.parse_deadline(body["deadline"]) if explicit
                    else now + m.settings.default_deadline_s)
        items = body.get("DATA")
        options: dict[str, Any] = {}
        if kind == "TRANSFER":
            src = self._endpoint_arg(body, "source_endpoint")
            dst = self._endpoint_arg(body, "destination_endpoint")
            if not isinstance(items, list) or not items:
                raise E.NoTransferItems()
            options = self._transfer_options(body, src, dst)
            checked = [self._transfer_item(i, n) for n, i in enumerate(items)]
            if options["delete_destination_extra"] and not any(
                    i.get("recursive") for i in checked):
                raise E.ClientBadRequest(
                    "delete_destination_extra requires at least one recursive item")
            if options.get("filter_rules") and not any(i.get("recursive") for i in checked):
                raise E.ClientBadRequest("filter_rules require at least one recursive item")
            m._check_consent(src, caller)
            m._check_consent(dst, caller)
        else:
            src = self._endpoint_arg(body, "endpoint")
            dst = None
            if not isinstance(items, list) or not items:
                raise E.ClientBadRequest("A delete requires at least one item")
            for flag in ("recursive", "ignore_missing", "interpret_globs"):
                value = body.get(flag, False)
                if not isinstance(value, bool):
                    raise E.BadRequest(f"Invalid value for '{flag}': must be a boolean")
                options[flag] = value
            checked = [self._delete_item(i, n) for n, i in enumerate(items)]
            m._check_consent(src, caller)
        for flag in ("notify_on_succeeded", "notify_on_failed", "notify_on_inactive",
                     "store_base_path_info"):
            if flag in body and not isinstance(body[flag], bool):
                raise E.BadRequest(f"Invalid value for '{flag}': must be a boolean")
            options[flag] = body.get(flag, flag != "store_base_path_info")

        task = Task(
            task_id=str(m.state.ids.uuid1()), seq=next(m._seq), type=kind,
            owner_id=caller.identity_id, username=caller.username,
            owner_string=caller.username, submission_id=sid, request_time=now,
            deadline=deadline, explicit_deadline=explicit, label=label,
            source_id=src.id, destination_id=dst.id if dst else None, options=options,
            items=checked,
        )
        task.caller = caller
        if options.get("store_base_path_info"):
            options["source_base_path"] = _common_base(
                [i.get("source_path") or i.get("path") for i in checked])
            options["destination_base_path"] = (
                _common_base([i.get("destination_path") for i in checked]) if dst else None)
        if kind == "TRANSFER":
            task.files = sum(1 for i in checked if not i.get("recursive"))
            task.directories = sum(1 for i in checked if i.get("recursive"))
            task.subtasks_total = len(checked) + 1
        else:
            task.subtasks_total = len(checked)
        m.t.tasks[task.task_id] = task
        m.t.submissions[sid] = task.task_id
        m.t.tasks_by_owner[caller.identity_id].append(task)
        for eid in {task.source_id, task.destination_id} - {None}:
            m.t.tasks_by_endpoint[eid].append(task)
            m.t.active_by_endpoint[eid][task.task_id] = task
            m.t.recently_used[caller.identity_id][eid] = now
        self._schedule_deadline(task)
        self._evaluate_pause(task, now, quiet=True)
        m.t.queued[(task.owner_id, task.type)].append(task)
        self._dispatch(task.owner_id, task.type, now)
        return self._submission_result(task, duplicate=False)

    def _submission_result(self, task: Task, *, duplicate: bool) -> dict[str, Any]:
        what = task.type.lower()
        if duplicate:
            code, message = "Duplicate", (
                f"A {what} with submission_id '{task.submission_id}' was already accepted "
                f"as task {task.task_id}")
        else:
            code, message = "Accepted", (
                f"The {what} has been accepted and a task has been created and queued for "
                "execution")
        return {
            "DATA_TYPE": f"{what}_result",
            "code": code,
            "message": message,
            "submission_id": task.submission_id,
            "task_id": task.task_id,
            "task_link": {
                "DATA_TYPE": "link",
                "href": f"task/{task.task_id}?format=json",
                "rel": "related",
                "resource": "task",
                "title": "related task",
            },
        }

    def _endpoint_arg(self, body: dict[str, Any], key: str) -> Collection:
        value = body.get(key)
        if not isinstance(value, str) or not value:
            raise E.ClientBadRequest(f"'{key}' is required")
        coll = self.m._collection(value)
        if coll.entity_type == GCSV5_ENDPOINT:
            raise E.ClientBadRequest(
                f"'{coll.display_name}' ({coll.id}) is a Globus Connect Server v5 endpoint; "
                "tasks need one of its collections"
            )
        return coll

    def _transfer_options(self, body: dict[str, Any], src: Collection,
                          dst: Collection) -> dict[str, Any]:
        opts: dict[str, Any] = {}
        for flag in ("verify_checksum", "preserve_timestamp", "encrypt_data",
                     "skip_source_errors", "fail_on_quota_errors", "delete_destination_extra"):
            value = body.get(flag, False)
            if not isinstance(value, bool):
                raise E.BadRequest(f"Invalid value for '{flag}': must be a boolean")
            opts[flag] = value
        if src.attrs.get("force_encryption") or dst.attrs.get("force_encryption"):
            opts["encrypt_data"] = True
        level = body.get("sync_level")
        if isinstance(level, str) and level in SYNC_LEVELS:
            level = SYNC_LEVELS[level]
        if level is not None and (isinstance(level, bool) or level not in (0, 1, 2, 3)):
            raise E.BadRequest(f"Invalid sync_level '{body.get('sync_level')}': must be 0-3")
        opts["sync_level"] = level
        symlinks = body.get("recursive_symlinks", "ignore")
        if symlinks not in ("ignore", "keep", "copy"):
            raise E.BadRequest("recursive_symlinks must be 'ignore', 'keep' or 'copy'")
        opts["recursive_symlinks"] = symlinks
        rules = body.get("filter_rules")
        if rules is not None:
            if not isinstance(rules, list):
                raise E.BadRequest("filter_rules must be a list")
            checked = []
            for rule in rules:
                if not isinstance(rule, dict):
                    raise E.BadRequest("Each filter rule must be an object")
                method = rule.get("method", "exclude")
                if method not in ("include", "exclude"):
                    raise E.BadRequest("filter rule method must be 'include' or 'exclude'")
                name = rule.get("name")
                if not isinstance(name, str) or not name or "/" in name:
                    raise E.BadRequest("filter rule name must be a non-empty pattern without '/'")
                kind = rule.get("type")
                if kind not in (None, "file", "dir"):
                    raise E.BadRequest("filter rule type must be 'file' or 'dir'")
                checked.append({"DATA_TYPE": "filter_rule", "method": method, "name": name,
                                "type": kind})
            opts["filter_rules"] = checked or None
        return opts

    def _transfer_item(self, item: Any, n: int) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise E.BadRequest(f"DATA[{n}] must be a transfer_item object")
        kind = item.get("DATA_TYPE", "transfer_item")
        if kind not in ("transfer_item", "transfer_symlink_item"):
            raise E.BadRequest(f"DATA[{n}]: invalid DATA_TYPE '{kind}'")
        out = {"DATA_TYPE": kind}
        for key in ("source_path", "destination_path"):
            value = item.get(key)
            try:
                check_path_text(value)
            except FsError as exc:
                raise E.InvalidPath(exc.detail, path=str(value)) from None
            out[key] = value
        recursive = item.get("recursive", False)
        if recursive is None:
            recursive = False
        if not isinstance(recursive, bool):
            raise E.BadRequest(f"DATA[{n}]: recursive must be a boolean")
        out["recursive"] = recursive and kind == "transfer_item"
        checksum, algorithm = item.get("external_checksum"), item.get("checksum_algorithm")
        if checksum is not None:
            if recursive:
                raise E.ClientBadRequest(
                    f"DATA[{n}]: external_checksum is not allowed for recursive items")
            if not isinstance(checksum, str) or not checksum:
                raise E.BadRequest(f"DATA[{n}]: external_checksum must be a string")
            out["external_checksum"] = checksum
        if algorithm is not None:
            if not isinstance(algorithm, str) or algorithm.upper() not in CHECKSUM_ALGORITHMS:
                raise E.BadRequest(
                    f"DATA[{n}]: unsupported checksum_algorithm '{algorithm}'; supported: "
                    + ", ".join(CHECKSUM_ALGORITHMS))
            out["checksum_algorithm"] = algorithm.upper()
        return out

    @staticmethod
    def _delete_item(item: Any, n: int) -> dict[str, Any]:
        if not isinstance(item, dict) or item.get("DATA_TYPE", "delete_item") != "delete_item":
            raise E.BadRequest(f"DATA[{n}] must be a delete_item object")
        path = item.get("path")
        try:
            check_path_text(path)
        except FsError as exc:
            raise E.InvalidPath(exc.detail, path=str(path)) from None
        return {"DATA_TYPE": "delete_item", "path": path}

    # ================================================================ scheduling =======
    def _dispatch(self, owner: str, kind: str, when: float) -> None:
        m = self.m
        running = m.t.running[(owner, kind)]
        queue = m.t.queued[(owner, kind)]
        while queue and len(running) < m.settings.max_active_tasks_per_user:
            task = queue.popleft()
            if task.done:
                continue
            running.add(task.task_id)
            task.pending_event = m.state.scheduler.at(
                when + m.settings.startup_delay_s, lambda t, task=task: self._begin(task, t))

    def _schedule_deadline(self, task: Task) -> None:
        if task.deadline_event is not None:
            task.deadline_event.cancel()
        task.deadline_event = self.m.state.scheduler.at(
            max(task.deadline, task.request_time),
            lambda t, task=task: self._expire(task, t))

    def set_deadline(self, task: Task, deadline: float, *, explicit: bool) -> None:
        task.deadline = deadline
        task.explicit_deadline = task.explicit_deadline or explicit
        self._schedule_deadline(task)

    def _begin(self, task: Task, when: float) -> None:
        task.pending_event = None
        if task.done:
            return
        task.started = True
        task.nice_status = "OK"
        task.add_event(when, "STARTED", details={
            "type": "GridFTP Transfer" if task.type == "TRANSFER" else "Delete",
            "concurrency": 2, "parallelism": 4, "pipelining": 20,
        })
        try:
            self._expand(task, when)
        except _Outcome as out:
            self._fail(task, when, out)
            return
        task.expanded = True
        self._next(task, when)

    def _next(self, task: Task, when: float) -> None:
        if not task.running or task.pending_event is not None:
            return
        if task.cursor >= len(task.ops):
            self._succeed(task, when)
            return
        op = task.ops[task.cursor]
        s = self.m.settings
        took = (s.file_overhead_s + op.size / s.bytes_per_second) if op.kind == "copy" \
            else s.op_overhead_s
        task.op_started_at = when
        task.pending_event = self.m.state.scheduler.at(
            when + took, lambda t, task=task: self._complete(task, t))

    def _complete(self, task: Task, when: float) -> None:
        task.pending_event = None
        if not task.running:
            return
        op = task.ops[task.cursor]
        op.attempts += 1
        try:
            self._run(task, op, when)
        except _Outcome as out:
            task.op_started_at = None
            if out.how == "skip":
                self._record_skip(task, op, out, when)
                task.cursor += 1
                self._next(task, when)
            elif out.how == "retry":
                task.faults += 1
                task.subtasks_retrying = 1
                task.nice_status = out.code
                task.add_event(when, out.code, is_error=True, details=out.details)
                task.pending_event = self.m.state.scheduler.at(
                    when + self.m.settings.retry_delay_s,
                    lambda t, task=task: self._retry(task, t))
            elif out.how == "inactive":
                task.faults += 1
                task.nice_status = out.code
                task.inactive_reason = out.code
                task.add_event(when, out.code, is_error=True, details=out.details)
                task.move(INACTIVE)
            else:
                task.subtasks_failed += 1
                task.cursor += 1
                self._fail(task, when, out)
            return
        task.op_started_at = None
        task.cursor += 1
        task.subtasks_succeeded += 1
        if task.nice_status not in ("OK",):
            task.nice_status = "OK"
        self._maybe_progress(task, when)
        self._next(task, when)

    def _retry(self, task: Task, when: float) -> None:
        task.pending_event = None
        task.subtasks_retrying = 0
        self._next(task, when)

    def _maybe_progress(self, task: Task, when: float) -> None:
        last = next((e.time for e in reversed(task.events) if e.code in ("PROGRESS", "STARTED")),
                    task.request_time)
        if when - last >= self.m.settings.progress_interval_s and task.type == "TRANSFER":
            task.add_event(when, "PROGRESS", details={
                "bytes_transferred": task.bytes_done, "files_transferred": task.files_transferred,
            })

    # ================================================================ endings ==========
    def _close(self, task: Task, when: float, status: str) -> None:
        m = self.m
        for handle in (task.pending_event, task.deadline_event):
            if handle is not None:
                handle.cancel()
        task.pending_event = task.deadline_event = None
        task.move(status)
        task.completion_time = when
        task.op_started_at = None
        task.nice_status = None
        task.subtasks_retrying = 0
        for eid in {task.source_id, task.destination_id} - {None}:
            m.t.active_by_endpoint[eid].pop(task.task_id, None)
        key = (task.owner_id, task.type)
        m.t.running[key].discard(task.task_id)
        self._dispatch(task.owner_id, task.type, when)

    def _succeed(self, task: Task, when: float) -> None:
        if task.skipped:
            task.add_event(when, "SKIPPED_ERRORS", details=(
                f"{len(task.skipped)} path(s) were skipped because of errors; see "
                "skipped_errors"))
        task.add_event(when, "SUCCEEDED", details={
            "files_succeeded": task.files_transferred,
            "bytes_transferred": task.bytes_done,
        })
        self._close(task, when, SUCCEEDED)

    def _fail(self, task: Task, when: float, out: _Outcome) -> None:
        task.faults += 1
        task.add_event(when, out.code, is_error=True, details=out.details)
        task.fatal_error = {"code": out.code, "description": _describe(out.code)}
        task.subtasks_failed += task.subtasks_pending
        self._close(task, when, FAILED)

    def _expire(self, task: Task, when: float) -> None:
        task.deadline_event = None
        if task.done:
            return
        task.add_event(when, "EXPIRED", is_error=True,
                       details="The task reached its deadline before completing")
        task.fatal_error = {"code": "EXPIRED", "description": "The task expired"}
        task.subtasks_expired += task.subtasks_pending + task.subtasks_retrying
        task.subtasks_retrying = 0
        self._close(task, when, FAILED)

    def cancel(self, task: Task, when: float, *, by_admin: str | None,
               message: str | None) -> None:
        if by_admin:
            task.canceled_by_admin = by_admin
            task.canceled_by_admin_message = message
            details = f"Canceled by an administrator of the {by_admin.lower()} endpoint"
            if message:
                details += f": {message}"
        else:
            details = "Canceled by the task owner"
        task.add_event(when, "CANCELED", is_error=True, details=details)
        task.fatal_error = {"code": "CANCELED", "description": "The task was canceled"}
        task.subtasks_canceled += task.subtasks_pending + task.subtasks_retrying
        task.subtasks_retrying = 0
        self._close(task, when, FAILED)

    def forget(self, task: Task) -> None:
        m = self.m
        m.t.tasks.pop(task.task_id, None)
        owned = m.t.tasks_by_owner.get(task.owner_id, [])
        if task in owned:
            owned.remove(task)
        for eid in {task.source_id, task.destination_id} - {None}:
            listed = m.t.tasks_by_endpoint.get(eid, [])
            if task in listed:
                listed.remove(task)

    def reactivate(self, task: Task, when: float) -> None:
        if task.status != INACTIVE:
            return
        task.move(ACTIVE)
        task.inactive_reason = None
        task.nice_status = "OK"
        self._next(task, when)

    # ================================================================ pausing ==========
    def _matching_rules(self, task: Task, when: float) -> list[str]:
        m = self.m
        ids = []
        sides = [(task.source_id, "pause_task_delete" if task.type == "DELETE"
                  else "pause_task_transfer_read")]
        if task.destination_id:
            sides.append((task.destination_id, "pause_task_transfer_write"))
        for eid, flag in sides:
            coll = m.t.collections.get(eid)
            targets = {eid, coll.host_id} if coll is not None else {eid}
            for rule in m.t.pause_rules.values():
                if (rule.endpoint_id in targets and rule.flags.get(flag) and rule.active(when)
                        and rule.applies_to(task.owner_id) and rule.id not in ids):
                    ids.append(rule.id)
        return ids

    def _evaluate_pause(self, task: Task, when: float, *, quiet: bool = False) -> None:
        was = task.is_paused
        task.paused_by_rules = self._matching_rules(task, when)
        self._pause_changed(task, was, when, quiet=quiet)

    def _pause_changed(self, task: Task, was: bool, when: float, *, quiet: bool = False) -> None:
        now_paused = task.is_paused
        if was == now_paused:
            return
        if now_paused:
            if task.pending_event is not None and task.started:
                task.pending_event.cancel()
                task.pending_event = None
                task.op_started_at = None
                task.subtasks_retrying = 0
            task.add_event(when, "PAUSED", details="The task was paused by a pause rule or "
                           "an administrator")
            self.set_deadline(task, when + PAUSE_DEADLINE_S, explicit=False)
        else:
            task.add_event(when, "UNPAUSED", details="The task was resumed")
            self.set_deadline(task, when + UNPAUSE_DEADLINE_S, explicit=False)
            if task.started and task.expanded:
                self._next(task, when)
            elif task.started and not task.expanded and task.pending_event is None:
                self._begin(task, when)

    def rules_changed(self, endpoint_id: str, when: float) -> None:
        m = self.m
        affected: dict[str, Task] = {}
        affected.update(m.t.active_by_endpoint.get(endpoint_id, {}))
        for coll in m.t.collections.values():  # guests of a paused host are paused too
            if coll.host_id == endpoint_id:
                affected.update(m.t.active_by_endpoint.get(coll.id, {}))
        for task in list(affected.values()):
            if not task.done:
                self._evaluate_pause(task, when)

    def set_admin_pause(self, task: Task, message: str | None, when: float) -> None:
        was = task.is_paused
        task.admin_paused_message = message
        self._pause_changed(task, was, when)

    # ================================================================ expansion ========
    def _caller(self, task: Task) -> Caller:
        return task.caller  # type: ignore[no-any-return]

    def _mount_for(self, task: Task, coll_id: str | None, side: str) -> Mount:
        m = self.m
        coll = m.t.collections.get(coll_id or "")
        if coll is None or coll.deleted:
            raise _Outcome("fatal", "ENDPOINT_ERROR", f"The {side} endpoint no longer exists",
                           side=side)
        try:
            return m._mount(coll, self._caller(task), check_consent=False)
        except E.TransferError as exc:
            raise _Outcome("fatal", "PERMISSION_DENIED", exc.message, side=side) from None

    def _source_problem(self, task: Task, code: str, path: str, details: str, *,
                        is_directory: bool = False) -> _Outcome:
        skippable = task.options.get("skip_source_errors") and code in (
            "FILE_NOT_FOUND", "PERMISSION_DENIED", "AMBIGUOUS_PATH")
        return _Outcome("skip" if skippable else "fatal", code, details, side="source",
                        path=path, is_directory=is_directory)

    def _expand(self, task: Task, when: float) -> None:
        if task.type == "DELETE":
            self._expand_delete(task)
        else:
            self._expand_transfer(task, when)

    def _expand_transfer(self, task: Task, when: float) -> None:
        src = self._mount_for(task, task.source_id, "source")
        dst = self._mount_for(task, task.destination_id, "destination")
        task.files = task.directories = task.symlinks = 0
        ops: list[Op] = []
        for item in task.items:
            src_text, dst_text = item["source_path"], item["destination_path"]
            sparts = self.m._parts(src, src_text)
            dparts = self.m._parts(dst, dst_text)
            try:
                if item["DATA_TYPE"] == "transfer_symlink_item":
                    found = src.view.lookup(sparts, src.user, follow_last=False, text=src_text)
                    if not isinstance(found.node, Symlink):
                        raise _Outcome("fatal", "NOT_A_SYMLINK",
                                       f"'{src_text}' is not a symlink", path=src_text)
                    ops.append(Op("symlink", sparts, dparts, src_text, dst_text,
                                  target=found.node.target))
                    task.symlinks += 1
                    continue
                found = src.view.lookup(sparts, src.user, text=src_text)
                if not src.allows(found.parts, "r"):
                    raise FsError(FsError.PERMISSION, src_text)
            except FsError as exc:
                out = self._source_problem(
                    task, _fs_code(exc), src_text,
                    f"Error on source '{src_text}': {exc.kind.replace('_', ' ')}",
                    is_directory=bool(item.get("recursive")))
                if out.how == "fatal":
                    raise out from None
                if item.get("recursive"):
                    task.directories += 1
                else:
                    task.files += 1
                self._record_skip(task, Op("copy", sparts, dparts, src_text, dst_text), out,
                                  when)
                continue
            if item.get("recursive"):
                if not isinstance(found.node, Dir):
                    raise _Outcome("fatal", "NOT_A_DIRECTORY",
                                   f"'{src_text}' is not a directory; recursive items must "
                                   "name directories", path=src_text)
                self._walk(task, src, dst, found.node, found.parts, dparts,
                           _slash(src_text), _slash(dst_text), ops, when, depth=0)
            else:
                if isinstance(found.node, Dir):
                    raise _Outcome("fatal", "IS_A_DIRECTORY",
                                   f"'{src_text}' is a directory; set recursive to transfer "
                                   "directories", path=src_text)
                assert isinstance(found.node, File)
                task.files += 1
                ops.append(Op("copy", found.parts, dparts, src_text, dst_text,
                              size=found.node.size,
                              external_checksum=item.get("external_checksum"),
                              checksum_algorithm=item.get("checksum_algorithm")))
        task.ops = ops
        task.subtasks_total = 1 + task.files + task.directories + task.symlinks + sum(
            1 for op in ops if op.extra)
        task.subtasks_succeeded += 1  # the expansion itself

    def _filtered_out(self, task: Task, name: str, kind: str) -> bool:
        for rule in task.options.get("filter_rules") or []:
            if rule["type"] not in (None, kind):
                continue
            if fnmatch.fnmatchcase(name, rule["name"]):
                return rule["method"] == "exclude"
        return False

    def _walk(self, task: Task, src: Mount, dst: Mount, node: Dir, sparts: Parts,
              dparts: Parts, stext: str, dtext: str, ops: list[Op], when: float,
              depth: int) -> None:
        task.directories += 1
        ops.append(Op("mkdir", sparts, dparts, stext, dtext))
        if depth > 64 or not src.user.may(node, 5) or not src.allows(sparts, "r"):
            out = self._source_problem(task, "PERMISSION_DENIED", stext,
                                       f"Cannot list source directory '{stext}'",
                                       is_directory=True)
            if out.how == "fatal":
                raise out
            self._record_skip(task, Op("mkdir", sparts, dparts, stext, dtext), out, when)
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
                self._walk(task, src, dst, child, cs, cd, st + "/", dt + "/", ops, when,
                           depth + 1)
            elif isinstance(child, File):
                if self._filtered_out(task, name, "file"):
                    continue
                seen.add(name)
                task.files += 1
                ops.append(Op("copy", cs, cd, st, dt, size=child.size))
        if task.options.get("delete_destination_extra"):
            self._plan_extras(task, dst, dparts, dtext, seen, ops)

    def _plan_extras(self, task: Task, dst: Mount, dparts: Parts, dtext: str,
                     keep: set[str], ops: list[Op]) -> None:
        try:
            found = dst.view.lookup(dparts, dst.user, text=dtext)
        except FsError:
            return
        if not isinstance(found.node, Dir):
            return
        for name in sorted(found.node.children):
            if name in keep:
                continue
            self._plan_delete_tree(found.node.children[name], found.parts + (name,),
                                   dtext + name, ops, extra=True)

    def _plan_delete_tree(self, node: Any, parts: Parts, text: str, ops: list[Op], *,
                          extra: bool = False, task: Task | None = None) -> None:
        if isinstance(node, Dir):
            for name in sorted(node.children):
                self._plan_delete_tree(node.children[name], parts + (name,), f"{text}/{name}",
                                       ops, extra=extra, task=task)
            if task is not None:
                task.directories += 1
        elif task is not None:
            if isinstance(node, Symlink):
                task.symlinks += 1
            else:
                task.files += 1
        ops.append(Op("delete", (), parts, "", text, extra=extra))

    def _expand_delete(self, task: Task) -> None:
        mount = self._mount_for(task, task.source_id, "source")
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
                    raise _Outcome("fatal", _fs_code(exc),
                                   f"Error deleting '{shown}': {exc.kind.replace('_', ' ')}",
                                   path=shown) from None
                if isinstance(found.node, Dir) and not opts["recursive"]:
                    raise _Outcome("fatal", "IS_A_DIRECTORY",
                                   f"'{shown}' is a directory; set recursive to delete it",
                                   path=shown)
                self._plan_delete_tree(found.node, found.parts, shown.rstrip("/") or "/", ops,
                                       task=task)
        task.ops = ops
        task.subtasks_total = task.files + task.directories + task.symlinks

    def _delete_targets(self, mount: Mount, text: str, globs: bool) -> list[tuple[Parts, str]]:
        parts = self.m._parts(mount, text)
        if not globs or not parts:
            return [(parts, text)]
        last = text.rstrip("/").rsplit("/", 1)[-1]
        if not GLOB_CHARS.search(last):
            unescaped = re.sub(r"\\(.)", r"\1", text)
            return [(self.m._parts(mount, unescaped), unescaped)]
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

    # ================================================================ subtasks =========
    def _fault_for(self, task: Task, op: Op) -> str | None:
        for fault in self.m.t.faults:
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
                if cid == fault.collection_id and text and fnmatch.fnmatchcase(
                        text, fault.path_glob):
                    fault.fired += 1
                    return fault.code
        return None

    def _run(self, task: Task, op: Op, when: float) -> None:
        m = self.m
        side_id = task.destination_id if task.type == "TRANSFER" else task.source_id
        for cid in {task.source_id, side_id} - {None}:
            coll = m.t.collections.get(cid)
            host = m.t.collections.get(coll.host_id or "") if coll and coll.is_guest else coll
            if host is not None and host.is_gcp:
                if not host.attrs.get("gcp_connected", True):
                    raise _Outcome("retry", "GC_NOT_CONNECTED",
                                   f"Globus Connect Personal '{host.display_name}' is not "
                                   "connected")
                if host.attrs.get("gcp_paused"):
                    raise _Outcome("retry", "GC_PAUSED",
                                   f"Globus Connect Personal '{host.display_name}' is paused")
        injected = self._fault_for(task, op)
        if injected in INACTIVE_CODES:
            raise _Outcome("inactive", injected, "Credentials for the endpoint expired")
        if injected == "QUOTA_EXCEEDED":
            self._quota(task, op.dst_text)
        if injected not in (None, "VERIFY_CHECKSUM"):
            raise _Outcome("retry", injected, f"Injected fault {injected} on '{op.src_text or op.dst_text}'")
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
        raise _Outcome(how, "QUOTA_EXCEEDED", f"Quota exceeded writing '{path}'",
                       side="destination", path=path)

    def _dst_error(self, task: Task, exc: FsError, path: str) -> _Outcome:
        if exc.kind == FsError.QUOTA:
            how = "fatal" if task.options.get("fail_on_quota_errors") else "retry"
            return _Outcome(how, "QUOTA_EXCEEDED", f"Quota exceeded writing '{path}'",
                            side="destination", path=path)
        return _Outcome("fatal", _fs_code(exc),
                        f"Error on destination '{path}': {exc.kind.replace('_', ' ')}",
                        side="destination", path=path)

    def _run_delete(self, task: Task, op: Op, when: float) -> None:
        mount = self._mount_for(task, task.destination_id if op.extra else task.source_id,
                                "destination" if op.extra else "source")
        try:
            mount.view.remove(op.dst, mount.user, when, text=op.dst_text)
        except FsError as exc:
            if exc.kind == FsError.NOT_FOUND:
                return  # already gone: what a delete wants
            raise _Outcome("fatal", _fs_code(exc),
                           f"Error deleting '{op.dst_text}': {exc.kind.replace('_', ' ')}",
                           path=op.dst_text) from None

    def _run_mkdir(self, task: Task, op: Op, when: float) -> None:
        dst = self._mount_for(task, task.destination_id, "destination")
        if not dst.allows(op.dst, "rw"):
            raise self._dst_error(task, FsError(FsError.PERMISSION, op.dst_text), op.dst_text)
        try:
            dst.view.makedirs(op.dst, dst.user, when)
        except FsError as exc:
            raise self._dst_error(task, exc, op.dst_text) from None

    def _run_symlink(self, task: Task, op: Op, when: float) -> None:
        dst = self._mount_for(task, task.destination_id, "destination")
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
                found.name, dst.user.name, dst.user.name, 0o777, when, target=op.target)
        except FsError as exc:
            raise self._dst_error(task, exc, op.dst_text) from None
        task.successful.append(self._success_row(task, op, None))

    def _run_copy(self, task: Task, op: Op, when: float, *, corrupt: bool) -> None:
        src = self._mount_for(task, task.source_id, "source")
        dst = self._mount_for(task, task.destination_id, "destination")
        try:
            found = src.view.lookup(op.src, src.user, text=op.src_text)
            if not src.allows(found.parts, "r") or not src.user.may(found.node, 4):
                raise FsError(FsError.PERMISSION, op.src_text)
        except FsError as exc:
            raise self._source_problem(task, _fs_code(exc), op.src_text,
                                       f"Error reading '{op.src_text}': "
                                       f"{exc.kind.replace('_', ' ')}") from None
        source = found.node
        if not isinstance(source, File):
            raise _Outcome("fatal", "IS_A_DIRECTORY", f"'{op.src_text}' is a directory",
                           path=op.src_text)
        algorithm = op.checksum_algorithm or "MD5"
        if op.external_checksum is not None:
            actual = source.checksum(algorithm)
            if actual.lower() != op.external_checksum.lower():
                raise _Outcome(
                    "fatal", "EXTERNAL_CHECKSUM_MISMATCH",
                    f"{algorithm} checksum of '{op.src_text}' is {actual}, but the "
                    f"external checksum given was {op.external_checksum}", path=op.src_text)
        if not dst.allows(op.dst, "rw"):
            raise self._dst_error(task, FsError(FsError.PERMISSION, op.dst_text), op.dst_text)
        # sync_level: is the destination already good enough?
        level = task.options.get("sync_level")
        try:
            existing = dst.view.resolve(op.dst, dst.user, text=op.dst_text).node
        except FsError:
            existing = None
        if isinstance(existing, Dir):
            raise _Outcome("fatal", "IS_A_DIRECTORY",
                           f"Destination '{op.dst_text}' is a directory", side="destination",
                           path=op.dst_text)
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
            data = File(source.name, source.user, source.group, source.mode, source.mtime,
                        size=source.size, content=None, seed=f"{source.seed}:corrupted")
        try:
            dst.view.makedirs(op.dst[:-1], dst.user, when)
            written = dst.view.write_file(
                op.dst, data, dst.user, when, text=op.dst_text,
                keep_mtime=source.mtime if task.options.get("preserve_timestamp") else None)
        except FsError as exc:
            raise self._dst_error(task, exc, op.dst_text) from None
        task.bytes_done += source.size
        if task.options.get("verify_checksum") and written.checksum(algorithm) != \
                source.checksum(algorithm):
            raise _Outcome("retry", "VERIFY_CHECKSUM",
                           f"Checksum verification failed for '{op.dst_text}': source "
                           f"{source.checksum(algorithm)}, destination "
                           f"{written.checksum(algorithm)}", side="destination",
                           path=op.dst_text)
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

    def _record_skip(self, task: Task, op: Op, out: _Outcome, when: float) -> None:
        task.faults += 1
        task.subtasks_skipped_errors += 1
        task.add_event(when, out.code, is_error=True, details=out.details)
        task.skipped.append({
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
        })


def _fs_code(exc: FsError) -> str:
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


def _describe(code: str) -> str:
    return {
        "FILE_NOT_FOUND": "No such file or directory",
        "PERMISSION_DENIED": "Permission denied",
        "EXTERNAL_CHECKSUM_MISMATCH": "The checksum of the source does not match the "
                                      "external checksum",
        "QUOTA_EXCEEDED": "Quota exceeded on the destination",
        "IS_A_DIRECTORY": "The path is a directory",
        "NOT_A_DIRECTORY": "The path is not a directory",
    }.get(code, code.replace("_", " ").lower())


def _slash(text: str) -> str:
    return text if text.endswith("/") else text + "/"


def _common_base(paths: list[Any]) -> str | None:
    texts = [p for p in paths if isinstance(p, str)]
    if not texts:
        return None
    split = [p.split("/")[:-1] for p in texts]
    common = split[0]
    for other in split[1:]:
        n = 0
        while n < min(len(common), len(other)) and common[n] == other[n]:
            n += 1
        common = common[:n]
    return "/".join(common) + "/" if common else "/"


__all__ = ["TaskEngine", "SYNC_LEVELS", "join"]
