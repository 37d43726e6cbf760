"""Routes that exist only on the double, under ``/_mock``: for shells and other languages.

A test in Python holds the double itself; a shell script or a client in another
language talking to ``mockfts serve`` uses these to mint a token, move the clock or
reset the state. No real FTS3 server has them, and none of them is needed to use the
double as FTS3.
"""

from __future__ import annotations

from flask import Blueprint, g, request

from mockfts.api import render

blueprint = Blueprint("control", __name__, url_prefix="/_mock")


@blueprint.post("/token")
def mint_token():
    body = request.get_json(silent=True) or {}
    user = body.get("user") or request.args.get("user") or "alice"
    vo = body.get("vo") or request.args.get("vo") or "dteam"
    lifetime = float(body.get("lifetime") or request.args.get("lifetime") or 3600)
    with g.fts_state.lock:
        token = g.fts_state.tokens.mint(user, vo, lifetime=lifetime)
    return render.json_response({"access_token": token, "user": user, "vo": vo})


@blueprint.post("/advance")
def advance():
    body = request.get_json(silent=True) or {}
    seconds = float(body.get("seconds") or request.args.get("seconds") or 0)
    g.fts_state.advance(seconds)
    return render.json_response({"now": render.timestamp(g.fts_state.clock.time())})


@blueprint.post("/reset")
def reset():
    g.fts_state.reset()
    return render.json_response({"reset": True})
