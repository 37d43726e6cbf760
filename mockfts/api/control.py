"""Routes that exist only on the double, under ``/_mock``: for shells and other languages.

A test in Python holds the double itself; a shell script or a client in another
language talking to ``mockfts serve`` uses these to mint a token, move the clock,
reset the state, or save it and put it back (``snapshot``/``restore``: a
session-scoped server returns to a prepared state between tests). No real FTS3
server has them, and none of them is needed to use the double as FTS3.

Inputs are checked before anything changes (:mod:`mockcore.controls`): ``seconds``
finite, ``>= 0``, at most ten years and not past the year 9000; ``lifetime`` finite and
``> 0``; ``user``/``vo`` printable strings. A refusal is FTS's 400
``{"status": "400 Bad Request", "message": "Invalid value within the request: ..."}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, request

from mockcore import controls
from mockcore.persist import SnapshotRefused
from mockcore.routes import Route
from mockfts import errors
from mockfts.api import render
from mockfts.model.store import FtsState


def _param(name: str, default: Any) -> Any:
    """A JSON body's value, else the query's, else ``default`` (unchecked)."""
    body = request.get_json(silent=True)
    if body is not None and not isinstance(body, dict):
        raise errors.NotADictionary()
    value = (body or {}).get(name)
    if value is None or value == "":
        value = request.args.get(name)
    return default if value is None or value == "" else value


def _checked(check: Callable[..., Any], *args: Any) -> Any:
    """``check(*args)``, a refusal as FTS's 400 ``Invalid value within the request``."""
    try:
        return check(*args)
    except controls.ControlRefused as exc:
        raise errors.InvalidValue(detail=str(exc)) from None


class ControlApi:
    def __init__(self, state: FtsState) -> None:
        self.state = state

    def mint_token(self):
        user = _checked(controls.name, _param("user", "alice"), "user")
        vo = _param("vo", "dteam")
        for name in vo if isinstance(vo, list) else [vo]:
            _checked(controls.name, name, "vo")
        lifetime = _checked(controls.lifetime, _param("lifetime", 3600))
        with self.state.lock:
            token = self.state.tokens.mint(user, vo, lifetime=lifetime)
        return render.json_response({"access_token": token, "user": user, "vo": vo})

    def advance(self):
        with self.state.lock:  # checked against the clock it moves
            self.state.advance(
                _checked(controls.advance_seconds, _param("seconds", 0), self.state.clock)
            )
        return render.json_response({"now": render.timestamp(self.state.clock.time())})

    def reset(self):
        self.state.reset()
        return render.json_response({"reset": True})

    def snapshot(self):
        """The whole state as a signed blob (``FtsDouble.snapshot``)."""
        return Response(self.state.snapshot(), mimetype="application/octet-stream")

    def restore(self):
        """Body: a blob from ``/_mock/snapshot`` of this server; anything else is a 400
        and changes nothing."""
        try:
            self.state.restore(request.get_data())
        except SnapshotRefused as exc:
            raise errors.SnapshotRefused(reason=str(exc)) from None
        return render.json_response(
            {"restored": True, "now": render.timestamp(self.state.clock.time())}
        )


# No upstream: the coverage table says "double only".
ROUTES = [
    Route("POST", "/_mock/token", ControlApi.mint_token),
    Route("POST", "/_mock/advance", ControlApi.advance),
    Route("POST", "/_mock/reset", ControlApi.reset),
    Route("POST", "/_mock/snapshot", ControlApi.snapshot),
    Route("POST", "/_mock/restore", ControlApi.restore),
]
