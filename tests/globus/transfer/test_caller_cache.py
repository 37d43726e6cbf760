"""Transfer keeps the caller a token stands for, but never past what would refuse it."""

from __future__ import annotations

import globus_sdk
import pytest

from mockglobus import GlobusDouble
from mockglobus.auth.tables import ACCESS_TOKEN_LIFETIME
from mockglobus.transfer import errors as E

from .conftest import ALICE, BOB


def _client(served, token: str) -> globus_sdk.TransferClient:
    client = globus_sdk.TransferClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(token), base_url=served.base_url
    )
    client.retry_config.max_retries = 0
    return client


def _refused(client: globus_sdk.TransferClient) -> tuple[int, str]:
    with pytest.raises(globus_sdk.TransferAPIError) as err:
        client.get_submission_id()
    return err.value.http_status, err.value.code


def test_revoked_token_is_refused_on_the_next_request(served):
    token = served.double.token_for(ALICE)
    client = _client(served, token)
    client.get_submission_id()
    served.double.auth.revoke(token)
    assert _refused(client) == (401, "AuthenticationFailed")


def test_expired_token_is_refused_on_the_next_request(served):
    token = served.double.token_for(ALICE)
    client = _client(served, token)
    served.double.advance(ACCESS_TOKEN_LIFETIME - 1)
    client.get_submission_id()
    served.double.advance(1)
    assert _refused(client) == (401, "AuthenticationFailed")


def test_a_token_resolves_to_the_same_caller_until_auth_changes():
    double = GlobusDouble()
    adapter = double.state.auth_for_transfer
    token = double.token_for(ALICE)
    first = adapter.caller_for_token(token)
    assert adapter.caller_for_token(token) is first
    bob = double.auth.identity(BOB)
    double.auth.accounts.link(BOB, ALICE)
    linked = adapter.caller_for_token(token)
    assert bob.id in linked.session_ids and bob.id not in first.session_ids


def test_a_forgotten_token_is_refused_after_a_reset():
    double = GlobusDouble()
    adapter = double.state.auth_for_transfer
    token = double.token_for(ALICE)
    adapter.caller_for_token(token)
    double.reset()
    with pytest.raises(E.AuthenticationFailed):
        adapter.caller_for_token(token)
