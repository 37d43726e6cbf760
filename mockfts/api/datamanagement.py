"""Data management on storage, ``/dm/*`` (``controllers/datamanagement.py``), on ``mock://`` SURLs.

The order of the real controller: the ``datamanagement`` authorization (403
``Not enough permissions``), then for ``list``/``stat`` the ``surl`` query value and
then the delegated credential (419), for the POST routes the credential first and
then the JSON body. The operations and their errors are
:mod:`mockfts.model.datamanagement`.
"""

from __future__ import annotations

from flask import g, request

from mockcore.routes import Route
from mockfts.api import render
from mockfts.api.jobs import require
from mockfts.model import datamanagement as dm
from mockfts.model.identity import DATAMANAGEMENT
from mockfts.model.store import FtsState


class DataManagementApi:
    def __init__(self, state: FtsState) -> None:
        self.state = state

    def _credential(self) -> None:
        with self.state.lock:
            dm.check_credential(self.state.delegations, g.identity)

    def _query_operation(self, operation):
        require(DATAMANAGEMENT)
        surl = dm.query_surl(request.values.get("surl"))
        self._credential()
        return render.json_response(operation(surl))

    def _body_operation(self, operation):
        require(DATAMANAGEMENT)
        self._credential()
        body = dm.parse_body(request.content_type, request.get_data())
        return render.json_response(operation(body))

    def list(self):
        return self._query_operation(dm.listing)

    def stat(self):
        return self._query_operation(dm.stat)

    def mkdir(self):
        return self._body_operation(dm.mkdir)

    def unlink(self):
        return self._body_operation(dm.unlink)

    def rmdir(self):
        return self._body_operation(dm.rmdir)

    def rename(self):
        return self._body_operation(dm.rename)


ROUTES = [
    Route("GET", "/dm/list", DataManagementApi.list, "datamanagement.list"),
    Route("GET", "/dm/stat", DataManagementApi.stat, "datamanagement.stat"),
    Route("POST", "/dm/mkdir", DataManagementApi.mkdir, "datamanagement.mkdir"),
    Route("POST", "/dm/unlink", DataManagementApi.unlink, "datamanagement.unlink"),
    Route("POST", "/dm/rmdir", DataManagementApi.rmdir, "datamanagement.rmdir"),
    Route("POST", "/dm/rename", DataManagementApi.rename, "datamanagement.rename"),
]
