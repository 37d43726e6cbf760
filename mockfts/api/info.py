"""Service information: the root document, whoami and the submission schema."""

from __future__ import annotations

from flask import g

from mockfts import errors
from mockfts.api import render
from mockfts.model.store import FtsState
from mockfts.schema import submit_schema


class InfoApi:
    def __init__(self, state: FtsState) -> None:
        self.state = state

    def root(self):
        return render.json_response(render.version_document(self.state.profile))

    def whoami(self):
        return render.json_response(render.whoami_document(g.identity))

    def schema(self):
        return render.json_response(submit_schema(self.state.profile))

    def api_docs(self, resource: str | None = None):
        raise errors.RouteNotFound()  # the Flask server no longer serves Swagger documents


ROUTES = [
    ("/", ["GET"], "root"),
    ("/whoami", ["GET"], "whoami"),
    ("/api-docs/schema/submit", ["GET"], "schema"),
    ("/api-docs", ["GET"], "api_docs"),
    ("/api-docs/<path:resource>", ["GET"], "api_docs"),
]
