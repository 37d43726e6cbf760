"""Introspect, revoke, validate, userinfo and the OIDC documents, through globus_sdk."""

from __future__ import annotations

import globus_sdk
import pytest
import requests

from mockglobus import AuthenticationFailed
from tests.globus.auth.conftest import (
    ALICE,
    BOB,
    PORTAL,
    PORTAL_SECRET,
    TRANSFER_SCOPE,
    TUTORIAL_APP,
)

ID_SET = "urn:globus:auth:scope:auth.globus.org:view_identity_set"


def _portal_login(globus, username: str, scopes: list[str], offline: bool = False):
    portal = globus_sdk.ConfidentialAppAuthClient(PORTAL, PORTAL_SECRET)
    portal.oauth2_start_flow("https://portal.example.org/callback", scopes, refresh_tokens=offline)
    code = globus.double.get_auth_code(portal.oauth2_get_authorize_url(), username)
    return portal, portal.oauth2_exchange_code_for_tokens(code)


def test_introspect_tells_who_the_token_is_for_with_session_and_identity_set(globus):
    portal, tokens = _portal_login(globus, BOB, [TRANSFER_SCOPE])
    token = tokens.by_resource_server["transfer.api.globus.org"]["access_token"]
    info = portal.oauth2_token_introspect(token, include="session_info,identity_set")
    bob = globus.auth.identity(BOB)
    linked = globus.auth.identity("bob@globusid.org")
    now = int(globus.double.clock.time())
    assert info["active"] is True
    assert info["sub"] == bob.id
    assert info["username"] == BOB
    assert info["client_id"] == PORTAL
    assert info["scope"] == TRANSFER_SCOPE
    assert info["aud"] == ["transfer.api.globus.org", PORTAL]
    assert (info["iat"], info["exp"]) == (now, now + 172_800)
    assert info["identity_set"] == [bob.id, linked.id]
    [(who, auth)] = info["session_info"]["authentications"].items()
    assert who == bob.id
    assert auth["auth_time"] == now
    assert auth["idp"] == bob.identity_provider


def test_introspect_by_a_client_outside_the_audience_says_inactive(globus):
    _, tokens = _portal_login(globus, ALICE, [TRANSFER_SCOPE])
    token = tokens.by_resource_server["transfer.api.globus.org"]["access_token"]
    outsider = globus_sdk.ConfidentialAppAuthClient(
        "7a0e1d2c-0000-4000-8000-00000000c002", "mock-cli-secret-0123456789abcdefABCDEF0123=="
    )
    assert outsider.oauth2_token_introspect(token).data == {"active": False}


def test_expired_token_introspects_inactive(globus):
    portal, tokens = _portal_login(globus, ALICE, [TRANSFER_SCOPE])
    token = tokens.by_resource_server["transfer.api.globus.org"]["access_token"]
    globus.double.advance(172_800)
    assert portal.oauth2_token_introspect(token).data == {"active": False}


def test_revoked_access_token_stops_working_everywhere(globus):
    portal, tokens = _portal_login(globus, ALICE, ["openid", "profile", TRANSFER_SCOPE])
    auth_token = tokens.by_resource_server["auth.globus.org"]["access_token"]
    transfer_token = tokens.by_resource_server["transfer.api.globus.org"]["access_token"]
    ac = globus_sdk.AuthClient(authorizer=globus_sdk.AccessTokenAuthorizer(auth_token))
    assert ac.userinfo()["preferred_username"] == ALICE
    assert portal.oauth2_revoke_token(auth_token).data == {"active": False}
    with pytest.raises(globus_sdk.AuthAPIError) as err:
        ac.userinfo()
    assert (err.value.http_status, err.value.code) == (401, "UNAUTHORIZED")
    assert portal.oauth2_token_introspect(auth_token).data == {"active": False}
    portal.oauth2_revoke_token(transfer_token)
    with pytest.raises(AuthenticationFailed):
        globus.auth.check_access_token(transfer_token, "transfer.api.globus.org")


def test_revoking_a_refresh_token_ends_the_grant(globus):
    portal, tokens = _portal_login(globus, ALICE, [TRANSFER_SCOPE], offline=True)
    data = tokens.by_resource_server["transfer.api.globus.org"]
    portal.oauth2_revoke_token(data["refresh_token"])
    with pytest.raises(globus_sdk.AuthAPIError) as err:
        portal.oauth2_refresh_token(data["refresh_token"])
    assert err.value.raw_json["error"] == "invalid_grant"
    with pytest.raises(AuthenticationFailed):
        globus.auth.check_access_token(data["access_token"], "transfer.api.globus.org")


def test_native_app_revokes_with_its_client_id(globus):
    native = globus_sdk.NativeAppAuthClient(TUTORIAL_APP)
    native.oauth2_start_flow([TRANSFER_SCOPE])
    tokens = native.oauth2_exchange_code_for_tokens(
        globus.double.get_auth_code(native.oauth2_get_authorize_url())
    )
    token = tokens.by_resource_server["transfer.api.globus.org"]["access_token"]
    native.oauth2_revoke_token(token)
    assert globus.double.journal.last.request_body.decode().endswith(f"client_id={TUTORIAL_APP}")
    with pytest.raises(AuthenticationFailed):
        globus.auth.check_access_token(token, "transfer.api.globus.org")


def test_validate_answers_whether_a_refresh_token_is_still_good(globus):
    portal, tokens = _portal_login(globus, ALICE, [TRANSFER_SCOPE], offline=True)
    rt = tokens.by_resource_server["transfer.api.globus.org"]["refresh_token"]
    url = globus.base + "v2/oauth2/token/validate"
    assert requests.post(
        url, data={"token": rt}, auth=(PORTAL, PORTAL_SECRET), timeout=10
    ).json() == {"active": True}
    portal.oauth2_revoke_token(rt)
    assert requests.post(
        url, data={"token": rt}, auth=(PORTAL, PORTAL_SECRET), timeout=10
    ).json() == {"active": False}


def test_userinfo_shows_linked_identities_with_view_identity_set(globus):
    _, tokens = _portal_login(globus, BOB, ["openid", "profile", "email", ID_SET])
    ac = globus_sdk.AuthClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(
            tokens.by_resource_server["auth.globus.org"]["access_token"]
        )
    )
    me = ac.userinfo()
    assert me["preferred_username"] == BOB
    assert me["email"] == "bob@example.edu"
    assert [i["username"] for i in me["identity_set"]] == [BOB, "bob@globusid.org"]


def test_userinfo_needs_the_openid_scope(globus):
    token = globus.double.token_for(ALICE, "auth.globus.org", scopes=[ID_SET])
    ac = globus_sdk.AuthClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))
    with pytest.raises(globus_sdk.AuthAPIError) as err:
        ac.userinfo()
    assert (err.value.http_status, err.value.code) == (403, "FORBIDDEN")


def test_discovery_points_back_at_this_double_and_its_single_key(globus):
    ac = globus_sdk.AuthClient()
    config = ac.get_openid_configuration()
    assert config["jwks_uri"] == globus.base + "jwk.json"
    assert config["token_endpoint"] == globus.base + "v2/oauth2/token"
    assert config["id_token_signing_alg_values_supported"] == ["RS512"]
    jwk = ac.get_jwk()
    [key] = jwk["keys"]
    assert set(key) == {"alg", "e", "kty", "n", "use"}  # no kid, as the real service
    assert ac.get_jwk(as_pem=True).key_size == 2048
