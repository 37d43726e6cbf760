"""Fuzzing every route of the Globus double (Auth, Transfer, ``/_mock``), served live:
every client mistake is a 4xx in the shape of the service it reached (Transfer's
``code/message/request_id/resource``, Auth's OAuth or ``errors`` documents), only the
502s Globus really answers are 5xx, nothing crashes, nothing acknowledged is lost.

``make test`` sends a few requests per route; ``make fuzz`` (``FUZZ_REQUESTS``) many.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
import requests

from mockglobus import GlobusDouble
from mockglobus.groups.routes import PATHS as GROUPS_PATHS
from mockglobus.search.routes import PREFIXES as SEARCH_PATHS
from mockglobus.timers.identity import TIMERS_RS
from mockglobus.transfer.endpoint_ops import DEFAULT_SUBSCRIPTION_ID
from mockglobus.transfer.routes import ROUTES as TRANSFER_ROUTES
from mockglobus.transfer.seed import (
    DEMO_GCP_ID,
    DEMO_GUEST_ID,
    RESEARCH_COLLECTION_ID,
    TUTORIAL_COLLECTION_1,
    TUTORIAL_COLLECTION_2,
    TUTORIAL_ENDPOINT_ID,
)
from tests.fuzz import harness
from tests.fuzz.harness import Form, Request, Route, Target, catalogue, run_route
from tests.fuzz.names import harvested_names

ALICE, BOB = "alice@globusid.org", "bob@example.edu"
ALICE_ID, BOB_ID = "1e8a4a56-7e2c-4f43-9c0b-a11ce0000001", "1e8a4a56-7e2c-4f43-9c0b-b0b000000002"
PROJECT = "7a0e1d2c-0000-4000-8000-000000000001"
NATIVE_APP = "7a0e1d2c-0000-4000-8000-00000000a001"
PORTAL = "7a0e1d2c-0000-4000-8000-00000000c001"
PORTAL_SECRET = "mock-portal-secret-0123456789abcdefABCDEF=="
TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"
AUTH_SCOPES = "openid profile email " + " ".join(
    f"urn:globus:auth:scope:auth.globus.org:{name}"
    for name in ("view_identities", "view_identity_set", "manage_projects", "view_clients")
)
T1, T2 = TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2
DEADLINE = "2030-01-01T00:00:00+00:00"
TIMERS_PATHS = ("/v2/timer", "/jobs")
PAGES = ("/v2/oauth2/authorize", "/v2/web/auth-code")  # HTML pages, errors included
EXTRA_QUERY = [
    "user",
    "resource_server",
    "scopes",
    "seconds",
    "response_type",
    "state",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "login_as",
    "login_mfa",
    "prefill_named_grant",
    "session_required_identities",
    "session_message",
]


def _skip(method: str, rule: str) -> bool:
    """Routes that forget or replace the whole state by design."""
    return rule in ("/_mock/reset", "/_mock/restore")


ROUTES = catalogue(GlobusDouble().app, _skip)


def transfer_doc(submission_id: str) -> dict:
    return {
        "DATA_TYPE": "transfer",
        "submission_id": submission_id,
        "source_endpoint": T1,
        "destination_endpoint": T2,
        "label": "fuzz",
        "sync_level": 3,
        "verify_checksum": True,
        "preserve_timestamp": False,
        "encrypt_data": False,
        "skip_source_errors": False,
        "fail_on_quota_errors": False,
        "delete_destination_extra": False,
        "deadline": DEADLINE,
        "notify_on_succeeded": True,
        "notify_on_failed": True,
        "notify_on_inactive": True,
        "skip_activation_check": False,
        "store_base_path_info": False,
        "filter_rules": [
            {"DATA_TYPE": "filter_rule", "method": "exclude", "type": "file", "name": "*.tmp"}
        ],
        "DATA": [
            {
                "DATA_TYPE": "transfer_item",
                "source_path": "/home/share/godata/file1.txt",
                "destination_path": "/~/fuzz/f1.txt",
                "recursive": False,
                "external_checksum": "0bee89b07a248e27c83fc3d5951213c1",
                "checksum_algorithm": "MD5",
            },
            {
                "DATA_TYPE": "transfer_item",
                "source_path": "/home/share/godata/",
                "destination_path": "/~/fuzz/tree/",
                "recursive": True,
            },
        ],
    }


def delete_doc(submission_id: str) -> dict:
    return {
        "DATA_TYPE": "delete",
        "submission_id": submission_id,
        "endpoint": T2,
        "recursive": True,
        "ignore_missing": True,
        "label": "fuzz",
        "deadline": DEADLINE,
        "DATA": [{"DATA_TYPE": "delete_item", "path": "/~/fuzz/"}],
    }


def seeds(submission_ids: list[str], task_id: str) -> dict:
    access = {
        "DATA_TYPE": "access",
        "principal_type": "identity",
        "principal": BOB_ID,
        "path": "/",
        "permissions": "r",
        "notify_email": "bob@example.edu",
        "notify_message": "hi",
        "expiration_date": DEADLINE,
    }
    pause = {
        "DATA_TYPE": "pause_rule",
        "endpoint_id": T1,
        "message": "m",
        "start_time": None,
        "identity_id": None,
        "pause_ls": True,
        "pause_mkdir": True,
        "pause_rename": True,
        "pause_task_delete": True,
        "pause_task_transfer_write": True,
        "pause_task_transfer_read": True,
    }
    return {
        "/v0.10/transfer": [transfer_doc(s) for s in submission_ids[:2]],
        "/v0.10/delete": [delete_doc(s) for s in submission_ids[2:4]],
        "/v0.10/task/<task_id>": [{"DATA_TYPE": "task", "label": "x", "deadline": DEADLINE}],
        "/v0.10/bookmark": [
            {
                "DATA_TYPE": "bookmark",
                "name": "b",
                "endpoint_id": T1,
                "path": "/home/share/godata/",
                "pinned": False,
            }
        ],
        "/v0.10/bookmark/<bookmark_id>": [{"name": "c", "pinned": True}],
        "/v0.10/endpoint": [
            {
                "DATA_TYPE": "endpoint",
                "display_name": "e",
                "description": "d",
                "organization": "o",
                "keywords": "a,b",
                "public": False,
            }
        ],
        "/v0.10/endpoint/<endpoint_id>": [
            {
                "display_name": "x",
                "description": "y",
                "keywords": "a,b",
                "public": True,
                "default_directory": "/~/",
            }
        ],
        "/v0.10/endpoint/<endpoint_id>/subscription": [
            {"subscription_id": DEFAULT_SUBSCRIPTION_ID}
        ],
        "/v0.10/endpoint/<endpoint_id>/subscription_admin_verified": [
            {"subscription_admin_verified": True}
        ],
        "/v0.10/shared_endpoint": [
            {
                "DATA_TYPE": "shared_endpoint",
                "host_endpoint": T1,
                "host_path": "/~/",
                "display_name": "g",
                "description": "x",
            }
        ],
        "/v0.10/endpoint/<endpoint_id>/role": [
            {
                "DATA_TYPE": "role",
                "principal_type": "identity",
                "principal": BOB_ID,
                "role": "access_manager",
            }
        ],
        "/v0.10/endpoint/<endpoint_id>/access": [access],
        "/v0.10/endpoint/<endpoint_id>/access/<rule_id>": [{"permissions": "rw"}],
        "/v0.10/operation/endpoint/<endpoint_id>/mkdir": [
            {"DATA_TYPE": "mkdir", "path": "/~/fuzz/dir"}
        ],
        "/v0.10/operation/endpoint/<endpoint_id>/rename": [
            {"DATA_TYPE": "rename", "old_path": "/~/fuzz/dir", "new_path": "/~/fuzz/dir2"}
        ],
        "/v0.10/endpoint_manager/admin_cancel": [{"message": "m", "task_id_list": [task_id]}],
        "/v0.10/endpoint_manager/admin_pause": [{"message": "m", "task_id_list": [task_id]}],
        "/v0.10/endpoint_manager/admin_resume": [{"task_id_list": [task_id]}],
        "/v0.10/endpoint_manager/pause_rule": [pause],
        "/v0.10/endpoint_manager/pause_rule/<rule_id>": [{"message": "n", "pause_ls": False}],
        "/v2/api/clients": [
            {
                "client": {
                    "name": "c",
                    "public_client": False,
                    "project": PROJECT,
                    "redirect_uris": ["https://portal.example.org/cb"],
                    "visibility": "private",
                    "client_type": "confidential_client",
                }
            },
            {"client": {"template_id": NATIVE_APP, "name": "instance"}},
        ],
        "/v2/api/clients/<client_id>": [
            {"client": {"name": "renamed", "redirect_uris": ["https://x/cb"]}}
        ],
        "/v2/api/clients/<client_id>/credentials": [{"credential": {"name": "c"}}],
        "/v2/api/clients/<client_id>/scopes": [
            {
                "scope": {
                    "name": "s",
                    "description": "d",
                    "scope_suffix": "all",
                    "advertised": True,
                    "allows_refresh_token": True,
                    "dependent_scopes": [
                        {
                            "scope": TRANSFER_SCOPE,
                            "optional": False,
                            "requires_refresh_token": False,
                        }
                    ],
                }
            }
        ],
        "/v2/api/scopes/<scope_id>": [{"scope": {"name": "x", "description": "y"}}],
        "/v2/api/projects": [
            {"project": {"display_name": "p", "contact_email": "a@b.org", "admin_ids": [ALICE_ID]}}
        ],
        "/v2/api/projects/<project_id>": [{"project": {"display_name": "q"}}],
        "/v2/api/policies": [
            {
                "policy": {
                    "project_id": PROJECT,
                    "display_name": "p",
                    "description": "d",
                    "high_assurance": True,
                    "authentication_assurance_timeout": 3600,
                    "required_mfa": False,
                    "domain_constraints_include": ["example.org"],
                }
            }
        ],
        "/v2/api/policies/<policy_id>": [{"policy": {"display_name": "q"}}],
        "/v2/oauth2/token": [
            Form(grant_type="client_credentials", scope=TRANSFER_SCOPE),
            Form(grant_type="refresh_token", refresh_token="x"),
            Form(
                grant_type="authorization_code",
                code="x",
                redirect_uri="https://x/cb",
                client_id=NATIVE_APP,
                code_verifier="v" * 43,
            ),
            Form(
                grant_type="urn:globus:auth:grant_type:dependent_token",
                token="x",
                access_type="offline",
            ),
        ],
        "/v2/oauth2/token/introspect": [Form(token="x", include="identity_set,session_info")],
        "/v2/oauth2/token/revoke": [Form(token="x", client_id=NATIVE_APP)],
        "/v2/oauth2/token/validate": [Form(token="x", client_id=NATIVE_APP)],
        "/_mock/token": [
            {"user": BOB, "resource_server": "transfer.api.globus.org", "scopes": TRANSFER_SCOPE}
        ],
        "/_mock/advance": [{"seconds": 5}],
        "/v2/groups": [{"name": "g", "description": "d", "parent_id": None}],
        "/v2/groups/<group_id>": [
            {"add": [{"identity_id": BOB_ID, "role": "member"}]},
            {"name": "renamed"},
        ],
        "/v2/groups/<group_id>/policies": [{"group_visibility": "authenticated"}],
        "/v2/preferences": [{"allow_add": True}],
        "/v2/timer": [TIMER],
        "/jobs/<job_id>": [{"name": "renamed"}],
    }


TIMER = {
    "timer": {
        "timer_type": "transfer",
        "name": "fuzzed",
        "schedule": {"type": "recurring", "interval_seconds": 3600},
        "body": {
            "DATA_TYPE": "transfer",
            "source_endpoint": TUTORIAL_COLLECTION_1,
            "destination_endpoint": TUTORIAL_COLLECTION_2,
            "DATA": [{"source_path": "/home/share/godata/file1.txt", "destination_path": "/~/f"}],
        },
    }
}


def _shape(path: str, status: int, ctype: str, text: str) -> str | None:
    if path.startswith(PAGES) and ctype.startswith("text/html"):
        return None
    if not ctype.startswith("application/json"):
        return f"Content-Type {ctype!r}"
    try:
        body = json.loads(text)
    except ValueError:
        return "not JSON"
    if not isinstance(body, dict):
        return "not an object"
    if path.startswith(TIMERS_PATHS):  # Timers: {"error": {...}}; FastAPI's 422
        detail, error = body.get("detail"), body.get("error")
        if status == 422 and isinstance(detail, list):
            ok = all(isinstance(d, dict) and {"loc", "msg", "type"} <= set(d) for d in detail)
            return None if ok and detail else "not FastAPI's 422"
        ok = isinstance(error, dict) and isinstance(error.get("code"), str)
        return None if ok and error.get("status") == status else "not Timers'"
    if path.startswith(GROUPS_PATHS):  # Groups: {"code", "detail"}; FastAPI's 422
        detail = body.get("detail")
        if status == 422 and isinstance(detail, list):
            ok = all(isinstance(d, dict) and {"loc", "msg", "type"} <= set(d) for d in detail)
            return None if ok and detail else "not FastAPI's 422"
        ok = isinstance(body.get("code"), str) and isinstance(detail, str)
        return None if ok else "not Groups'"
    if path.startswith(SEARCH_PATHS):  # Search: GError {"code", "message", "request_id", ...}
        keys = ("code", "message", "request_id")
        ok = all(isinstance(body.get(k), str) for k in keys) and body.get("status") == status
        return None if ok else "not Search's"
    if path.startswith("/v0.10"):  # Transfer: https://docs.globus.org/api/transfer/overview/#errors
        keys = ("code", "message", "request_id", "resource")
        return None if all(isinstance(body.get(k), str) for k in keys) else "not Transfer's"
    errors = body.get("errors")
    if (
        isinstance(errors, list)
        and errors
        and all(
            isinstance(e, dict)
            and isinstance(e.get("code"), str)
            and e.get("status") == str(status)
            for e in errors
        )
    ):
        return None  # the Auth API's errors document
    if isinstance(body.get("error"), str) and isinstance(body.get("error_description"), str):
        return None  # RFC 6749 from the token endpoints
    return "neither an errors document nor an OAuth error"


def _allowed_5xx(path: str, status: int, text: str) -> bool:
    """The 502s Transfer really answers for endpoint-side failures (the ``ExternalError``
    and ``EndpointError`` codes of globus-sdk's ``check_transfer_transient_error``)."""
    if status == 501 and path.startswith(TIMERS_PATHS):
        return '"NOT_IMPLEMENTED"' in text  # flow timers, legacy job creation: not served
    if status != 502 or not path.startswith("/v0.10"):
        return False
    try:
        code = json.loads(text).get("code", "")
    except ValueError:
        return False
    return code.startswith(("ExternalError.", "EndpointError"))


def _health(session: requests.Session, url: str) -> str | None:
    try:
        reply = session.get(url + "/.well-known/openid-configuration", timeout=30)
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if reply.status_code == 200 and "issuer" in reply.json() else f"{reply.status_code}"


def _acknowledged(request: Request, status: int, text: str) -> str | None:
    if request.method == "POST" and request.path in ("/v0.10/transfer", "/v0.10/delete"):
        return json.loads(text).get("task_id")
    return None


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    double = GlobusDouble()
    server = double.serve().start()
    url = server.url

    def mint(user: str, audience: str) -> str:
        if audience == "groups":
            return double.token_for(user, "groups.api.globus.org")
        if audience == "search":
            return double.token_for(user, "search.api.globus.org")
        if audience == "timers":
            return double.token_for(user, TIMERS_RS)
        if audience == "auth":
            return double.token_for(user, "auth.globus.org", AUTH_SCOPES)
        return double.token_for(user)

    def call(user: str, method: str, path: str, body: dict | None = None) -> dict:
        audience = "auth" if path.startswith("/v2/") else "transfer"
        headers = {"Authorization": "Bearer " + mint(user, audience)}
        reply = requests.request(method, url + path, json=body, headers=headers, timeout=30)
        assert reply.status_code < 300, (path, reply.status_code, reply.text)
        return reply.json()

    def submission_id(user: str) -> str:
        return call(user, "GET", "/v0.10/submission_id")["value"]

    sentinel = call(BOB, "POST", "/v0.10/transfer", transfer_doc(submission_id(BOB)))["task_id"]
    own_task = call(ALICE, "POST", "/v0.10/transfer", transfer_doc(submission_id(ALICE)))["task_id"]
    bookmark = call(ALICE, "POST", "/v0.10/bookmark", seeds([], "")["/v0.10/bookmark"][0])["id"]
    guest = call(
        ALICE, "POST", "/v0.10/shared_endpoint", seeds([], "")["/v0.10/shared_endpoint"][0]
    )["id"]
    rule = call(
        ALICE,
        "POST",
        f"/v0.10/endpoint/{guest}/access",
        seeds([], "")["/v0.10/endpoint/<endpoint_id>/access"][0],
    )["access_id"]
    roles = call(ALICE, "GET", f"/v0.10/endpoint/{guest}/role_list")["DATA"]
    servers = call(ALICE, "GET", f"/v0.10/endpoint/{T1}/server_list")["DATA"]
    group = requests.post(
        url + "/v2/groups",
        json={"name": "Fuzzed", "description": "d"},
        headers={"Authorization": "Bearer " + mint(ALICE, "groups")},
        timeout=30,
    ).json()["id"]
    subscription = double.groups.add_subscription(group).id
    search_index = requests.post(
        url + "/v1/index",
        json={"display_name": "Fuzzed", "description": "d"},
        headers={"Authorization": "Bearer " + mint(ALICE, "search")},
        timeout=30,
    ).json()["id"]
    job = requests.post(
        url + "/v2/timer",
        json=TIMER,
        headers={"Authorization": "Bearer " + mint(ALICE, "timers")},
        timeout=30,
    ).json()["timer"]["job_id"]
    world = {
        "task_id": [own_task, sentinel],
        "endpoint_id": [
            T1,
            T2,
            RESEARCH_COLLECTION_ID,
            DEMO_GCP_ID,
            DEMO_GUEST_ID,
            TUTORIAL_ENDPOINT_ID,
            guest,
        ],
        "bookmark_id": [bookmark],
        "rule_id": [rule],
        "role_id": [r["id"] for r in roles] or ["x"],
        "server_id": [str(s["id"]) for s in servers] or ["1"],
        "action_id": ["1"],
        "client_id": [NATIVE_APP, PORTAL],
        "credential_id": ["x"],
        "scope_id": ["x"],
        "project_id": [PROJECT],
        "policy_id": ["x"],
        "identity_id": [ALICE_ID, BOB_ID],
        "group_id": [group],
        "subscription_id": [subscription],
        "index_id": [search_index],
        "job_id": [job],
        "filename": ["x.css"],
    }

    def still_there(session: requests.Session, base: str, task_id: str) -> str | None:
        owner = BOB if task_id == sentinel else ALICE
        reply = session.get(
            f"{base}/v0.10/task/{task_id}",
            timeout=30,
            headers={"Authorization": "Bearer " + double.token_for(owner)},
        )
        return None if reply.status_code == 200 else f"{reply.status_code} {reply.text[:200]}"

    names = harvested_names("mockglobus")
    query = sorted(
        set(names["query"])
        | set(EXTRA_QUERY)
        | {
            q
            for r in TRANSFER_ROUTES
            for q in (
                *r.options.get("query", ()),
                *r.options.get("args", ()),
                *r.options.get("repeated", {}).values(),
            )
        }
    )
    basic = base64.b64encode(f"{PORTAL}:{PORTAL_SECRET}".encode()).decode()
    fuzz = Target(
        name="mockglobus",
        double=double,
        url=url,
        world=world,
        query_names=query,
        fields=names["fields"],
        seeds=seeds([submission_id(ALICE) for _ in range(4)], own_task),
        mint=lambda audience: mint(ALICE, audience),
        shape=_shape,
        audience=lambda rule: (
            "timers"
            if rule.startswith(TIMERS_PATHS)
            else "groups"
            if rule.startswith(GROUPS_PATHS)
            else "search"
            if rule.startswith(SEARCH_PATHS)
            else "auth"
            if rule.startswith("/v2/")
            else "transfer"
        ),
        allowed_5xx=_allowed_5xx,
        health=_health,
        still_there=still_there,
        acknowledged=_acknowledged,
        sentinels=[sentinel],
        extra_auth=["Basic " + basic],  # never the sentinel owner's: bob may remove his task
    )
    harness.TARGETS.append(fuzz)
    yield fuzz
    fuzz.close()
    server.stop()


@pytest.mark.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])
def test_every_client_mistake_is_a_4xx_in_the_globus_shape(target: Target, route: Route):
    findings = run_route(target, route, len(ROUTES))
    assert not findings, "\n".join(map(str, findings))


def test_the_server_still_answers_and_keeps_what_it_acknowledged(target: Target):
    assert target.verify() == []
