"""The dashboard at ``/_mock/ui``: one page per double to see and steer it.

The page is static HTML and JavaScript (``page.html``, ``dashboard.js``) over the
control plane (:mod:`mockcore.controlplane`: clock, journal, faults, reset, snapshot)
and one service-specific route, ``GET /_mock/ui/data``, whose document the service
builds (FTS: jobs, links, optimizer decisions; Globus: tasks). It polls once a second,
so it follows ``advance`` without a reload, and draws its charts with Chart.js,
vendored in ``static/`` so it works offline.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flask

from mockcore.routes import Route

HERE = Path(__file__).parent
STATIC = HERE / "static"
_FILES = {"chart.umd.min.js": "text/javascript", "dashboard.js": "text/javascript"}


@functools.cache
def _static(name: str) -> bytes:
    """A script of the page, read from the package once per process."""
    return ((HERE if name == "dashboard.js" else STATIC) / name).read_bytes()


def dashboard_routes(
    title: str, kind: str, data: Callable[[Any], dict[str, Any]], state_key: str
) -> list[Route]:
    """The dashboard of a double: ``kind`` picks the service panels of the page
    (``fts`` or ``globus``); ``data(state)`` is the document of ``/_mock/ui/data``."""

    html = (HERE / "page.html").read_text()  # read once: the page never changes
    html = html.replace("{{title}}", title).replace("{{kind}}", json.dumps(kind))

    def page() -> flask.Response:
        return flask.Response(html, mimetype="text/html")

    def static(name: str) -> flask.Response:
        if name not in _FILES:
            flask.abort(404)
        return flask.Response(_static(name), mimetype=_FILES[name])

    def ui_data() -> flask.Response:
        return flask.jsonify(data(flask.request.environ[state_key]))

    return [
        Route("GET", "/_mock/ui", page),
        Route("GET", "/_mock/ui/static/<name>", static),
        Route("GET", "/_mock/ui/data", ui_data),
    ]


__all__ = ["dashboard_routes"]
