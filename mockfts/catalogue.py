"""How the double covers the real FTS3 REST routes (fts-rest-flask 3.13.4,
``config/routing/base.py`` and ``config/routing/cstorage.py``).

The routes the double serves are its route tables (:data:`mockfts.api.app.ROUTES`), each
naming the fts-rest-flask controller function it plays; the real routes it does not
serve are :data:`NOT_SERVED`, each with why. The README's coverage table is generated
from both (``make readme``); ``tests/fts/test_catalogue.py`` checks that every real
route is one or the other.
"""

from __future__ import annotations

from mockcore import routes
from mockfts.api.app import ROUTES

_WEBFTS = "WebFTS cloud-storage credentials (Dropbox, Swift); no FTS client calls it"

#: (methods, path, why) of the real routes the double leaves out.
NOT_SERVED: list[tuple[str, str, str]] = [
    ("GET", "/cs/registered/<service>", _WEBFTS),
    ("GET", "/cs/access_request/<service>", _WEBFTS),
    ("GET", "/cs/access_request/<service>/request", _WEBFTS),
    ("GET, DELETE", "/cs/access_grant/<service>", _WEBFTS),
    ("GET", "/cs/remote_content/<service>", _WEBFTS),
    ("GET", "/cs/file_urllink/<service>/<path>", _WEBFTS),
    (
        "GET, POST, DELETE",
        "(3.14) token-provider configuration",
        "its URL is not in the sources read",
    ),
]

UPSTREAM_HEADING = "fts-rest-flask 3.13.4 (`fts3rest.controllers`)"


def coverage_markdown() -> str:
    """The README's FTS coverage table: every route served, with the upstream function it
    plays, then the real routes not served and why."""
    return routes.coverage_markdown(
        ROUTES, upstream_heading=UPSTREAM_HEADING, not_served=NOT_SERVED
    )
