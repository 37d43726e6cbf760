"""What another service of this package learns when it asks Auth about a bearer token."""

from __future__ import annotations

import pytest

from mockglobus import AuthenticationFailed, ConsentRequired, GlobusDouble
from mockglobus.auth import TRANSFER_RS, TRANSFER_SCOPE

DATA_ACCESS = "https://auth.globus.org/scopes/0b5fd2a6-7a2e-4c3b-9f1e-3c2a1d0e9f8a/data_access"


@pytest.fixture
def globus():
    return GlobusDouble()


def test_minted_token_carries_identity_client_scopes_and_expiry(globus):
    token = globus.token_for("alice@globusid.org")
    info = globus.auth.check_access_token(token, TRANSFER_RS)
    alice = globus.auth.identity("alice@globusid.org")
    assert info.identity_id == alice.id
    assert info.username == "alice@globusid.org"
    assert info.client_id == globus.auth.harness_client.id
    assert info.scopes == frozenset({TRANSFER_SCOPE})
    assert info.resource_server == TRANSFER_RS
    assert info.expires_at == globus.clock.time() + 172_800


@pytest.mark.parametrize("token", [None, "", "forged-token-never-issued"])
def test_missing_or_forged_token_fails_authentication(globus, token):
    with pytest.raises(AuthenticationFailed) as err:
        globus.auth.check_access_token(token, TRANSFER_RS)
    assert err.value.http_status == 401
    assert err.value.code == "AuthenticationFailed"


def test_token_for_another_resource_server_fails_authentication(globus):
    token = globus.token_for("alice@globusid.org", resource_server="auth.globus.org")
    with pytest.raises(AuthenticationFailed, match="resource server"):
        globus.auth.check_access_token(token, TRANSFER_RS)


def test_token_expires_on_the_virtual_clock(globus):
    token = globus.token_for("alice@globusid.org")
    globus.advance(172_799)
    globus.auth.check_access_token(token, TRANSFER_RS)
    globus.advance(1)
    with pytest.raises(AuthenticationFailed, match="not active"):
        globus.auth.check_access_token(token, TRANSFER_RS)


def test_revoked_token_fails_authentication(globus):
    token = globus.token_for("alice@globusid.org")
    globus.auth.revoke(token)
    with pytest.raises(AuthenticationFailed):
        globus.auth.check_access_token(token, TRANSFER_RS)


def test_missing_data_access_consent_names_the_scope_to_request(globus):
    token = globus.token_for("alice@globusid.org")
    with pytest.raises(ConsentRequired) as err:
        globus.auth.check_access_token(token, TRANSFER_RS, required_scope=DATA_ACCESS)
    assert err.value.http_status == 403
    assert err.value.code == "ConsentRequired"
    assert err.value.required_scopes == [f"{TRANSFER_SCOPE}[*{DATA_ACCESS}]"]


def test_token_minted_with_dependent_consent_passes_the_data_access_check(globus):
    token = globus.token_for("alice@globusid.org", scopes=f"{TRANSFER_SCOPE}[*{DATA_ACCESS}]")
    info = globus.auth.check_access_token(token, TRANSFER_RS, required_scope=DATA_ACCESS)
    assert info.scopes == frozenset({TRANSFER_SCOPE})


def test_consent_granted_later_applies_to_tokens_already_issued(globus):
    token = globus.token_for("alice@globusid.org")
    globus.auth.grant_consent("alice@globusid.org", f"{TRANSFER_SCOPE}[{DATA_ACCESS}]")
    globus.auth.check_access_token(token, TRANSFER_RS, required_scope=DATA_ACCESS)
    globus.auth.revoke_consent("alice@globusid.org", TRANSFER_SCOPE)
    with pytest.raises(ConsentRequired):
        globus.auth.check_access_token(token, TRANSFER_RS, required_scope=DATA_ACCESS)


def test_reset_repeats_the_same_accounts(globus):
    before = [(u.id, u.username, u.name) for u in globus.auth.users]
    globus.token_for()
    globus.reset()
    assert [(u.id, u.username, u.name) for u in globus.auth.users] == before
    assert GlobusDouble(seed=1).auth.users[2].username != globus.auth.users[2].username
