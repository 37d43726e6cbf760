"""Exact error bodies and statuses on the wire, and never a 500 for a client mistake."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.globus.auth.conftest import (
    ALICE,
    PORTAL,
    PORTAL_SECRET,
    TRANSFER_SCOPE,
    TUTORIAL_APP,
)

VERIFIER = "v" * 43 + "-verifier-of-the-test"
CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
)


def _authorize_url(globus, **extra: str) -> str:
    params = {
        "client_id": TUTORIAL_APP,
        "redirect_uri": globus.base + "v2/web/auth-code",
        "scope": TRANSFER_SCOPE,
        "state": "st",
        "response_type": "code",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        "access_type": "online",
    }
    params.update(extra)
    return globus.base + "v2/oauth2/authorize?" + urlencode(params)


def _code(globus, **extra: str) -> str:
    return globus.double.get_auth_code(_authorize_url(globus, **extra), ALICE)


def _exchange(globus, code: str, verifier: str = VERIFIER) -> requests.Response:
    return requests.post(
        globus.base + "v2/oauth2/token",
        timeout=10,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": TUTORIAL_APP,
            "code_verifier": verifier,
            "redirect_uri": globus.base + "v2/web/auth-code",
        },
    )


def _token(globus, data: dict, auth=None) -> requests.Response:
    return requests.post(globus.base + "v2/oauth2/token", data=data, auth=auth, timeout=10)


def _oauth_error(reply: requests.Response, status: int, error: str, description: str) -> None:
    assert reply.status_code == status
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.json() == {"error": error, "error_description": description}


def test_wrong_client_secret_is_invalid_client(globus):
    reply = _token(
        globus,
        {"grant_type": "client_credentials", "scope": TRANSFER_SCOPE},
        auth=(PORTAL, "not-the-secret"),
    )
    _oauth_error(reply, 401, "invalid_client", "Invalid client credentials")


def test_reused_authorization_code_is_refused_and_its_tokens_revoked(globus):
    code = _code(globus)
    first = _exchange(globus, code)
    assert first.status_code == 200
    _oauth_error(
        _exchange(globus, code), 401, "invalid_grant", "Authorization code has already been used"
    )
    token = first.json()["access_token"]
    with pytest.raises(Exception, match="not active"):
        globus.auth.check_access_token(token, "transfer.api.globus.org")


@pytest.mark.parametrize("verifier", ["w" * 43, "short", ""])
def test_bad_pkce_verifier_is_an_invalid_grant(globus, verifier):
    _oauth_error(
        _exchange(globus, _code(globus), verifier), 401, "invalid_grant", "Invalid code_verifier"
    )


def test_plain_pkce_is_accepted(globus):
    code = _code(globus, code_challenge=VERIFIER, code_challenge_method="plain")
    assert _exchange(globus, code).status_code == 200


def test_expired_authorization_code_is_refused(globus):
    code = _code(globus)
    globus.double.advance(600)
    _oauth_error(_exchange(globus, code), 401, "invalid_grant", "Authorization code has expired")


@pytest.mark.parametrize(
    "scope, description",
    [
        ("not-a-scope", "Unknown scope: not-a-scope"),
        (f"{TRANSFER_SCOPE}[openid", "Malformed scope string: unbalanced '['"),
        ("", "No scopes were requested"),
    ],
)
def test_unusable_scope_is_invalid_scope(globus, scope, description):
    reply = _token(
        globus, {"grant_type": "client_credentials", "scope": scope}, auth=(PORTAL, PORTAL_SECRET)
    )
    _oauth_error(reply, 400, "invalid_scope", description)


def test_unknown_grant_type_is_unsupported(globus):
    reply = _token(globus, {"grant_type": "password"}, auth=(PORTAL, PORTAL_SECRET))
    _oauth_error(reply, 400, "unsupported_grant_type", "Unsupported grant_type: password")


def test_missing_grant_type_is_an_invalid_request(globus):
    _oauth_error(
        _token(globus, {}, auth=(PORTAL, PORTAL_SECRET)),
        400,
        "invalid_request",
        "Missing required parameter: grant_type",
    )


def test_native_app_may_not_use_client_credentials(globus):
    reply = _token(
        globus,
        {"grant_type": "client_credentials", "scope": TRANSFER_SCOPE, "client_id": TUTORIAL_APP},
    )
    _oauth_error(
        reply,
        400,
        "unauthorized_client",
        "This client is not allowed to use the client_credentials grant",
    )


def test_confidential_client_without_its_secret_is_invalid_client(globus):
    reply = _token(
        globus, {"grant_type": "refresh_token", "refresh_token": "x", "client_id": PORTAL}
    )
    _oauth_error(reply, 401, "invalid_client", "Confidential clients must authenticate")


def test_userinfo_without_a_token_is_the_recorded_401_envelope(globus):
    reply = requests.get(globus.base + "v2/oauth2/userinfo", timeout=10)
    assert reply.status_code == 401
    body = reply.json()
    [error] = body.pop("errors")
    assert body == {"error_description": "Unauthorized", "error": "unauthorized"}
    assert set(error) == {"status", "id", "code", "detail", "title"}
    assert (error["status"], error["code"], error["detail"], error["title"]) == (
        "401",
        "UNAUTHORIZED",
        "Call must be authenticated",
        "Unauthorized",
    )


def test_forged_bearer_token_is_unauthorized(globus):
    reply = requests.get(
        globus.base + "v2/api/identities",
        params={"usernames": ALICE},
        headers={"Authorization": "Bearer forged"},
        timeout=10,
    )
    assert reply.status_code == 401
    assert reply.json()["errors"][0]["code"] == "UNAUTHORIZED"


def test_unregistered_redirect_uri_shows_an_error_page_and_never_redirects(globus):
    reply = requests.get(
        _authorize_url(globus, client_id=PORTAL, redirect_uri="https://evil.example/cb"),
        allow_redirects=False,
        timeout=10,
    )
    assert reply.status_code == 400
    assert "redirect_uri is not registered" in reply.text
    assert "Location" not in reply.headers


def test_authorize_problems_go_back_to_the_client_with_the_state(globus):
    reply = requests.get(
        _authorize_url(globus, scope="bogus") + f"&login_as={ALICE}",
        allow_redirects=False,
        timeout=10,
    )
    assert reply.status_code == 302
    query = parse_qs(urlsplit(reply.headers["Location"]).query)
    assert query["error"] == ["invalid_scope"]
    assert query["state"] == ["st"]


def test_native_app_must_use_pkce(globus):
    url = _authorize_url(globus, login_as=ALICE).replace(f"&code_challenge={CHALLENGE}", "")
    reply = requests.get(
        url.replace("&code_challenge_method=S256", ""), allow_redirects=False, timeout=10
    )
    query = parse_qs(urlsplit(reply.headers["Location"]).query)
    assert query["error"] == ["invalid_request"]


def test_unknown_user_login_is_access_denied(globus):
    reply = requests.get(
        _authorize_url(globus, login_as="ghost@nowhere.example"), allow_redirects=False, timeout=10
    )
    query = parse_qs(urlsplit(reply.headers["Location"]).query)
    assert query["error"] == ["access_denied"]


@pytest.mark.parametrize(
    "method, path, kwargs, status",
    [
        ("POST", "v2/api/clients", {"data": "not json"}, 400),
        ("POST", "v2/api/clients", {"json": {"client": {"template_id": "nope", "name": "x"}}}, 400),
        ("GET", "v2/api/identities", {"params": {"ids": "not-a-uuid"}}, 400),
        ("GET", "v2/api/identities", {"params": {"ids": "a", "usernames": "b"}}, 400),
        ("GET", "v2/api/identities", {"params": {"usernames": ALICE, "provision": "maybe"}}, 400),
        ("GET", "v2/api/identities/00000000-0000-0000-0000-000000000000", {}, 404),
        ("POST", "v2/oauth2/token/introspect", {"data": {}}, 400),
        ("DELETE", "v2/oauth2/token", {}, 405),
    ],
)
def test_client_mistakes_get_4xx_in_the_auth_envelope(globus, method, path, kwargs, status):
    headers = {
        "Authorization": "Basic " + base64.b64encode(f"{PORTAL}:{PORTAL_SECRET}".encode()).decode()
    }
    reply = requests.request(method, globus.base + path, headers=headers, timeout=10, **kwargs)
    assert reply.status_code == status
    body = reply.json()
    assert "error" in body
    assert not globus.double.errors


def test_unknown_route_names_the_closest_one(globus):
    reply = requests.get(globus.base + "v2/api/identitie", timeout=10)
    assert reply.status_code == 404
    assert reply.json()["errors"][0]["detail"] == (
        "No route GET /v2/api/identitie on this double. "
        "The closest route of the double is /v2/api/identities."
    )
