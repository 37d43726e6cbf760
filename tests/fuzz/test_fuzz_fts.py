"""Fuzzing every route of the FTS3 double, served live: every client mistake is a 4xx
in FTS's own shape, nothing crashes, and nothing acknowledged is lost.

``make test`` sends a few requests per route; ``make fuzz`` (``FUZZ_REQUESTS``) many.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from mockfts import FtsDouble
from mockfts.model.submission.params import DEFAULT_PARAMS
from tests.fuzz import harness
from tests.fuzz.harness import Request, Route, Target, catalogue, run_route
from tests.fuzz.names import harvested_names

SRC, DST = "mock://src.example/data/f1?size=10", "mock://dst.example/data/f1?time=5"
CONTROL_PARAMS = ["seconds", "lifetime", "user", "vo"]  # read by name in control.py
HTML_STATUSES = {400, 403}  # the HTML pages of fts-rest-flask's FTS3AuthMiddleware


def _skip(method: str, rule: str) -> bool:
    """Routes that forget or replace the whole state by design."""
    return rule in ("/_mock/reset", "/_mock/restore")


ROUTES = catalogue(FtsDouble().app, _skip)


def submission(**params) -> dict:
    every_param = {k: v for k, v in DEFAULT_PARAMS.items() if v is not None}
    every_param.update(timeout=60, nostreams=2, buffer_size=1024, sid="s1", reuse=False)
    every_param.update(params)
    return {
        "files": [
            {
                "sources": [SRC],
                "destinations": [DST],
                "filesize": 10,
                "checksum": "ADLER32:01020304",
                "metadata": {"k": "v"},
                "activity": "default",
                "selection_strategy": "orderly",
                "scitag": 65,
                "staging_metadata": {"a": 1},
                "archive_metadata": {"b": 2},
            }
        ],
        "params": every_param,
    }


SEEDS = {
    "/jobs": [
        submission(),
        submission(bring_online=60, copy_pin_lifetime=60),
        submission(multihop=True),
        {"delete": ["mock://a.example/x"], "params": {}},
    ],
    "/jobs/<job_ids>": [{"params": {"priority": 4}}],
    "/ban/se": [
        {
            "storage": "mock://dst.example",
            "status": "wait",
            "allow_submit": False,
            "timeout": 10,
            "message": "m",
            "vo_name": "dteam",
        }
    ],
    "/ban/dn": [{"user_dn": "/DC=org/CN=somebody", "message": "m"}],
    "/config/drain": [{"hostname": "fts-agent-01.mock", "drain": True}],
    "/config/global": [
        {
            "vo_name": "dteam",
            "retry": 2,
            "max_time_queue": 1,
            "global_timeout": 10,
            "sec_per_mb": 1,
            "show_user_dn": True,
        }
    ],
    "/config/links": [
        {
            "symbolicname": "l1",
            "source": "srm://a",
            "destination": "srm://b",
            "min_active": 5,
            "max_active": "50",
            "nostreams": 4,
            "tcp_buffer_size": 10,
            "optimizer_mode": 1,
            "no_delegation": False,
        }
    ],
    "/config/shares": [
        {"source": "srm://a.ch", "destination": "srm://b.ch", "vo": "dteam", "share": "10"}
    ],
    "/config/se": [
        {
            "srm://a.ch": {
                "se_info": {
                    "ipv6": 1,
                    "outbound_max_active": 5,
                    "inbound_max_throughput": 3,
                    "se_metadata": "m",
                    "tpc_support": "FULL",
                },
                "operations": {"dteam": {"staging": 1, "delete": 0}},
            }
        }
    ],
    "/config/authorize": [{"dn": "/DC=org/CN=x", "operation": "config"}],
    "/config/activity_shares": [{"vo": "dteam", "share": {"High": 80, "Low": 5.5}, "active": True}],
    "/config/cloud_storage": [
        {
            "storage_name": "S3:host",
            "app_key": "k",
            "app_secret": "s",
            "service_api_url": "https://s3",
        }
    ],
    "/config/cloud_storage/<storage_name>": [
        {"vo_name": "dteam", "access_key": "1", "secret_key": "2"}
    ],
    "/optimizer/current": [
        {
            "source_se": "mock://a",
            "dest_se": "mock://b",
            "active": 4,
            "nostreams": 1,
            "ema": 3.4,
            "rationale": "r",
            "throughput": 1.5,
            "diff": 1,
            "queue_size": 3,
        }
    ],
    "/dm/mkdir": [{"surl": "mock://a.example/dir"}],
    "/dm/rmdir": [{"surl": "mock://a.example/dir"}],
    "/dm/unlink": [{"surl": "mock://a.example/file"}],
    "/dm/rename": [{"old": "mock://a.example/f", "new": "mock://a.example/g"}],
    "/admin/force-start": [[1, 2]],
    "/_mock/token": [{"user": "someone", "vo": "dteam", "lifetime": 60}],
    "/_mock/advance": [{"seconds": 5}],
    "/delegation/<dlg_id>/voms": [["dteam"]],
}


def _shape(path: str, status: int, ctype: str, text: str) -> str | None:
    """FTS's error shapes: {"status", "message"} (fts-rest-flask ``handle_exception``), the
    per-job entry (``controllers/jobs.py``), or ``FTS3AuthMiddleware``'s HTML page."""
    if ctype.startswith("text/html"):
        if (
            status in HTML_STATUSES
            and text.startswith("<!doctype html>")
            and f"<title>{status} " in text
        ):
            return None
        return "an HTML page"
    if not ctype.startswith("application/json"):
        return f"Content-Type {ctype!r}"
    try:
        body = json.loads(text)
    except ValueError:
        return "not JSON"
    if isinstance(body, dict) and set(body) == {"status", "message"}:
        if isinstance(body["message"], str) and body["status"].startswith(f"{status} "):
            return None
        return "status/message do not match"
    if isinstance(body, dict) and set(body) == {"job_id", "http_status", "http_message"}:
        return None if str(body["http_status"]).startswith(f"{status} ") else "http_status"
    return "neither {status, message} nor a per-job entry"


def _health(session: requests.Session, url: str) -> str | None:
    try:
        reply = session.get(url + "/", timeout=30)
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if reply.status_code == 200 and "api" in reply.json() else f"{reply.status_code}"


def _acknowledged(request: Request, status: int, text: str) -> str | None:
    if request.method in ("POST", "PUT") and request.path == "/jobs" and status == 200:
        return json.loads(text).get("job_id")
    return None


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    double = FtsDouble()
    server = double.serve().start()
    tls_server = double.serve_tls().start()  # the host certificate: root, for the X.509-only routes
    url = server.url
    host = double.pki.directory / "host"
    root_cert = (str(host / "hostcert.pem"), str(host / "hostkey.pem"))
    checker = {"Authorization": "Bearer " + double.token_for("checker", vo="dteam")}

    def still_there(session: requests.Session, base: str, job_id: str) -> str | None:
        headers = {"Authorization": "Bearer " + double.token_for("checker", vo="dteam")}
        answers = []
        for path in (f"/jobs/{job_id}", f"/archive/{job_id}"):
            reply = session.get(base + path, headers=headers, timeout=30)
            if reply.status_code == 200:
                return None
            answers.append(f"{path}: {reply.status_code} {reply.text[:100]}")
        return "; ".join(answers)

    def submit(token: str, body: dict) -> str:
        reply = requests.post(
            url + "/jobs", json=body, timeout=30, headers={"Authorization": "Bearer " + token}
        )
        assert reply.status_code == 200, reply.text
        return reply.json()["job_id"]

    sentinel = submit(double.token_for("sentinel", vo="dteam"), submission())
    fuzzer = double.token_for("fuzzer", vo="dteam")
    own = [submit(fuzzer, submission()), submit(fuzzer, submission(multihop=True))]
    requests.post(
        url + "/config/links", json=SEEDS["/config/links"][0], headers=checker, timeout=30
    )
    requests.post(
        url + "/config/cloud_storage", json={"storage_name": "S3:fuzz"}, headers=checker, timeout=30
    )
    whoami = requests.get(
        url + "/whoami", headers={"Authorization": "Bearer " + fuzzer}, timeout=30
    ).json()
    file_ids = [str(f.file_id) for job_id in own for f in double.state.job(job_id).files]
    world = {
        "job_id": own + [sentinel],
        "job_ids": own + [sentinel, f"{own[0]},{sentinel}"],
        "file_ids": file_ids + [",".join(file_ids)],
        "file_id": file_ids,
        "field": ["job_state", "files", "priority", "job_metadata", "retry"],
        "dlg_id": [whoami["delegation_id"]],
        "vo_name": ["dteam", "*"],
        "sym_name": ["l1"],
        "storage_name": ["S3:fuzz"],
        "who": ["dteam", "fuzzer"],
        "resource": ["schema/submit", "x.json"],
        "what": ["dn", "source", "destination", "storage", "vo"],
        "filename": ["x.css"],
        "dn": ["sentinel", "fuzzer"],
    }
    fields = sorted(set(harvested_names("mockfts")["fields"]) | set(DEFAULT_PARAMS))
    fuzz = Target(
        name="mockfts",
        double=double,
        url=url,
        world=world,
        query_names=harvested_names("mockfts")["query"] + CONTROL_PARAMS,
        fields=fields,
        seeds=SEEDS,
        mint=lambda audience: double.token_for("fuzzer", vo="dteam"),
        shape=_shape,
        allowed_5xx=lambda path, status, text: False,
        health=_health,
        still_there=still_there,
        acknowledged=_acknowledged,
        sentinels=[sentinel],
        tls=(tls_server.url, root_cert, str(double.pki.ca_bundle)),
    )
    harness.TARGETS.append(fuzz)
    yield fuzz
    fuzz.close()
    tls_server.stop()
    server.stop()


@pytest.mark.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])
def test_every_client_mistake_is_a_4xx_in_the_fts_shape(target: Target, route: Route):
    findings = run_route(target, route, len(ROUTES))
    assert not findings, "\n".join(map(str, findings))


def test_the_server_still_answers_and_keeps_what_it_acknowledged(target: Target):
    assert target.verify() == []
