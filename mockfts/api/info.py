"""Service information: the root document, whoami and the submission schema."""

from __future__ import annotations

from flask import Blueprint, g

from mockfts import errors
from mockfts.api import render
from mockfts.schema import submit_schema

blueprint = Blueprint("info", __name__)


@blueprint.get("/")
def root():
    return render.json_response(render.version_document(g.fts_state.profile))


@blueprint.get("/whoami")
def whoami():
    return render.json_response(render.whoami_document(g.identity))


@blueprint.get("/api-docs/schema/submit")
def schema():
    return render.json_response(submit_schema(g.fts_state.profile))


@blueprint.get("/api-docs")
@blueprint.get("/api-docs/")
@blueprint.get("/api-docs/<path:resource>")
def api_docs(resource: str | None = None):
    raise errors.RouteNotFound()  # the Flask server no longer serves Swagger documents
