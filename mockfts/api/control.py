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

from collections import Counter
from collections.abc import Callable
from typing import Any

from flask import Response, request

from mockcore import controlplane, controls
from mockcore.controlplane import DOUBLE_KEY
from mockcore.dashboard import dashboard_routes
from mockcore.double import STATE_KEY
from mockcore.persist import SnapshotRefused
from mockcore.routes import Route
from mockfts import errors
from mockfts.api import render
from mockfts.model.records import Job
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
        """Back to a fresh double, or to what its scenario made; journal and faults too."""
        request.environ[DOUBLE_KEY].reset()
        return render.json_response({"reset": True})

    def load_scenario(self):
        """Body: ``{"scenario": <name in mockfts/scenarios, or the document itself>}``;
        what it made (named tokens, job ids) comes back, and a reset returns to it."""
        scenario = _param("scenario", None)
        if not isinstance(scenario, (str, dict)):
            raise errors.InvalidValue(detail="scenario: a name or a scenario document")
        try:
            loaded = request.environ[DOUBLE_KEY].load_scenario(scenario)
        except (OSError, ValueError) as exc:  # no such scenario; one the double refuses
            raise errors.InvalidValue(detail=f"scenario: {exc}") from None
        return render.json_response({"tokens": loaded.tokens, "jobs": loaded.jobs})

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
    Route("POST", "/_mock/scenario", ControlApi.load_scenario),
]


def document() -> dict[str, Any]:
    """The OpenAPI document of the FTS double's control plane (``/_mock/openapi.json``)."""
    return controlplane.openapi("mockfts control plane", _PATHS)


_PATHS: dict[str, dict[str, Any]] = {
    "/_mock/token": {
        "post": {
            "summary": "A bearer token the double accepts (fts_access_token)",
            "parameters": [
                controlplane.query("user", {"type": "string"}, "subject (default alice)"),
                controlplane.query("vo", {"type": "string"}, "VO (default dteam)"),
                controlplane.query("lifetime", {"type": "number"}, "seconds (default 3600)"),
            ],
            "responses": {
                "200": {
                    "description": "the token",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["access_token", "user", "vo"],
                                "properties": {
                                    "access_token": {"type": "string"},
                                    "user": {"type": "string"},
                                    "vo": {},
                                },
                            }
                        }
                    },
                },
                "400": {"description": "FTS's 400"},
            },
        }
    },
    "/_mock/scenario": controlplane.json_post(
        "Load a scenario (mockfts.scenario); a reset returns to it",
        {
            "type": "object",
            "required": ["scenario"],
            "properties": {"scenario": {"type": ["string", "object"]}},
        },
        {
            "type": "object",
            "required": ["tokens", "jobs"],
            "properties": {
                "tokens": {"type": "object"},
                "jobs": {"type": "array", "items": {"type": "string"}},
            },
        },
        "FTS's 400, with the scenario's refusal",
    ),
}


def dashboard_data(state: FtsState) -> dict[str, Any]:
    """What the dashboard shows: links as FTS's monitoring snapshot has them, the newest
    jobs with their file counts, the optimizer's decisions, configuration and bans
    (read-only); with ``?job=<id>``, that job's files, retries and timeline."""
    job_id = request.args.get("job")
    with state.lock:
        state.settle()
        if job_id:
            job = state.jobs.get(job_id)
            return {"job": None if job is None else _job_page(job)}
        links = state.ops.overview.snapshot()
        jobs = []
        for job in reversed(state.index.submitted[-DASHBOARD_JOBS:]):
            counts = Counter(f.file_state for f in job.files)
            jobs.append(
                {
                    "job_id": job.job_id,
                    "vo_name": job.vo_name,
                    "user_dn": job.user_dn,
                    "job_state": job.job_state,
                    "files": len(job.files),
                    "finished": counts["FINISHED"],
                    "failed": counts["FAILED"] + counts["CANCELED"],
                    "submit_time": render.timestamp(job.submit_time),
                }
            )
        ops = state.ops
        optimizer = [
            {**vars(row), "datetime": render.timestamp(row.datetime)}
            for row in ops.optimizer.current.values()
        ]
        config = {
            "links": [
                {k: v for k, v in vars(link).items() if not k.startswith("_")}
                for link in ops.config.links.values()
            ],
            "storages": [
                {
                    "storage": name,
                    "inbound_max_active": row.get("inbound_max_active"),
                    "outbound_max_active": row.get("outbound_max_active"),
                }
                for name, row in ops.config.storages.items()
            ],
            "shares": [
                {"source": s, "destination": d, "vo": vo, "share": share}
                for (s, d, vo), share in ops.config.shares.items()
            ],
            "banned_storages": [
                {"storage": b.se, "vo": b.vo, "status": b.status, "message": b.message}
                for b in ops.bans.storages.values()
            ],
            "banned_users": [
                {"dn": row["dn"], "message": row["message"]} for row in state.banned_dns.values()
            ],
        }
    return {"links": links, "jobs": jobs, "optimizer": optimizer, "config": config}


def _job_page(job: Job) -> dict[str, Any]:
    """A job's files with their reasons and retries, and its timeline (each moment a
    file or the job reached a state, in order)."""
    files = []
    moments: list[tuple[float, str]] = [(job.submit_time, "job submitted")]
    for f in job.files:
        files.append(
            {
                "file_id": f.file_id,
                "file_state": f.file_state,
                "source_surl": f.source_surl,
                "dest_surl": f.dest_surl,
                "reason": f.reason,
                "retries": [
                    {"attempt": r.attempt, "reason": r.reason, "at": render.timestamp(r.datetime)}
                    for r in f.retries or ()
                ],
                "start_time": render.timestamp(f.start_time) if f.start_time else None,
                "finish_time": render.timestamp(f.finish_time) if f.finish_time else None,
            }
        )
        for retry in f.retries or ():
            moments.append((retry.datetime, f"file {f.file_id} failed, retry {retry.attempt}"))
        if f.start_time is not None:
            moments.append((f.start_time, f"file {f.file_id} started"))
        if f.finish_time is not None:
            moments.append((f.finish_time, f"file {f.file_id} {f.file_state}"))
    if job.job_finished is not None:
        moments.append((job.job_finished, f"job {job.job_state}"))
    timeline = [{"at": render.timestamp(t), "what": what} for t, what in sorted(moments)]
    return {
        "job_id": job.job_id,
        "job_state": job.job_state,
        "reason": job.reason,
        "files": files,
        "timeline": timeline,
    }


DASHBOARD_JOBS = 200  # the newest jobs on the page (the API lists them all)

#: What every double serves under /_mock besides the routes above.
COMMON = [
    *controlplane.common_routes(lambda message: errors.InvalidValue(detail=message), document),
    *dashboard_routes("mockfts dashboard", "fts", dashboard_data, STATE_KEY),
]
