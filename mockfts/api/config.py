"""Configuration routes (fts-rest-flask ``controllers/config/*``), authorization ``config``.

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
string, 201), an activity share entry that is not an object (400), and a value longer
than its column in links, shares, global config, grants and cloud storages (400
``Length N exceeds allowed M``, :mod:`mockfts.model.columns`).
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from typing import Any

from flask import Response, request

from mockcore.routes import Route
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
        page = (
            "<!doctype html>\n<html lang=en>\n<title>FTS3 configuration</title>\n"
            f"<pre>{html.escape(text)}</pre>\n"
        )
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

    def set_drain(self):
        identity = require(CONFIG)
        self.config.set_drain(identity, input_as_dict(request))
        return render.json_response(None)

    def audit(self):
        require(CONFIG)
        return negotiated([document(row) for row in self.config.recent_audit()])

    # --- global --------------------------------------------------------------------------

    def get_global_config(self):
        require(CONFIG)
        return negotiated(self.config.global_config())

    def set_global_config(self):
        identity = require(CONFIG)
        result = self.config.set_global(identity, input_as_dict(request))
        return Response(json.dumps(result, indent=2), mimetype="application/json")

    def delete_vo_global_config(self):
        require(CONFIG)
        self.config.delete_global(request.values.get("vo_name"))
        return no_content()

    # --- links ---------------------------------------------------------------------------

    def set_link_config(self):
        identity = require(CONFIG)
        link = self.config.set_link(identity, input_as_dict(request))
        return render.json_response(asdict(link), 201)

    def get_all_link_configs(self):
        require(CONFIG)
        return negotiated([asdict(link) for link in self.config.all_links()])

    def get_link_config(self, sym_name: str):
        require(CONFIG)
        return render.json_response(asdict(self.config.link(sym_name)))

    def delete_link_config(self, sym_name: str):
        identity = require(CONFIG)
        self.config.delete_link(identity, sym_name)
        return no_content()

    # --- shares --------------------------------------------------------------------------

    def set_share(self):
        identity = require(CONFIG)
        return render.json_response(self.config.set_share(identity, input_as_dict(request)))

    def get_shares(self):
        require(CONFIG)
        return render.json_response(self.config.all_shares())

    def delete_share(self):
        identity = require(CONFIG)
        args = request.values
        self.config.delete_share(
            identity, args.get("source"), args.get("destination"), args.get("vo")
        )
        return no_content()

    # --- storages ------------------------------------------------------------------------

    def set_se_config(self):
        identity = require(CONFIG)
        return render.json_response(self.config.set_storages(identity, input_as_dict(request)))

    def get_se_config(self):
        require(CONFIG)
        return negotiated(self.config.storage_config(request.values.get("se")))

    def delete_se_config(self):
        require(CONFIG)
        self.config.delete_storage(request.values.get("se"))
        return no_content()

    # --- authorizations ------------------------------------------------------------------

    def add_authz(self):
        identity = require(CONFIG, certificate=True)
        body = input_as_dict(request)
        return render.json_response(
            self.config.grant(identity, body.get("dn"), body.get("operation"))
        )

    def list_authz(self):
        require(CONFIG, certificate=True)
        args = request.values
        return negotiated(self.config.list_grants(args.get("dn"), args.get("operation")))

    def remove_authz(self):
        identity = require(CONFIG, certificate=True)
        args = request.values
        self.config.revoke(identity, args.get("dn"), args.get("operation"))
        return no_content()

    # --- activity shares -----------------------------------------------------------------

    def get_activity_shares(self):
        require(CONFIG, certificate=True)
        return negotiated(self.config.all_activity_shares())

    def set_activity_shares(self):
        identity = require(CONFIG, certificate=True)
        return render.json_response(
            self.config.set_activity_share(identity, input_as_dict(request))
        )

    def get_activity_shares_vo(self, vo_name: str):
        require(CONFIG, certificate=True)
        return render.json_response(self.config.activity_share(vo_name))

    def delete_activity_shares(self, vo_name: str):
        identity = require(CONFIG, certificate=True)
        self.config.delete_activity_share(identity, vo_name)
        return no_content()

    # --- cloud storages ------------------------------------------------------------------

    def get_cloud_storages(self):
        require(CONFIG, certificate=True)
        return negotiated(self.config.cloud_storages())

    def set_cloud_storage(self):
        require(CONFIG, certificate=True)
        return render.json_response(self.config.set_cloud_storage(input_as_dict(request)), 201)

    def get_cloud_storage(self, storage_name: str):
        require(CONFIG, certificate=True)
        return render.json_response(self.config.cloud_users(storage_name))

    def add_user_to_cloud_storage(self, storage_name: str):
        require(CONFIG, certificate=True)
        # The storage is looked up before the body is read, as on the real server.
        self.config.cloud_users(storage_name)
        return render.json_response(
            self.config.add_cloud_user(storage_name, input_as_dict(request)), 201
        )

    def remove_cloud_storage(self, storage_name: str):
        require(CONFIG, certificate=True)
        self.config.delete_cloud_storage(storage_name)
        return no_content()

    def remove_user_from_cloud_storage(self, storage_name: str, who: str):
        require(CONFIG, certificate=True)
        self.config.remove_cloud_user(storage_name, who)
        return no_content()


# Upstream: fts-rest-flask's ``controllers/config/*.py`` functions (``config.index`` is
# ``controllers/config/__init__.py``).
ROUTES = [
    Route("GET", "/config", ConfigApi.hosts, "config.index"),
    Route("POST", "/config/drain", ConfigApi.set_drain, "config.drain.set_drain"),
    Route("GET", "/config/audit", ConfigApi.audit, "config.audit.audit"),
    Route("GET", "/config/global", ConfigApi.get_global_config, "config.global_.get_global_config"),
    Route(
        "POST", "/config/global", ConfigApi.set_global_config, "config.global_.set_global_config"
    ),
    Route(
        "DELETE",
        "/config/global",
        ConfigApi.delete_vo_global_config,
        "config.global_.delete_vo_global_config",
    ),
    Route("POST", "/config/links", ConfigApi.set_link_config, "config.links.set_link_config"),
    Route(
        "GET", "/config/links", ConfigApi.get_all_link_configs, "config.links.get_all_link_configs"
    ),
    Route(
        "GET", "/config/links/<sym_name>", ConfigApi.get_link_config, "config.links.get_link_config"
    ),
    Route(
        "DELETE",
        "/config/links/<sym_name>",
        ConfigApi.delete_link_config,
        "config.links.delete_link_config",
    ),
    Route("POST", "/config/shares", ConfigApi.set_share, "config.shares.set_share"),
    Route("GET", "/config/shares", ConfigApi.get_shares, "config.shares.get_shares"),
    Route("DELETE", "/config/shares", ConfigApi.delete_share, "config.shares.delete_share"),
    Route("POST", "/config/se", ConfigApi.set_se_config, "config.se.set_se_config"),
    Route("GET", "/config/se", ConfigApi.get_se_config, "config.se.get_se_config"),
    Route("DELETE", "/config/se", ConfigApi.delete_se_config, "config.se.delete_se_config"),
    Route("POST", "/config/authorize", ConfigApi.add_authz, "config.authz.add_authz"),
    Route("GET", "/config/authorize", ConfigApi.list_authz, "config.authz.list_authz"),
    Route("DELETE", "/config/authorize", ConfigApi.remove_authz, "config.authz.remove_authz"),
    Route(
        "GET",
        "/config/activity_shares",
        ConfigApi.get_activity_shares,
        "config.activities.get_activity_shares",
    ),
    Route(
        "POST",
        "/config/activity_shares",
        ConfigApi.set_activity_shares,
        "config.activities.set_activity_shares",
    ),
    Route(
        "GET",
        "/config/activity_shares/<vo_name>",
        ConfigApi.get_activity_shares_vo,
        "config.activities.get_activity_shares_vo",
    ),
    Route(
        "DELETE",
        "/config/activity_shares/<vo_name>",
        ConfigApi.delete_activity_shares,
        "config.activities.delete_activity_shares",
    ),
    Route(
        "GET",
        "/config/cloud_storage",
        ConfigApi.get_cloud_storages,
        "config.cloud.get_cloud_storages",
    ),
    Route(
        "POST",
        "/config/cloud_storage",
        ConfigApi.set_cloud_storage,
        "config.cloud.set_cloud_storage",
    ),
    Route(
        "GET",
        "/config/cloud_storage/<storage_name>",
        ConfigApi.get_cloud_storage,
        "config.cloud.get_cloud_storage",
    ),
    Route(
        "POST",
        "/config/cloud_storage/<storage_name>",
        ConfigApi.add_user_to_cloud_storage,
        "config.cloud.add_user_to_cloud_storage",
    ),
    Route(
        "DELETE",
        "/config/cloud_storage/<storage_name>",
        ConfigApi.remove_cloud_storage,
        "config.cloud.remove_cloud_storage",
    ),
    Route(
        "DELETE",
        "/config/cloud_storage/<storage_name>/<who>",
        ConfigApi.remove_user_from_cloud_storage,
        "config.cloud.remove_user_from_cloud_storage",
    ),
]
