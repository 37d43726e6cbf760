"""The seed tutorial's Native App flow, run with the real globus_sdk, the code obtained
without a browser. (SDK 4 requires ``requested_scopes``; we pass the tutorial app's
scopes, which SDK 3 used as the default.)"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import globus_sdk
import pytest
import requests

from mockglobus import AuthenticationFailed
from tests.globus.auth.conftest import ALICE, BOB, TRANSFER_SCOPE, TUTORIAL_APP

TUTORIAL_SCOPES = ["openid", "profile", "email", TRANSFER_SCOPE]


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_tutorial_flow_gives_one_token_per_resource_server(globus):
    client = globus_sdk.NativeAppAuthClient(TUTORIAL_APP)
    client.oauth2_start_flow(TUTORIAL_SCOPES)
    authorize_url = client.oauth2_get_authorize_url()
    auth_code = globus.double.get_auth_code(authorize_url, ALICE)
    token_response = client.oauth2_exchange_code_for_tokens(auth_code)

    globus_auth_data = token_response.by_resource_server["auth.globus.org"]
    globus_transfer_data = token_response.by_resource_server["transfer.api.globus.org"]
    assert set(token_response.by_resource_server) == {"auth.globus.org", "transfer.api.globus.org"}
    assert globus_auth_data["scope"] == "openid profile email"
    assert globus_transfer_data["scope"] == TRANSFER_SCOPE
    assert globus_auth_data["refresh_token"] is None
    assert token_response["state"] == "_default"
    info = globus.auth.check_access_token(
        globus_transfer_data["access_token"], "transfer.api.globus.org"
    )
    assert (info.username, info.client_id) == (ALICE, TUTORIAL_APP)


def test_authorize_url_can_be_followed_like_a_browser(globus):
    client = globus_sdk.NativeAppAuthClient(TUTORIAL_APP)
    client.oauth2_start_flow(TUTORIAL_SCOPES, state="tutorial-state")
    page = requests.get(client.oauth2_get_authorize_url() + f"&login_as={BOB}", timeout=10)
    # the default redirect is the (fake's) auth-code page, which shows the code
    assert page.status_code == 200
    assert urlsplit(page.url).path == "/v2/web/auth-code"
    query = _query(page.url)
    assert query["state"] == "tutorial-state"
    assert query["code"] in page.text
    tokens = client.oauth2_exchange_code_for_tokens(query["code"])
    assert tokens.decode_id_token()["preferred_username"] == BOB


def test_login_page_links_every_user_and_a_logged_in_browser_skips_it(globus):
    client = globus_sdk.NativeAppAuthClient(TUTORIAL_APP)
    client.oauth2_start_flow(TUTORIAL_SCOPES)
    url = client.oauth2_get_authorize_url()
    page = requests.get(url, timeout=10)
    assert page.status_code == 200
    assert "login_as=alice%40globusid.org" in page.text
    globus.auth.browser_user = ALICE
    landed = requests.get(url, timeout=10)
    assert urlsplit(landed.url).path == "/v2/web/auth-code"
    assert "code" in _query(landed.url)


def test_id_token_verifies_against_the_advertised_keys(globus):
    client = globus_sdk.NativeAppAuthClient(TUTORIAL_APP)
    client.oauth2_start_flow(TUTORIAL_SCOPES)
    tokens = client.oauth2_exchange_code_for_tokens(
        globus.double.get_auth_code(client.oauth2_get_authorize_url(), ALICE)
    )
    claims = tokens.decode_id_token()
    alice = globus.auth.identity(ALICE)
    assert claims["sub"] == alice.id
    assert claims["aud"] == TUTORIAL_APP
    assert claims["preferred_username"] == ALICE
    assert claims["name"] == alice.name
    assert claims["email"] == alice.email
    assert claims["exp"] - claims["iat"] == 172_800
    assert claims["last_authentication"] == int(globus.double.clock.time())


def test_refresh_tokens_keep_a_transfer_token_alive(globus):
    client = globus_sdk.NativeAppAuthClient(TUTORIAL_APP)
    client.oauth2_start_flow(TUTORIAL_SCOPES, refresh_tokens=True)
    token_response = client.oauth2_exchange_code_for_tokens(
        globus.double.get_auth_code(client.oauth2_get_authorize_url())
    )
    globus_transfer_data = token_response.by_resource_server["transfer.api.globus.org"]
    transfer_rt = globus_transfer_data["refresh_token"]
    transfer_at = globus_transfer_data["access_token"]
    assert transfer_rt
    authorizer = globus_sdk.RefreshTokenAuthorizer(
        transfer_rt,
        client,
        access_token=transfer_at,
        expires_at=globus_transfer_data["expires_at_seconds"],
    )
    globus.double.advance(172_800)  # the access token is dead on the virtual clock
    with pytest.raises(AuthenticationFailed):
        globus.auth.check_access_token(transfer_at, "transfer.api.globus.org")
    authorizer._get_new_access_token()  # what the SDK does after the 401
    fresh = authorizer.access_token
    assert fresh != transfer_at
    assert authorizer.refresh_token == transfer_rt  # no rotation by default
    info = globus.auth.check_access_token(fresh, "transfer.api.globus.org")
    assert info.username == ALICE


def test_sdk_retries_once_with_a_refreshed_token_after_a_401(globus):
    client = globus_sdk.NativeAppAuthClient(TUTORIAL_APP)
    client.oauth2_start_flow(["openid", "profile"], refresh_tokens=True)
    tokens = client.oauth2_exchange_code_for_tokens(
        globus.double.get_auth_code(client.oauth2_get_authorize_url(), BOB)
    )
    data = tokens.by_resource_server["auth.globus.org"]
    authorizer = globus_sdk.RefreshTokenAuthorizer(
        data["refresh_token"],
        client,
        access_token=data["access_token"],
        expires_at=data["expires_at_seconds"],
    )
    ac = globus_sdk.AuthClient(authorizer=authorizer)
    assert ac.userinfo()["preferred_username"] == BOB
    globus.double.advance(200_000)
    assert ac.userinfo()["preferred_username"] == BOB
    paths = [(e.method, e.path, e.status) for e in globus.double.journal.entries[-3:]]
    assert paths == [
        ("GET", "/v2/oauth2/userinfo", 401),
        ("POST", "/v2/oauth2/token", 200),
        ("GET", "/v2/oauth2/userinfo", 200),
    ]


def test_rotating_refresh_tokens_retire_the_old_one(globus):
    globus.auth.rotate_refresh_tokens = True
    client = globus_sdk.NativeAppAuthClient(TUTORIAL_APP)
    client.oauth2_start_flow([TRANSFER_SCOPE], refresh_tokens=True)
    tokens = client.oauth2_exchange_code_for_tokens(
        globus.double.get_auth_code(client.oauth2_get_authorize_url())
    )
    first_rt = tokens.by_resource_server["transfer.api.globus.org"]["refresh_token"]
    authorizer = globus_sdk.RefreshTokenAuthorizer(first_rt, client)
    assert authorizer.refresh_token != first_rt
    with pytest.raises(globus_sdk.AuthAPIError) as err:
        client.oauth2_refresh_token(first_rt)
    assert err.value.http_status == 401
    assert err.value.raw_json["error"] == "invalid_grant"


def test_state_and_prefill_named_grant_are_honoured(globus):
    client = globus_sdk.NativeAppAuthClient(TUTORIAL_APP)
    client.oauth2_start_flow([TRANSFER_SCOPE], state="xyz", prefill_named_grant="my laptop")
    url = client.oauth2_get_authorize_url()
    assert "Grant name: my laptop" in requests.get(url, timeout=10).text
    tokens = client.oauth2_exchange_code_for_tokens(globus.double.get_auth_code(url))
    assert tokens["state"] == "xyz"
