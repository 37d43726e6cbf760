"""Service information: the root document, whoami and the submission schema."""

from __future__ import annotations

from flask import g

from mockcore.routes import Route
from mockfts import errors
from mockfts.api import render
from mockfts.model.store import FtsState
from mockfts.schema import submit_schema


class InfoApi:
    def __init__(self, state: FtsState) -> None:
        self.state = state

    def api_version(self):
        return render.json_response(render.version_document(self.state.profile))

    def whoami(self):
        return render.json_response(render.whoami_document(g.identity))

    def submit_schema(self):
        return render.json_response(submit_schema(self.state.profile))

    def api_docs(self):
        raise errors.RouteNotFound()  # the Flask server no longer serves Swagger documents

    def resource_doc(self, resource: str):
        raise errors.RouteNotFound()  # nor any of its resources (any depth here)


ROUTES = [
    Route("GET", "/", InfoApi.api_version, "api.api_version"),
    Route("GET", "/whoami", InfoApi.whoami, "delegation.whoami"),
    Route("GET", "/api-docs/schema/submit", InfoApi.submit_schema, "api.submit_schema"),
    Route("GET", "/api-docs", InfoApi.api_docs, "api.api_docs"),
    Route("GET", "/api-docs/<path:resource>", InfoApi.resource_doc, "api.resource_doc"),
]
