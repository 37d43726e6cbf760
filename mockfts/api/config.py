"""Configuration routes (``/config...``, reference 3.16), authorization ``config``.

The GETs of ``/config``, ``/config/audit``, ``/config/global``, ``/config/links``,
``/config/se``, ``/config/authorize``, ``/config/activity_shares`` and
``/config/cloud_storage`` negotiate on ``Accept`` and answer pretty-printed JSON
(indent 2), as fts-rest-flask's ``@accept`` does. Deliberate choice: the real server
picks its HTML page for ``Accept: */*`` (the ``requests`` default, which Rucio sends);
the double answers JSON unless HTML is preferred, because its HTML page (a ``<pre>``
of the same JSON, not the server's Mako templates) helps nobody who did not ask for
it. An ``Accept`` matching neither gets JSON (the server's default).

``/config/authorize``, ``/config/activity_shares`` and ``/config/cloud_storage`` also
require a certificate (403 ``Certificate required`` for token users).

Deviations where the real server answers 500: ``GET /config/activity_shares/<vo>``
for a VO without shares (404 ``No activity shares for <vo>``, the DELETE's message),
``POST /config/global``'s response (the double answers the GET document), ``POST
/config/cloud_storage``'s response (the double answers the storage name as a JSON
string, 201), and an activity share entry that is not an object (400).
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from typing import Any

from flask import Response, request

from mockfts.api import render
from mockfts.api.admin import document, no_content, require
from mockfts.api.inputs import input_as_dict
from mockfts.model.identity import CONFIG
from mockfts.model.store import FtsState

_OFFERS = ["application/json", "text/html"]  # JSON first: it wins ties such as */*


def negotiated(payload: Any) -> Response:
    best = request.accept_mimetypes.best_match(_OFFERS, default="application/json")
    text = json.dumps(payload, indent=2)
    if best == "text/html":
        page = ("<!doctype html>\n<html lang=en>\n<title>FTS3 configuration</title>\n"
                f"<pre>{html.escape(text)}</pre>\n")
        return Response(page, mimetype="text/html")
    return Response(text, mimetype="application/json")


class ConfigApi:
    def __init__(self, state: FtsState) -> None:
        self.state = state

    @property
    def config(self):
        return self.state.ops.config

    # --- hosts, drain, audit -----------------------------------------------------------

    def hosts(self):
        require(CONFIG)
        return negotiated([document(h) for h in self.config.hosts()])

    def drain(self):
        identity = require(CONFIG)
        self.config.set_drain(identity, input_as_dict(request))
        return render.json_response(None)

    def audit(self):
        require(CONFIG)
        return negotiated([document(row) for row in self.config.recent_audit()])

    # --- global --------------------------------------------------------------------------

    def get_global(self):
        require(CONFIG)
        return negotiated(self.config.global_config())

    def set_global(self):
        identity = require(CONFIG)
        result = self.config.set_global(identity, input_as_dict(request))
        return Response(json.dumps(result, indent=2), mimetype="application/json")

    def delete_global(self):
        require(CONFIG)
        self.config.delete_global(request.values.get("vo_name"))
        return no_content()

    # --- links ---------------------------------------------------------------------------

    def set_link(self):
        identity = require(CONFIG)
        link = self.config.set_link(identity, input_as_dict(request))
        return render.json_response(asdict(link), 201)

    def links(self):
        require(CONFIG)
        return negotiated([asdict(link) for link in self.config.all_links()])

    def link(self, sym_name: str):
        require(CONFIG)
        return render.json_response(asdict(self.config.link(sym_name)))

    def delete_link(self, sym_name: str):
        identity = require(CONFIG)
        self.config.delete_link(identity, sym_name)
        return no_content()

    # --- shares --------------------------------------------------------------------------

    def set_share(self):
        identity = require(CONFIG)
        return render.json_response(self.config.set_share(identity, input_as_dict(request)))

    def shares(self):
        require(CONFIG)
        return render.json_response(self.config.all_shares())

    def delete_share(self):
        identity = require(CONFIG)
        args = request.values
        self.config.delete_share(identity, args.get("source"), args.get("destination"),
                                 args.get("vo"))
        return no_content()

    # --- storages ------------------------------------------------------------------------

    def set_storages(self):
        identity = require(CONFIG)
        return render.json_response(self.config.set_storages(identity, input_as_dict(request)))

    def storages(self):
        require(CONFIG)
        return negotiated(self.config.storage_config(request.values.get("se")))

    def delete_storage(self):
        require(CONFIG)
        self.config.delete_storage(request.values.get("se"))
        return no_content()

    # --- authorizations ------------------------------------------------------------------

    def grant(self):
        identity = require(CONFIG, certificate=True)
        body = input_as_dict(request)
        return render.json_response(self.config.grant(identity, body.get("dn"),
                                                      body.get("operation")))

    def grants(self):
        require(CONFIG, certificate=True)
        args = request.values
        return negotiated(self.config.list_grants(args.get("dn"), args.get("operation")))

    def revoke(self):
        identity = require(CONFIG, certificate=True)
        args = request.values
        self.config.revoke(identity, args.get("dn"), args.get("operation"))
        return no_content()

    # --- activity shares -----------------------------------------------------------------

    def activity_shares(self):
        require(CONFIG, certificate=True)
        return negotiated(self.config.all_activity_shares())

    def set_activity_share(self):
        identity = require(CONFIG, certificate=True)
        return render.json_response(
            self.config.set_activity_share(identity, input_as_dict(request)))

    def activity_share(self, vo_name: str):
        require(CONFIG, certificate=True)
        return render.json_response(self.config.activity_share(vo_name))

    def delete_activity_share(self, vo_name: str):
        identity = require(CONFIG, certificate=True)
        self.config.delete_activity_share(identity, vo_name)
        return no_content()

    # --- cloud storages ------------------------------------------------------------------

    def cloud_storages(self):
        require(CONFIG, certificate=True)
        return negotiated(self.config.cloud_storages())

    def set_cloud_storage(self):
        require(CONFIG, certificate=True)
        return render.json_response(self.config.set_cloud_storage(input_as_dict(request)), 201)

    def cloud_storage_users(self, storage_name: str):
        require(CONFIG, certificate=True)
        return render.json_response(self.config.cloud_users(storage_name))

    def add_cloud_user(self, storage_name: str):
        require(CONFIG, certificate=True)
        # The storage is looked up before the body is read, as on the real server.
        self.config.cloud_users(storage_name)
        return render.json_response(
            self.config.add_cloud_user(storage_name, input_as_dict(request)), 201)

    def delete_cloud_storage(self, storage_name: str):
        require(CONFIG, certificate=True)
        self.config.delete_cloud_storage(storage_name)
        return no_content()

    def delete_cloud_user(self, storage_name: str, who: str):
        require(CONFIG, certificate=True)
        self.config.remove_cloud_user(storage_name, who)
        return no_content()


ROUTES = [
    ("/config", ["GET"], "hosts"),
    ("/config/drain", ["POST"], "drain"),
    ("/config/audit", ["GET"], "audit"),
    ("/config/global", ["GET"], "get_global"),
    ("/config/global", ["POST"], "set_global"),
    ("/config/global", ["DELETE"], "delete_global"),
    ("/config/links", ["POST"], "set_link"),
    ("/config/links", ["GET"], "links"),
    ("/config/links/<sym_name>", ["GET"], "link"),
    ("/config/links/<sym_name>", ["DELETE"], "delete_link"),
    ("/config/shares", ["POST"], "set_share"),
    ("/config/shares", ["GET"], "shares"),
    ("/config/shares", ["DELETE"], "delete_share"),
    ("/config/se", ["POST"], "set_storages"),
    ("/config/se", ["GET"], "storages"),
    ("/config/se", ["DELETE"], "delete_storage"),
    ("/config/authorize", ["POST"], "grant"),
    ("/config/authorize", ["GET"], "grants"),
    ("/config/authorize", ["DELETE"], "revoke"),
    ("/config/activity_shares", ["GET"], "activity_shares"),
    ("/config/activity_shares", ["POST"], "set_activity_share"),
    ("/config/activity_shares/<vo_name>", ["GET"], "activity_share"),
    ("/config/activity_shares/<vo_name>", ["DELETE"], "delete_activity_share"),
    ("/config/cloud_storage", ["GET"], "cloud_storages"),
    ("/config/cloud_storage", ["POST"], "set_cloud_storage"),
    ("/config/cloud_storage/<storage_name>", ["GET"], "cloud_storage_users"),
    ("/config/cloud_storage/<storage_name>", ["POST"], "add_cloud_user"),
    ("/config/cloud_storage/<storage_name>", ["DELETE"], "delete_cloud_storage"),
    ("/config/cloud_storage/<storage_name>/<who>", ["DELETE"], "delete_cloud_user"),
]
