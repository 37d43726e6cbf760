"""Operator routes: banning, optimizer, snapshot, server status, autocomplete,
force-start, the file listing and the archive (reference 3.10-3.11, 3.13-3.15, 3.17).

Authorization as fts-rest-flask decorates each controller: ``config`` for banning,
autocomplete; certificate then ``config`` for ``/status/hosts``; certificate then
``admin`` for ``/admin/force-start``; ``transfer`` for ``/files``; nothing for the
optimizer (even its POST), ``/archive`` and ``/snapshot``. DB grants
(``/config/authorize``) count on these routes.

Deviations (the double never answers 500 to a client's mistake): a ban body that is
JSON but not an object, a non-string ban ``status``, and ``GET /files`` with a
``time_window`` all crash the real server (500); the double answers 400. Not
implemented: ``/dm/*`` (gfal2 operations on storage) and ``/cs/*`` (WebFTS cloud
credential dance) answer the JSON 404 of unknown routes.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from flask import Response, g, request

from mockfts import errors
from mockfts.api import render
from mockfts.api.inputs import input_as_dict
from mockfts.model.identity import ADMIN, CONFIG, TRANSFER, Identity
from mockfts.model.store import FtsState

_TIMES = frozenset({"datetime", "addition_time", "beat"})


def document(record: Any) -> dict:
    """A stored row as the server serialises it (times as ``YYYY-MM-DDTHH:MM:SS``)."""
    row = asdict(record) if not isinstance(record, dict) else dict(record)
    for key in _TIMES & row.keys():
        row[key] = render.timestamp(row[key])
    return row


def require(operation: str, *, certificate: bool = False) -> Identity:
    identity = g.identity  # DB grants already applied by the authentication layer
    if certificate and identity.method != "certificate":
        raise errors.CertificateRequired()
    if identity.granted(operation) is None:
        raise errors.NotEnoughPermissions()
    return identity


def no_content() -> Response:
    return Response(b"", status=204, mimetype="application/json")


def _ban_input() -> dict:
    """Banning reads JSON only for ``Content-Type: application/json`` exactly, else the
    query and form values."""
    if request.content_type == "application/json":
        try:
            value = json.loads(request.get_data() or b"")
        except ValueError:
            raise errors.MalformedInput() from None
        if not isinstance(value, dict):
            raise errors.MalformedInput()
        return value
    return request.values.to_dict()


def _time_window_given(text: str | None) -> bool:
    """Whether ``/files`` parses ``time_window`` as the server does (``H[:M]``, extra
    fields ignored); an unparsable value is ignored there, a parsable one crashes it."""
    if text is None:
        return False
    parts = text.split(":")
    try:
        int(parts[0])
        int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        return False
    return True


class AdminApi:
    def __init__(self, state: FtsState) -> None:
        self.state = state

    # --- banning -----------------------------------------------------------------------

    def ban_storage(self):
        identity = require(CONFIG)
        body = _ban_input()
        storage = body.get("storage")
        if not storage:
            raise errors.MissingStorage()
        status = body.get("status", "cancel")
        if not isinstance(status, str):
            raise errors.BadBanStatus()
        # bool() of the raw value, as the server does: the form string "false" is true.
        affected = self.state.ops.bans.ban_storage(
            identity, storage, status, bool(body.get("allow_submit", False)),
            body.get("message", ""))
        return render.json_response(affected)

    def unban_storage(self):
        identity = require(CONFIG)
        storage = request.values.get("storage")
        if not storage:
            raise errors.MissingStorage()
        self.state.ops.bans.unban_storage(identity, storage)
        return no_content()

    def banned_storages(self):
        require(CONFIG)
        return render.json_response([document(b) for b in self.state.ops.bans.banned_storages()])

    def ban_user(self):
        identity = require(CONFIG)
        body = _ban_input()
        dn = body.get("user_dn")
        if not dn:
            raise errors.MissingBanDn()
        return render.json_response(
            self.state.ops.bans.ban_user(identity, dn, body.get("message", "")))

    def unban_user(self):
        identity = require(CONFIG)
        dn = request.values.get("user_dn")
        if not dn:
            raise errors.MissingUnbanDn()
        self.state.ops.bans.unban_user(identity, dn)
        return no_content()

    def banned_users(self):
        require(CONFIG)
        return render.json_response([document(b) for b in self.state.ops.bans.banned_users()])

    # --- optimizer ---------------------------------------------------------------------

    def optimizer_enabled(self):
        return render.json_response(self.state.ops.optimizer.enabled)

    def optimizer_evolution(self):
        rows = self.state.ops.optimizer.evolution_rows(
            request.values.get("source_se"), request.values.get("dest_se"))
        return render.json_response([document(row) for row in rows])

    def optimizer_current(self):
        rows = self.state.ops.optimizer.current_rows(
            request.values.get("source_se"), request.values.get("dest_se"))
        return render.json_response([document(row) for row in rows])

    def set_optimizer(self):
        evolution, optimizer, extra = self.state.ops.optimizer.set_values(input_as_dict(request))
        return render.json_response([document(evolution), {**document(optimizer), **extra}])

    # --- snapshot, status, autocomplete ------------------------------------------------

    def snapshot(self):
        if not self.state.profile.has_snapshot:
            raise errors.RouteNotFound()  # removed from the REST API in 2017 (FTS-792)
        args = request.values
        return render.json_response(self.state.ops.overview.snapshot(
            args.get("vo_name"), args.get("source_se"), args.get("dest_se")))

    def hosts_activity(self):
        require(CONFIG, certificate=True)
        return render.json_response(self.state.ops.overview.hosts_activity())

    def autocomplete(self, what: str):
        require(CONFIG)
        overview = self.state.ops.overview
        if what == "dn":
            return render.json_response(
                overview.credential_dns(request.values.get("term", "/DC=cern.ch")))
        term = request.values.get("term", "srm://")
        if what == "vo":
            return render.json_response(overview.vos(term))
        return render.json_response(overview.link_ends(term, what))

    def force_start(self):
        require(ADMIN, certificate=True)
        if request.content_type != "application/json":
            raise errors.ForceStartContentType()
        try:
            file_ids = json.loads(request.get_data() or b"")
        except ValueError:
            raise errors.MalformedInput() from None
        if not isinstance(file_ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in file_ids
        ):
            raise errors.ForceStartNotIds()
        return render.json_response(self.state.ops.overview.force_start(file_ids))

    # --- files and archive -------------------------------------------------------------

    def list_files(self):
        identity = require(TRANSFER)
        args = request.values
        if _time_window_given(args.get("time_window")):
            raise errors.FilesTimeWindowUnsupported()
        vo = args.get("vo_name")
        if identity.granted(TRANSFER) in ("", "vo"):
            vo = identity.vo
        state_in = args.get("state_in")
        files = self.state.ops.overview.files(
            vo, state_in.split(",") if state_in else None, args.get("source_se"),
            args.get("dest_se"), args.get("dest_surl"))
        profile = self.state.profile
        return render.json_response([render.file_document(f, profile) for f in files])

    def archive_index(self):
        return render.json_response({"_links": {
            "curies": [{"name": "fts", "href": "https://gitlab.cern.ch/fts/fts3"}],
            "fts:archivedJob": {"href": "/archive/{id}", "title": "Archived job information",
                                "templated": True},
        }})

    def _archived(self, job_id: str) -> dict:
        job = self.state.ops.archive.job(g.identity, job_id)
        profile = self.state.profile
        doc = render.job_document(job, profile)
        doc["files"] = [render.file_document(f, profile) for f in job.files]
        return doc

    def archived_job(self, job_id: str):
        return render.json_response(self._archived(job_id))

    def archived_field(self, job_id: str, field: str):
        doc = self._archived(job_id)
        if field not in doc:
            raise errors.NoSuchField()
        return render.json_response(doc[field])


ROUTES = [
    ("/ban/se", ["POST"], "ban_storage"),
    ("/ban/se", ["DELETE"], "unban_storage"),
    ("/ban/se", ["GET"], "banned_storages"),
    ("/ban/dn", ["POST"], "ban_user"),
    ("/ban/dn", ["DELETE"], "unban_user"),
    ("/ban/dn", ["GET"], "banned_users"),
    ("/optimizer", ["GET"], "optimizer_enabled"),
    ("/optimizer/evolution", ["GET"], "optimizer_evolution"),
    ("/optimizer/current", ["GET"], "optimizer_current"),
    ("/optimizer/current", ["POST"], "set_optimizer"),
    ("/snapshot", ["GET"], "snapshot"),
    ("/status/hosts", ["GET"], "hosts_activity"),
    ("/autocomplete/<any(dn, source, destination, storage, vo):what>", ["GET"], "autocomplete"),
    ("/admin/force-start", ["POST"], "force_start"),
    ("/files", ["GET"], "list_files"),
    ("/archive", ["GET"], "archive_index"),
    ("/archive/<job_id>", ["GET"], "archived_job"),
    ("/archive/<job_id>/<field>", ["GET"], "archived_field"),
]
