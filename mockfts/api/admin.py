"""Operator routes: banning, optimizer, snapshot, server status, autocomplete,
force-start, the file listing and the archive (fts-rest-flask ``controllers/banning.py``,
``optimizer.py``, ``serverstatus.py``, ``autocomplete.py``, ``admin.py``, ``files.py``,
``archive.py``).

Authorization as fts-rest-flask decorates each controller: ``config`` for banning,
autocomplete; certificate then ``config`` for ``/status/hosts``; certificate then
``admin`` for ``/admin/force-start``; ``transfer`` for ``/files``; nothing for the
optimizer (even its POST), ``/archive`` and ``/snapshot``. DB grants
(``/config/authorize``) count on these routes.

Handlers carry the names of fts-rest-flask's controller functions where they read well
alone (``ban_se``, ``force_start_files``); :data:`ROUTES` names each upstream function.

Deviations (the double never answers 500 to a client's mistake): a ban body that is
JSON but not an object, a non-string ban ``status``, and ``GET /files`` with a
``time_window`` all crash the real server (500); the double answers 400. Not
implemented: ``/cs/*`` (WebFTS cloud credential dance) answers the JSON 404 of unknown
routes.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Response, g, request

from mockcore.routes import Route
from mockfts import errors
from mockfts.api import render
from mockfts.api.inputs import input_as_dict, parse_json
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
        value = parse_json(request.get_data() or b"", errors.MalformedInput)
        if not isinstance(value, dict):
            raise errors.MalformedInput()
        return value
    return request.values.to_dict()


def _ban_text(body: dict, name: str, default: str | None = None) -> str | None:
    """A text field of a ban request. Deliberate deviation: another JSON type (a list, an
    object, a number) is 400 ``Malformed input`` here; the real server fails with a 500
    storing it."""
    value = body.get(name, default)
    if value is not None and not isinstance(value, str):
        raise errors.MalformedInput()
    return value


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

    def ban_se(self):
        identity = require(CONFIG)
        body = _ban_input()
        storage = _ban_text(body, "storage")
        if not storage:
            raise errors.MissingStorage()
        status = body.get("status", "cancel")
        if not isinstance(status, str):
            raise errors.BadBanStatus()
        # bool() of the raw value, as the server does: the form string "false" is true.
        affected = self.state.ops.bans.ban_storage(
            identity,
            storage,
            status,
            bool(body.get("allow_submit", False)),
            _ban_text(body, "message", ""),
        )
        return render.json_response(affected)

    def unban_se(self):
        identity = require(CONFIG)
        storage = request.values.get("storage")
        if not storage:
            raise errors.MissingStorage()
        self.state.ops.bans.unban_storage(identity, storage)
        return no_content()

    def list_banned_se(self):
        require(CONFIG)
        return render.json_response([document(b) for b in self.state.ops.bans.banned_storages()])

    def ban_dn(self):
        identity = require(CONFIG)
        body = _ban_input()
        dn = _ban_text(body, "user_dn")
        if not dn:
            raise errors.MissingBanDn()
        return render.json_response(
            self.state.ops.bans.ban_user(identity, dn, _ban_text(body, "message", ""))
        )

    def unban_dn(self):
        identity = require(CONFIG)
        dn = request.values.get("user_dn")
        if not dn:
            raise errors.MissingUnbanDn()
        self.state.ops.bans.unban_user(identity, dn)
        return no_content()

    def list_banned_dn(self):
        require(CONFIG)
        return render.json_response([document(b) for b in self.state.ops.bans.banned_users()])

    # --- optimizer ---------------------------------------------------------------------

    def optimizer_enabled(self):
        return render.json_response(self.state.ops.optimizer.enabled)

    def optimizer_evolution(self):
        rows = self.state.ops.optimizer.evolution_rows(
            request.values.get("source_se"), request.values.get("dest_se")
        )
        return render.json_response([document(row) for row in rows])

    def get_optimizer_values(self):
        rows = self.state.ops.optimizer.current_rows(
            request.values.get("source_se"), request.values.get("dest_se")
        )
        return render.json_response([document(row) for row in rows])

    def set_optimizer_values(self):
        evolution, optimizer, extra = self.state.ops.optimizer.set_values(input_as_dict(request))
        return render.json_response([document(evolution), {**document(optimizer), **extra}])

    # --- snapshot, status, autocomplete ------------------------------------------------

    def snapshot(self):
        if not self.state.profile.has_snapshot:
            raise errors.RouteNotFound()  # removed from the REST API in 2017 (FTS-792)
        args = request.values
        return render.json_response(
            self.state.ops.overview.snapshot(
                args.get("vo_name"), args.get("source_se"), args.get("dest_se")
            )
        )

    def hosts_activity(self):
        require(CONFIG, certificate=True)
        return render.json_response(self.state.ops.overview.hosts_activity())

    def autocomplete_dn(self):
        require(CONFIG)
        return render.json_response(
            self.state.ops.overview.credential_dns(request.values.get("term", "/DC=cern.ch"))
        )

    def _link_ends(self, which: str):
        require(CONFIG)
        return render.json_response(
            self.state.ops.overview.link_ends(request.values.get("term", "srm://"), which)
        )

    def autocomplete_source(self):
        return self._link_ends("source")

    def autocomplete_destination(self):
        return self._link_ends("destination")

    def autocomplete_storage(self):
        return self._link_ends("storage")

    def autocomplete_vo(self):
        require(CONFIG)
        return render.json_response(
            self.state.ops.overview.vos(request.values.get("term", "srm://"))
        )

    def force_start_files(self):
        require(ADMIN, certificate=True)
        if request.content_type != "application/json":
            raise errors.ForceStartContentType()
        file_ids = parse_json(request.get_data() or b"", errors.MalformedInput)
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
            vo,
            state_in.split(",") if state_in else None,
            args.get("source_se"),
            args.get("dest_se"),
            args.get("dest_surl"),
        )
        profile = self.state.profile
        return render.json_response([render.file_document(f, profile) for f in files])

    def archive_index(self):
        return render.json_response(
            {
                "_links": {
                    "curies": [{"name": "fts", "href": "https://gitlab.cern.ch/fts/fts3"}],
                    "fts:archivedJob": {
                        "href": "/archive/{id}",
                        "title": "Archived job information",
                        "templated": True,
                    },
                }
            }
        )

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
    Route("POST", "/ban/se", AdminApi.ban_se, "banning.ban_se"),
    Route("DELETE", "/ban/se", AdminApi.unban_se, "banning.unban_se"),
    Route("GET", "/ban/se", AdminApi.list_banned_se, "banning.list_banned_se"),
    Route("POST", "/ban/dn", AdminApi.ban_dn, "banning.ban_dn"),
    Route("DELETE", "/ban/dn", AdminApi.unban_dn, "banning.unban_dn"),
    Route("GET", "/ban/dn", AdminApi.list_banned_dn, "banning.list_banned_dn"),
    Route("GET", "/optimizer", AdminApi.optimizer_enabled, "optimizer.is_enabled"),
    Route("GET", "/optimizer/evolution", AdminApi.optimizer_evolution, "optimizer.evolution"),
    Route(
        "GET", "/optimizer/current", AdminApi.get_optimizer_values, "optimizer.get_optimizer_values"
    ),
    Route(
        "POST",
        "/optimizer/current",
        AdminApi.set_optimizer_values,
        "optimizer.set_optimizer_values",
    ),
    Route(
        "GET",
        "/snapshot",
        AdminApi.snapshot,
        "snapshot.SnapshotController.snapshot",
        note="Pylons fts-rest, removed in 2017 by FTS-792; legacy profile only",
    ),
    Route("GET", "/status/hosts", AdminApi.hosts_activity, "serverstatus.hosts_activity"),
    Route("GET", "/autocomplete/dn", AdminApi.autocomplete_dn, "autocomplete.autocomplete_dn"),
    Route(
        "GET",
        "/autocomplete/source",
        AdminApi.autocomplete_source,
        "autocomplete.autocomplete_source",
    ),
    Route(
        "GET",
        "/autocomplete/destination",
        AdminApi.autocomplete_destination,
        "autocomplete.autocomplete_destination",
    ),
    Route(
        "GET",
        "/autocomplete/storage",
        AdminApi.autocomplete_storage,
        "autocomplete.autocomplete_storage",
    ),
    Route("GET", "/autocomplete/vo", AdminApi.autocomplete_vo, "autocomplete.autocomplete_vo"),
    Route("POST", "/admin/force-start", AdminApi.force_start_files, "admin.force_start_files"),
    Route("GET", "/files", AdminApi.list_files, "files.index"),
    Route("GET", "/archive", AdminApi.archive_index, "archive.index"),
    Route("GET", "/archive/<job_id>", AdminApi.archived_job, "archive.get"),
    Route("GET", "/archive/<job_id>/<field>", AdminApi.archived_field, "archive.get_field"),
]
