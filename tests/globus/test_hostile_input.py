"""Hostile input, found by the fuzz suite (tests/fuzz): each is a 400 in the shape of the
service it reached (Transfer's ``code/message/request_id/resource``, Auth's ``errors``
document), never a 500, and a refused ``/_mock`` control changes nothing. Both transports."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests

from mockglobus import GlobusDouble
from mockglobus.double import AUTH_URL, TRANSFER_URL
from mockglobus.transfer.seed import TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2

PROJECT = "7a0e1d2c-0000-4000-8000-000000000001"
AUTH_SCOPES = "openid urn:globus:auth:scope:auth.globus.org:manage_projects"
DEEP = b"[" * 100_000 + b"]" * 100_000


@dataclass
class Site:
    double: GlobusDouble
    transfer: str
    auth: str

    def post(self, base: str, path: str, token: str | None = None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.post(base + path, headers=headers, timeout=30, **kwargs)


@pytest.fixture(params=["inprocess", "live"])
def site(request) -> Site:
    if request.param == "inprocess":
        return Site(request.getfixturevalue("globus_mock"), TRANSFER_URL, AUTH_URL)
    double = request.getfixturevalue("globus_server")
    return Site(double, double.server.url, double.server.url)


def transfer_error(reply, message: str) -> None:
    body = reply.json()
    assert reply.status_code == 400
    assert (body["code"], body["message"]) == ("BadRequest", message)
    assert body["resource"] == "/v0.10/transfer" and len(body["request_id"]) == 9


def auth_error(reply, detail: str) -> None:
    assert reply.status_code == 400
    [error] = reply.json()["errors"]
    assert (error["status"], error["code"], error["detail"]) == ("400", "BAD_REQUEST", detail)


# --- Transfer: the one JSON decoder (mockcore.jsonbody) ------------------------------------


@pytest.mark.parametrize(
    "body, message",
    [
        (DEEP, "Could not parse JSON: nesting deeper than 64 levels"),  # was a RecursionError
        (
            b'{"DATA_TYPE": "transfer", "deadline": NaN}',
            "Could not parse JSON: NaN is not a JSON number",
        ),
        (
            b'{"DATA_TYPE": "transfer", "sync_level": 1e400}',
            "Could not parse JSON: number 1e400 is out of range",
        ),
        (
            b'{"DATA_TYPE": "transfer", "sync_level": 1' + b"0" * 309 + b"}",
            "Could not parse JSON: integer 1" + "0" * 39 + "... is out of range",
        ),
    ],
)
def test_transfer_bodies_no_model_can_hold_are_bad_requests(site, body, message):
    reply = site.post(
        site.transfer,
        "/v0.10/transfer",
        site.double.token_for(),
        data=body,
        headers={"Content-Type": "application/json"},
    )
    transfer_error(reply, message)


def test_a_transfer_body_that_is_not_utf8_is_a_bad_request(site):
    reply = site.post(
        site.transfer,
        "/v0.10/transfer",
        site.double.token_for(),
        data=b'{"label": "\xff"}',
        headers={"Content-Type": "application/json"},
    )
    assert reply.status_code == 400 and reply.json()["code"] == "BadRequest"
    assert reply.json()["message"].startswith("Could not parse JSON: 'utf-8' codec can't decode")


# --- Auth: the same decoder, then the documents' field types (mockglobus.auth.bodies) --------


def auth_token(site: Site) -> str:
    return site.double.token_for(None, "auth.globus.org", AUTH_SCOPES)


def test_a_deeply_nested_client_document_is_a_bad_request(site):
    reply = site.post(
        site.auth,
        "/v2/api/clients",
        auth_token(site),
        data=DEEP,
        headers={"Content-Type": "application/json"},
    )
    auth_error(reply, "Request body must be a JSON object with a 'client' object")


@pytest.mark.parametrize(
    "path, body, detail",
    [
        (
            "/v2/api/projects",  # was TypeError: unhashable type: 'list'
            {"project": {"display_name": "p", "contact_email": "a@b.org", "admin_ids": [[1]]}},
            "'project.admin_ids' must be a list of strings",
        ),
        (
            "/v2/api/projects",
            {"project": {"display_name": 5, "contact_email": "a@b.org"}},
            "'project.display_name' must be a string",
        ),
        (
            "/v2/api/policies",
            {
                "policy": {
                    "project_id": PROJECT,
                    "display_name": "p",
                    "authentication_assurance_timeout": "soon",
                }
            },
            "'policy.authentication_assurance_timeout' must be an integer",
        ),
        (
            "/v2/api/clients",
            {"client": {"name": "c", "public_client": True, "redirect_uris": "https://x"}},
            "'client.redirect_uris' must be a list of strings",
        ),
    ],
)
def test_auth_documents_with_fields_of_the_wrong_type_are_bad_requests(site, path, body, detail):
    auth_error(site.post(site.auth, path, auth_token(site), json=body), detail)


# --- /_mock controls: refused inputs change nothing -----------------------------------------


@pytest.mark.parametrize("seconds", ["nan", "inf", "-inf", "1e400", "-1", "-1000", "abc", "1e12"])
def test_advance_refuses_what_is_not_a_sane_number_of_seconds(site, seconds):
    before = site.double.clock.time()
    reply = site.post(site.auth, f"/_mock/advance?seconds={seconds}")
    assert reply.status_code == 400
    [error] = reply.json()["errors"]
    assert error["code"] == "BAD_REQUEST" and error["detail"].startswith("seconds ")
    assert site.double.clock.time() == before


def test_advance_moves_the_clock_and_a_minted_token_works(site):
    before = site.double.clock.time()
    reply = site.post(site.auth, "/_mock/advance", json={"seconds": 30})
    assert reply.status_code == 200 and site.double.clock.time() == before + 30
    token = site.post(site.auth, "/_mock/token?user=bob@example.edu").json()["access_token"]
    listed = requests.get(
        site.transfer + "/v0.10/task_list", timeout=30, headers={"Authorization": f"Bearer {token}"}
    )
    assert listed.status_code == 200


@pytest.mark.parametrize(
    "query, detail",
    [
        ("user=nobody@example.org", "no identity 'nobody@example.org'"),
        ("user=%00", "user must not hold control characters"),
        ("resource_server=" + "x" * 300, "resource_server must have 1 to 256 characters"),
    ],
)
def test_token_refuses_unknown_users_and_bad_names(site, query, detail):
    reply = site.post(site.auth, f"/_mock/token?{query}")
    assert reply.status_code == 400 and reply.json()["errors"][0]["detail"] == detail


def test_reset_forgets_what_was_submitted(site):
    token = site.double.token_for()
    headers = {"Authorization": f"Bearer {token}"}
    submission_id = requests.get(
        site.transfer + "/v0.10/submission_id", headers=headers, timeout=30
    ).json()["value"]
    task_id = site.post(
        site.transfer,
        "/v0.10/transfer",
        token,
        json={
            "DATA_TYPE": "transfer",
            "submission_id": submission_id,
            "source_endpoint": TUTORIAL_COLLECTION_1,
            "destination_endpoint": TUTORIAL_COLLECTION_2,
            "DATA": [
                {
                    "DATA_TYPE": "transfer_item",
                    "source_path": "/home/share/godata/file1.txt",
                    "destination_path": "/~/file1.txt",
                }
            ],
        },
    ).json()["task_id"]
    reply = site.post(site.auth, "/_mock/reset")
    assert reply.status_code == 200 and reply.json() == {"reset": True}
    fresh = {"Authorization": f"Bearer {site.double.token_for()}"}
    gone = requests.get(f"{site.transfer}/v0.10/task/{task_id}", headers=fresh, timeout=30)
    assert gone.status_code == 404
