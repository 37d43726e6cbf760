"""Confidential clients: client credentials, the three-legged flow, dependent tokens."""

from __future__ import annotations

import uuid

import globus_sdk
import pytest

from mockglobus import AuthenticationFailed
from tests.globus.auth.conftest import (
    ALICE,
    DATA_SERVICE,
    DATA_SERVICE_SECRET,
    PORTAL,
    PORTAL_SECRET,
    TRANSFER_SCOPE,
    TUTORIAL_APP,
)

PORTAL_CALLBACK = "https://portal.example.org/callback"
DATA_SERVICE_SCOPE = f"https://auth.globus.org/scopes/{DATA_SERVICE}/all"


def _portal() -> globus_sdk.ConfidentialAppAuthClient:
    return globus_sdk.ConfidentialAppAuthClient(PORTAL, PORTAL_SECRET)


def test_client_credentials_authorizer_gets_exactly_the_requested_token(globus):
    authorizer = globus_sdk.ClientCredentialsAuthorizer(_portal(), TRANSFER_SCOPE)
    info = globus.auth.check_access_token(authorizer.access_token, "transfer.api.globus.org")
    assert info.identity_id == PORTAL
    assert info.username == f"{PORTAL}@clients.auth.globus.org"
    assert info.client_id == PORTAL


def test_client_credentials_tokens_are_shaped_like_the_real_ones(globus):
    tokens = _portal().oauth2_client_credentials_tokens(
        ["openid", "openid", "profile", "email", TRANSFER_SCOPE]
    )
    assert set(tokens.data) == {
        "access_token",
        "scope",
        "expires_in",
        "token_type",
        "resource_server",
        "id_token",
        "other_tokens",
    }
    assert tokens["resource_server"] == "auth.globus.org"
    assert tokens["scope"] == "openid profile email"
    assert tokens["expires_in"] == 172_800
    assert tokens["token_type"] == "Bearer"
    [other] = tokens["other_tokens"]
    assert set(other) == {"access_token", "scope", "expires_in", "token_type", "resource_server"}
    assert other["resource_server"] == "transfer.api.globus.org"
    assert tokens.decode_id_token()["sub"] == PORTAL


def test_client_identity_sees_itself_through_userinfo(globus):
    authorizer = globus_sdk.ClientCredentialsAuthorizer(
        _portal(), "openid profile email urn:globus:auth:scope:auth.globus.org:view_identity_set"
    )
    me = globus_sdk.AuthClient(authorizer=authorizer).userinfo()
    assert me["sub"] == PORTAL
    assert me["preferred_username"] == f"{PORTAL}@clients.auth.globus.org"
    assert [i["sub"] for i in me["identity_set"]] == [PORTAL]


def test_three_legged_flow_with_a_secret_and_refresh(globus):
    portal = _portal()
    portal.oauth2_start_flow(
        PORTAL_CALLBACK, ["openid", "email", TRANSFER_SCOPE], refresh_tokens=True, state="s1"
    )
    code = globus.double.get_auth_code(portal.oauth2_get_authorize_url(), ALICE)
    tokens = portal.oauth2_exchange_code_for_tokens(code)
    assert tokens["state"] == "s1"
    rt = tokens.by_resource_server["transfer.api.globus.org"]["refresh_token"]
    refreshed = portal.oauth2_refresh_token(rt)
    assert refreshed["resource_server"] == "transfer.api.globus.org"
    assert refreshed["other_tokens"] == []
    info = globus.auth.check_access_token(refreshed["access_token"], "transfer.api.globus.org")
    assert (info.username, info.client_id) == (ALICE, PORTAL)


def test_refresh_token_of_another_client_is_an_invalid_grant(globus):
    native = globus_sdk.NativeAppAuthClient(TUTORIAL_APP)
    native.oauth2_start_flow([TRANSFER_SCOPE], refresh_tokens=True)
    tokens = native.oauth2_exchange_code_for_tokens(
        globus.double.get_auth_code(native.oauth2_get_authorize_url())
    )
    rt = tokens.by_resource_server["transfer.api.globus.org"]["refresh_token"]
    with pytest.raises(globus_sdk.AuthAPIError) as err:
        _portal().oauth2_refresh_token(rt)
    assert (err.value.http_status, err.value.raw_json["error"]) == (401, "invalid_grant")


def test_resource_server_gets_dependent_transfer_tokens_for_its_user(globus):
    native = globus_sdk.NativeAppAuthClient(TUTORIAL_APP)
    native.oauth2_start_flow([DATA_SERVICE_SCOPE])
    tokens = native.oauth2_exchange_code_for_tokens(
        globus.double.get_auth_code(native.oauth2_get_authorize_url(), ALICE)
    )
    service_token = tokens.by_resource_server[DATA_SERVICE]["access_token"]
    service = globus_sdk.ConfidentialAppAuthClient(DATA_SERVICE, DATA_SERVICE_SECRET)
    dependent = service.oauth2_get_dependent_tokens(service_token, refresh_tokens=True)
    assert isinstance(dependent.data, list)
    transfer = dependent.by_resource_server["transfer.api.globus.org"]
    assert transfer["refresh_token"]
    info = globus.auth.check_access_token(transfer["access_token"], "transfer.api.globus.org")
    assert (info.username, info.client_id) == (ALICE, DATA_SERVICE)


def test_dependent_grant_refuses_a_token_for_another_resource_server(globus):
    transfer_token = globus.double.token_for(ALICE)
    service = globus_sdk.ConfidentialAppAuthClient(DATA_SERVICE, DATA_SERVICE_SECRET)
    with pytest.raises(globus_sdk.AuthAPIError) as err:
        service.oauth2_get_dependent_tokens(transfer_token)
    assert (err.value.http_status, err.value.raw_json["error"]) == (401, "invalid_grant")


def test_any_well_formed_client_pair_registers_itself_in_permissive_mode(globus):
    client_id = str(uuid.UUID(int=42))
    first = globus_sdk.ConfidentialAppAuthClient(client_id, "a-secret-chosen-by-the-user")
    first.oauth2_client_credentials_tokens(TRANSFER_SCOPE)
    impostor = globus_sdk.ConfidentialAppAuthClient(client_id, "another-secret")
    with pytest.raises(globus_sdk.AuthAPIError) as err:
        impostor.oauth2_client_credentials_tokens(TRANSFER_SCOPE)
    assert (err.value.http_status, err.value.raw_json["error"]) == (401, "invalid_client")


def test_strict_mode_refuses_unknown_clients():
    from mockglobus import mock_globus

    with mock_globus(permissive=False):
        stranger = globus_sdk.ConfidentialAppAuthClient(str(uuid.UUID(int=7)), "secret")
        with pytest.raises(globus_sdk.AuthAPIError) as err:
            stranger.oauth2_client_credentials_tokens(TRANSFER_SCOPE)
        assert err.value.raw_json["error"] == "invalid_client"


def test_deleting_a_client_kills_its_tokens(globus):
    token = globus.double.token_for(ALICE)
    globus.auth.check_access_token(token, "transfer.api.globus.org")
    authorizer = globus_sdk.ClientCredentialsAuthorizer(_portal(), TRANSFER_SCOPE)
    with globus.double.state.lock:
        globus.auth.delete_client(globus.auth.caller(None, (PORTAL, PORTAL_SECRET)), PORTAL)
    with pytest.raises(AuthenticationFailed):
        globus.auth.check_access_token(authorizer.access_token, "transfer.api.globus.org")
