"""Tokens from this Auth at work on the Transfer double: the seed tutorial end to end,
and ConsentRequired for a collection's data_access."""

from __future__ import annotations

import globus_sdk
import pytest

from mockglobus.transfer import seed
from tests.globus.auth.conftest import ALICE, TRANSFER_SCOPE, TUTORIAL_APP


def _login(globus, scopes: list[str]) -> globus_sdk.OAuthTokenResponse:
    client = globus_sdk.NativeAppAuthClient(TUTORIAL_APP)
    client.oauth2_start_flow(scopes)
    return client.oauth2_exchange_code_for_tokens(
        globus.double.get_auth_code(client.oauth2_get_authorize_url(), ALICE)
    )


def test_seed_tutorial_lists_my_endpoints_with_the_transfer_token(globus):
    token_response = _login(globus, ["openid", "profile", "email", TRANSFER_SCOPE])
    TRANSFER_TOKEN = token_response.by_resource_server["transfer.api.globus.org"]["access_token"]
    authorizer = globus_sdk.AccessTokenAuthorizer(TRANSFER_TOKEN)
    tc = globus_sdk.TransferClient(authorizer=authorizer)
    endpoints = list(tc.endpoint_search(filter_scope="my-endpoints"))
    assert isinstance(endpoints, list)


def test_auth_token_is_refused_by_transfer(globus):
    token_response = _login(globus, ["openid", "profile", TRANSFER_SCOPE])
    auth_token = token_response.by_resource_server["auth.globus.org"]["access_token"]
    tc = globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(auth_token))
    with pytest.raises(globus_sdk.TransferAPIError) as err:
        tc.operation_ls(seed.RESEARCH_COLLECTION_ID, path="/projects/climate/")
    assert (err.value.http_status, err.value.code) == (401, "AuthenticationFailed")


def test_collection_needing_data_access_asks_for_consent_until_given(globus):
    plain = _login(globus, [TRANSFER_SCOPE]).by_resource_server["transfer.api.globus.org"]
    tc = globus_sdk.TransferClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(plain["access_token"])
    )
    with pytest.raises(globus_sdk.TransferAPIError) as err:
        tc.operation_ls(seed.RESEARCH_COLLECTION_ID, path="/projects/climate/")
    assert (err.value.http_status, err.value.code) == (403, "ConsentRequired")
    [needed] = err.value.info.consent_required.required_scopes
    data_access = f"https://auth.globus.org/scopes/{seed.RESEARCH_COLLECTION_ID}/data_access"
    assert needed == f"{TRANSFER_SCOPE}[*{data_access}]"

    again = _login(globus, [needed]).by_resource_server["transfer.api.globus.org"]
    tc = globus_sdk.TransferClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(again["access_token"])
    )
    names = [
        f["name"] for f in tc.operation_ls(seed.RESEARCH_COLLECTION_ID, path="/projects/climate/")
    ]
    assert "README.txt" in names


def test_cli_client_identity_consents_on_demand_and_retries(globus_server, tmp_path):
    from tests.globus.auth.test_cli import _globus

    listing = _globus(
        globus_server.env(), tmp_path, "ls", f"{seed.RESEARCH_COLLECTION_ID}:/projects/climate/"
    )
    assert listing.returncode == 0, listing.stderr
    assert "README.txt" in listing.stdout.split()
    statuses = [(e.path, e.status) for e in globus_server.journal.entries if e.path.endswith("/ls")]
    assert [s for _, s in statuses] == [403, 200]  # ConsentRequired, consent, retry
