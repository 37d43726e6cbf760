"""The Flask app every service starts from: strict JSON in, no cookie sessions.

The doubles keep no browser sessions, so each request skips Flask's cookie session
(opening and saving a null one costs microseconds a test pays on every call).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import NullSession, SessionInterface

from mockcore.jsonbody import StrictJSONProvider


class NoSessions(SessionInterface):
    """One shared read-only session for every request; nothing is ever saved."""

    def __init__(self) -> None:
        self._null = NullSession()

    def open_session(self, app: Flask, request: Any) -> NullSession:  # noqa: ARG002
        return self._null

    def save_session(self, app: Flask, session: Any, response: Any) -> None:  # noqa: ARG002
        return None


def service_app(name: str, *, sort_keys: bool = True) -> Flask:
    """A Flask app for one double's routes: strict JSON (``request.get_json`` refuses
    hostile documents; ``sort_keys`` for ``jsonify``) and no sessions."""
    app = Flask(name)
    provider = StrictJSONProvider(app)
    provider.sort_keys = sort_keys
    app.json = provider
    app.session_interface = NoSessions()
    return app


__all__ = ["NoSessions", "service_app"]
