"""Delegation and the certificate the caller presented; handlers
named as fts-rest-flask's ``controllers/delegation.py`` functions, but ``csr`` (there
``request``, a name Flask's request object holds here)."""

from __future__ import annotations

import re

from flask import Response, g, request

from mockcore.routes import Route
from mockfts import errors
from mockfts.api import render
from mockfts.model.store import FtsState

# FTS-1734: clients from 3.12 on get [] for "no delegation"; others (and curl) get null.
_NEW_CLIENT = re.compile(r"^fts-[a-z-]+/(\d+)\.(\d+)")

_BROWSER_PAGE = """<!doctype html>
<html lang=en>
<title>FTS3 delegation</title>
<h1>Delegate your credentials</h1>
<p>Delegation id: {dlg_id}</p>
<p>Browser delegation needs the FTS web interface; use fts-rest-delegate instead.</p>
"""


def _require_certificate() -> None:
    if g.identity.method != "certificate":
        raise errors.CertificateRequired()


def _own(dlg_id: str) -> None:
    if dlg_id != g.identity.delegation_id:
        raise errors.DelegationIdMismatchOnRoute()


class DelegationApi:
    def __init__(self, state: FtsState) -> None:
        self.state = state

    def delegation_page(self):
        _require_certificate()
        page = _BROWSER_PAGE.format(dlg_id=g.identity.delegation_id)
        return Response(page, mimetype="text/html")

    def view(self, dlg_id: str):
        _own(dlg_id)
        with self.state.lock:
            entry = self.state.delegations.find(g.identity)
        if entry is None:
            match = _NEW_CLIENT.match(request.headers.get("User-Agent", ""))
            modern = match is not None and (int(match[1]), int(match[2])) >= (3, 12)
            return render.json_response([] if modern else None)
        return render.json_response(
            {
                "termination_time": render.timestamp(entry.termination_time),
                "voms_attrs": entry.voms_attrs,
            }
        )

    def csr(self, dlg_id: str):
        _require_certificate()
        _own(dlg_id)
        with self.state.lock:
            pem = self.state.delegations.request(g.identity)
            self.state.unrepeatable()  # a fresh RSA key: a replay would make another
        return Response(pem, mimetype="text/plain", headers={"X-Delegation-ID": dlg_id})

    def credential(self, dlg_id: str):
        _require_certificate()
        _own(dlg_id)
        with self.state.lock:
            self.state.delegations.accept(g.identity, request.get_data())
        return Response(b"", status=201)

    def voms(self, dlg_id: str):
        _require_certificate()
        _own(dlg_id)
        try:
            arguments = request.get_json(force=True)
        except Exception as exc:  # noqa: BLE001 - any parse failure is the client's
            raise errors.BadRequest(str(exc)) from None
        with self.state.lock:
            entry = self.state.delegations.add_voms(g.identity, arguments)
        when = str(render.timestamp(entry.termination_time)).replace("T", " ")
        return Response(when, status=203, mimetype="text/plain")

    def delete(self, dlg_id: str):
        _require_certificate()
        _own(dlg_id)
        with self.state.lock:
            self.state.delegations.remove(g.identity)
        return Response(b"", status=204)

    def certificate(self):
        _require_certificate()
        presented = g.identity.certificate
        pem = presented.chain_pem if presented is not None else ""
        return Response(pem, mimetype="application/x-pem-file")


ROUTES = [
    Route("GET", "/delegation", DelegationApi.delegation_page, "delegation.delegation_page"),
    Route("GET", "/delegation/<dlg_id>", DelegationApi.view, "delegation.view"),
    Route("DELETE", "/delegation/<dlg_id>", DelegationApi.delete, "delegation.delete"),
    Route("GET", "/delegation/<dlg_id>/request", DelegationApi.csr, "delegation.request"),
    Route(
        ("PUT", "POST"),
        "/delegation/<dlg_id>/credential",
        DelegationApi.credential,
        "delegation.credential",
    ),
    Route("POST", "/delegation/<dlg_id>/voms", DelegationApi.voms, "delegation.voms"),
    Route("GET", "/whoami/certificate", DelegationApi.certificate, "delegation.certificate"),
]
