"""Checking a submitted transfer or delete document and turning it into a queued task;
the same ``submission_id`` twice answers with the first task (idempotency)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockcore.state import ServiceState
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller
from mockglobus.transfer.base import Lookups, checked_path, object_body
from mockglobus.transfer.endpoints import GCSV5_ENDPOINT, Collection
from mockglobus.transfer.file_access import FileAccess
from mockglobus.transfer.query import parse_time
from mockglobus.transfer.tables import Settings, Tables
from mockglobus.transfer.tasks import Task
from mockglobus.transfer.vfs import CHECKSUM_ALGORITHMS

if TYPE_CHECKING:
    from mockglobus.transfer.engine import TaskEngine

SYNC_LEVELS = {"exists": 0, "size": 1, "mtime": 2, "checksum": 3}


def check_label(label: Any) -> str | None:
    """``label`` when it is a label the service accepts (also for task updates)."""
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


def parse_deadline(value: Any) -> float:
    """A deadline's ISO 8601 text as a time (also for task updates)."""
    if not isinstance(value, str) or not value.strip():
        raise E.ClientBadRequest(f"Invalid deadline '{value}': expected an ISO 8601 time")
    try:
        return parse_time(value)
    except ValueError:
        raise E.ClientBadRequest(f"Invalid deadline '{value}': expected an ISO 8601 time") from None


class Submission:
    """Checks a submitted document against the tables, records the task and hands it to
    the ``engine``; consents are checked by ``file_access``."""

    def __init__(
        self,
        state: ServiceState,
        tables: Tables,
        settings: Settings,
        lookups: Lookups,
        file_access: FileAccess,
        engine: TaskEngine,
    ) -> None:
        self.state = state
        self.t = tables
        self.settings = settings
        self.lookups = lookups
        self.file_access = file_access
        self.engine = engine

    def submit(self, caller: Caller, body: Any, kind: str) -> dict[str, Any]:
        """Accept a ``TRANSFER`` or ``DELETE`` document of ``caller`` as a queued task."""
        data_type = kind.lower()
        body = object_body(body, f"Could not parse JSON: expected a {data_type} document")
        if body.get("DATA_TYPE", data_type) != data_type:
            raise E.BadRequest(
                f"Invalid DATA_TYPE '{body.get('DATA_TYPE')}': expected '{data_type}'"
            )
        sid = body.get("submission_id")
        if not isinstance(sid, str) or not sid:
            raise E.ClientBadRequest("A submission_id is required; get one from /submission_id")
        previous = self.t.submissions.get(sid)
        if previous is not None:
            task = self.t.tasks.get(previous)
            if task is None or task.owner_id != caller.identity_id:
                raise E.Conflict(f"submission_id '{sid}' was used by another user")
            if task.type != kind:
                raise E.Conflict(f"submission_id '{sid}' was used for a {task.type} task")
            return self._submission_result(task, duplicate=True)

        label = check_label(body.get("label"))
        now = self.lookups.now()
        explicit = body.get("deadline") is not None
        deadline = (
            parse_deadline(body["deadline"]) if explicit else now + self.settings.default_deadline_s
        )
        items = body.get("DATA")
        options: dict[str, Any] = {}
        if kind == "TRANSFER":
            src = self._endpoint_arg(body, "source_endpoint")
            dst = self._endpoint_arg(body, "destination_endpoint")
            if not isinstance(items, list) or not items:
                raise E.NoTransferItems()
            options = self._transfer_options(body, src, dst)
            checked = [self._transfer_item(i, n) for n, i in enumerate(items)]
            if options["delete_destination_extra"] and not any(i.get("recursive") for i in checked):
                raise E.ClientBadRequest(
                    "delete_destination_extra requires at least one recursive item"
                )
            if options.get("filter_rules") and not any(i.get("recursive") for i in checked):
                raise E.ClientBadRequest("filter_rules require at least one recursive item")
            self.file_access.check_consent(src, caller)
            self.file_access.check_consent(dst, caller)
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
            self.file_access.check_consent(src, caller)
        for flag in (
            "notify_on_succeeded",
            "notify_on_failed",
            "notify_on_inactive",
            "store_base_path_info",
        ):
            if flag in body and not isinstance(body[flag], bool):
                raise E.BadRequest(f"Invalid value for '{flag}': must be a boolean")
            options[flag] = body.get(flag, flag != "store_base_path_info")

        task = Task(
            task_id=str(self.state.ids.uuid1()),
            seq=next(self.t.seq),
            type=kind,
            owner_id=caller.identity_id,
            username=caller.username,
            owner_string=caller.username,
            submission_id=sid,
            request_time=now,
            deadline=deadline,
            explicit_deadline=explicit,
            label=label,
            source_id=src.id,
            destination_id=dst.id if dst else None,
            options=options,
            items=checked,
        )
        task.caller = caller
        if options.get("store_base_path_info"):
            options["source_base_path"] = _common_base(
                [i.get("source_path") or i.get("path") for i in checked]
            )
            options["destination_base_path"] = (
                _common_base([i.get("destination_path") for i in checked]) if dst else None
            )
        if kind == "TRANSFER":
            task.files = sum(1 for i in checked if not i.get("recursive"))
            task.directories = sum(1 for i in checked if i.get("recursive"))
            task.subtasks_total = len(checked) + 1
        else:
            task.subtasks_total = len(checked)
        self.t.add_task(task)
        self.t.submissions[sid] = task.task_id
        for eid in task.endpoint_ids:
            self.t.active_by_endpoint[eid][task.task_id] = task
            self.t.recently_used[caller.identity_id][eid] = now
        self.engine.enqueue(task, now)
        return self._submission_result(task, duplicate=False)

    def _submission_result(self, task: Task, *, duplicate: bool) -> dict[str, Any]:
        what = task.type.lower()
        if duplicate:
            code, message = (
                "Duplicate",
                (
                    f"A {what} with submission_id '{task.submission_id}' was already accepted "
                    f"as task {task.task_id}"
                ),
            )
        else:
            code, message = (
                "Accepted",
                (
                    f"The {what} has been accepted and a task has been created and queued for "
                    "execution"
                ),
            )
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
        coll = self.lookups.collection(value)
        if coll.entity_type == GCSV5_ENDPOINT:
            raise E.ClientBadRequest(
                f"'{coll.display_name}' ({coll.id}) is a Globus Connect Server v5 endpoint; "
                "tasks need one of its collections"
            )
        return coll

    def _transfer_options(
        self, body: dict[str, Any], src: Collection, dst: Collection
    ) -> dict[str, Any]:
        opts: dict[str, Any] = {}
        for flag in (
            "verify_checksum",
            "preserve_timestamp",
            "encrypt_data",
            "skip_source_errors",
            "fail_on_quota_errors",
            "delete_destination_extra",
        ):
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
                checked.append(
                    {"DATA_TYPE": "filter_rule", "method": method, "name": name, "type": kind}
                )
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
            checked_path(value)
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
                    f"DATA[{n}]: external_checksum is not allowed for recursive items"
                )
            if not isinstance(checksum, str) or not checksum:
                raise E.BadRequest(f"DATA[{n}]: external_checksum must be a string")
            out["external_checksum"] = checksum
        if algorithm is not None:
            if not isinstance(algorithm, str) or algorithm.upper() not in CHECKSUM_ALGORITHMS:
                raise E.BadRequest(
                    f"DATA[{n}]: unsupported checksum_algorithm '{algorithm}'; supported: "
                    + ", ".join(CHECKSUM_ALGORITHMS)
                )
            out["checksum_algorithm"] = algorithm.upper()
        return out

    @staticmethod
    def _delete_item(item: Any, n: int) -> dict[str, Any]:
        if not isinstance(item, dict) or item.get("DATA_TYPE", "delete_item") != "delete_item":
            raise E.BadRequest(f"DATA[{n}] must be a delete_item object")
        path = item.get("path")
        checked_path(path)
        return {"DATA_TYPE": "delete_item", "path": path}


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
