"""Routes that exist only on the double, under ``/_mock``: for shells and other languages.

A test in Python holds the double itself; a shell script or a client in another
language talking to ``mockfts serve`` uses these to mint a token, move the clock or
reset the state. No real FTS3 server has them, and none of them is needed to use the
double as FTS3.
"""

from __future__ import annotations

from flask import request

from mockfts.api import render
from mockfts.model.store import FtsState


def _param(name: str, default: str) -> str:
    body = request.get_json(silent=True) or {}
    return str(body.get(name) or request.args.get(name) or default)


class ControlApi:
    def __init__(self, state: FtsState) -> None:
        self.state = state

    def mint_token(self):
        user, vo = _param("user", "alice"), _param("vo", "dteam")
        with self.state.lock:
            token = self.state.tokens.mint(user, vo, lifetime=float(_param("lifetime", "3600")))
        return render.json_response({"access_token": token, "user": user, "vo": vo})

    def advance(self):
        self.state.advance(float(_param("seconds", "0")))
        return render.json_response({"now": render.timestamp(self.state.clock.time())})

    def reset(self):
        self.state.reset()
        return render.json_response({"reset": True})


ROUTES = [
    ("/_mock/token", ["POST"], "mint_token"),
    ("/_mock/advance", ["POST"], "advance"),
    ("/_mock/reset", ["POST"], "reset"),
]
