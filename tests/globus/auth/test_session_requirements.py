"""Session requirements of the authorize step (``session_required_*``, ``prompt=login``),
the sessions tokens carry, and the OIDC ``nonce``, through the real globus_sdk."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import globus_sdk
import pytest
import requests

from mockglobus.auth.errors import AccessDenied, InvalidRequest
from tests.globus.auth.conftest import (
    ALICE,
    BOB,
    PORTAL,
    PORTAL_SECRET,
    TRANSFER_SCOPE,
    TUTORIAL_APP,
)

BOB_GLOBUSID = "bob@globusid.org"
PROJECT = "7a0e1d2c-0000-4000-8000-000000000001"  # the tutorial project; alice is admin
CALLBACK = "https://portal.example.org/callback"
MANAGE_PROJECTS = "urn:globus:auth:scope:auth.globus.org:manage_projects"


def _portal(**authorize_params):
    portal = globus_sdk.ConfidentialAppAuthClient(PORTAL, PORTAL_SECRET)
    portal.oauth2_start_flow(CALLBACK, ["openid", "profile", "email", TRANSFER_SCOPE])
    return portal, portal.oauth2_get_authorize_url(**authorize_params)


def _login(globus, username: str, mfa: bool = False, **authorize_params):
    """Log in through the portal; the token response and the transfer token's session."""
    portal, url = _portal(**authorize_params)
    tokens = portal.oauth2_exchange_code_for_tokens(
        globus.double.get_auth_code(url, username, mfa=mfa)
    )
    transfer = tokens.by_resource_server["transfer.api.globus.org"]["access_token"]
    info = portal.oauth2_token_introspect(transfer, include="session_info")
    return tokens, info["session_info"]


def _id(globus, username: str) -> str:
    return globus.auth.identity(username).id


def _policy(globus, **fields) -> str:
    token = globus.double.token_for(ALICE, "auth.globus.org", scopes=[MANAGE_PROJECTS])
    admin = globus_sdk.AuthClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))
    doc = admin.create_policy(
        project_id=PROJECT, display_name="Lab policy", description="test", **fields
    )
    return doc["policy"]["id"]


def _refusal(globus, url: str, **login) -> dict[str, str]:
    """Follow ``url`` over HTTP as ``login_as`` would; the redirect's query."""
    query = "&".join(f"{k}={v}" for k, v in login.items())
    reply = requests.get(f"{url}&{query}", allow_redirects=False, timeout=10)
    assert reply.status_code == 302
    location = reply.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


# ------------------------------------------------------------ single domain
def test_single_domain_is_met_by_logging_in_with_a_linked_identity(globus):
    _, session = _login(globus, BOB, session_required_single_domain=["globusid.org"])
    assert set(session["authentications"]) == {_id(globus, BOB), _id(globus, BOB_GLOBUSID)}


def test_single_domain_is_met_by_one_of_the_listed_domains(globus):
    _, session = _login(
        globus, ALICE, session_required_single_domain=["example.edu", "globusid.org"]
    )
    assert list(session["authentications"]) == [_id(globus, ALICE)]


def test_single_domain_no_identity_of_the_user_has_is_refused(globus):
    _, url = _portal(session_required_single_domain="example.edu")
    with pytest.raises(AccessDenied, match="example.edu"):
        globus.double.get_auth_code(url, ALICE)


def test_single_domain_refusal_redirects_back_with_access_denied(globus):
    _, url = _portal(session_required_single_domain="example.edu")
    query = _refusal(globus, url, login_as=ALICE)
    assert query["error"] == "access_denied"
    assert "example.edu" in query["error_description"]
    assert query["state"] == "_default"
    assert "code" not in query


# --------------------------------------------------------------- identities
def test_required_linked_identity_joins_the_session(globus):
    _, session = _login(globus, BOB, session_required_identities=[_id(globus, BOB_GLOBUSID)])
    assert _id(globus, BOB_GLOBUSID) in session["authentications"]


def test_required_identity_of_another_account_is_refused(globus):
    _, url = _portal(session_required_identities=_id(globus, BOB))
    assert _refusal(globus, url, login_as=ALICE)["error"] == "access_denied"


# ---------------------------------------------------------------------- MFA
def test_mfa_requirement_without_mfa_is_refused(globus):
    _, url = _portal(session_required_mfa=True)
    with pytest.raises(AccessDenied, match="multi-factor"):
        globus.double.get_auth_code(url, ALICE)


def test_mfa_login_is_recorded_in_the_session(globus):
    _, session = _login(globus, ALICE, mfa=True, session_required_mfa=True)
    assert session["authentications"][_id(globus, ALICE)]["amr"] == ["mfa"]


def test_login_without_mfa_records_no_amr(globus):
    _, session = _login(globus, ALICE)
    assert session["authentications"][_id(globus, ALICE)]["amr"] is None


def test_mfa_over_http_with_login_mfa(globus):
    portal, url = _portal(session_required_mfa=True)
    assert _refusal(globus, url, login_as=ALICE)["error"] == "access_denied"
    code = _refusal(globus, url, login_as=ALICE, login_mfa="true")["code"]
    tokens = portal.oauth2_exchange_code_for_tokens(code)
    token = tokens.by_resource_server["transfer.api.globus.org"]["access_token"]
    info = globus.auth.check_access_token(token, "transfer.api.globus.org")
    assert info.session_info["authentications"][_id(globus, ALICE)]["amr"] == ["mfa"]


def test_an_mfa_authentication_still_in_the_session_meets_the_requirement(globus):
    _login(globus, ALICE, mfa=True)
    _, session = _login(globus, ALICE, session_required_mfa=True)
    assert session["authentications"][_id(globus, ALICE)]["amr"] == ["mfa"]


@pytest.mark.parametrize("value", ["maybe", "yes please"])
def test_malformed_session_required_mfa_is_an_invalid_request(globus, value):
    _, url = _portal(query_params={"session_required_mfa": value})
    assert _refusal(globus, url, login_as=ALICE)["error"] == "invalid_request"


# ------------------------------------------------------------- prompt=login
def test_same_account_reuses_the_session_and_its_authentication_time(globus):
    _, first = _login(globus, ALICE)
    globus.double.advance(100)
    _, again = _login(globus, ALICE)
    assert again["session_id"] == first["session_id"]
    assert again["authentications"] == first["authentications"]


def test_prompt_login_renews_the_authentication_time(globus):
    _, first = _login(globus, ALICE)
    t0 = first["authentications"][_id(globus, ALICE)]["auth_time"]
    globus.double.advance(100)
    tokens, again = _login(globus, ALICE, prompt="login")
    assert again["session_id"] == first["session_id"]
    assert again["authentications"][_id(globus, ALICE)]["auth_time"] == t0 + 100
    assert tokens.decode_id_token()["last_authentication"] == t0 + 100


def test_another_account_starts_a_new_session(globus):
    _, alices = _login(globus, ALICE)
    _, bobs = _login(globus, BOB)
    assert bobs["session_id"] != alices["session_id"]
    assert list(bobs["authentications"]) == [_id(globus, BOB)]


def test_logged_in_browser_stops_at_the_login_page_for_prompt_login(globus):
    globus.auth.browser_user = ALICE
    _, url = _portal(prompt="login")
    page = requests.get(url, allow_redirects=False, timeout=10)
    assert page.status_code == 200
    assert "Log in to Globus" in page.text
    assert "login_mfa=true" in page.text
    _, plain = _portal()
    assert requests.get(plain, allow_redirects=False, timeout=10).status_code == 302


def test_other_prompt_values_are_invalid_requests(globus):
    _, url = _portal(query_params={"prompt": "none"})
    query = _refusal(globus, url, login_as=ALICE)
    assert query["error"] == "invalid_request"
    assert "prompt" in query["error_description"]


# ----------------------------------------------------------------- policies
def test_policy_domain_include_refuses_a_user_without_such_identity(globus):
    policy = _policy(globus, domain_constraints_include=["example.edu"])
    _, url = _portal(session_required_policies=[policy])
    with pytest.raises(AccessDenied, match="Lab policy"):
        globus.double.get_auth_code(url, ALICE)
    _, session = _login(globus, BOB, session_required_policies=[policy])
    assert list(session["authentications"]) == [_id(globus, BOB)]


def test_policy_domain_exclude_brings_in_an_allowed_linked_identity(globus):
    policy = _policy(globus, domain_constraints_exclude=["example.edu"])
    _, session = _login(globus, BOB, session_required_policies=policy)
    assert _id(globus, BOB_GLOBUSID) in session["authentications"]


def test_policy_requiring_mfa_needs_an_mfa_login(globus):
    policy = _policy(globus, required_mfa=True)
    _, url = _portal(session_required_policies=[policy])
    assert _refusal(globus, url, login_as=BOB)["error"] == "access_denied"
    _, session = _login(globus, BOB, mfa=True, session_required_policies=[policy])
    assert session["authentications"][_id(globus, BOB)]["amr"] == ["mfa"]


def test_high_assurance_policy_renews_an_authentication_older_than_its_timeout(globus):
    policy = _policy(globus, high_assurance=True, authentication_assurance_timeout=1800)
    _, first = _login(globus, ALICE)
    t0 = first["authentications"][_id(globus, ALICE)]["auth_time"]
    globus.double.advance(1000)
    _, within = _login(globus, ALICE, session_required_policies=[policy])
    assert within["authentications"][_id(globus, ALICE)]["auth_time"] == t0
    globus.double.advance(1000)
    _, stale = _login(globus, ALICE, session_required_policies=[policy])
    assert stale["authentications"][_id(globus, ALICE)]["auth_time"] == t0 + 2000


def test_unknown_policy_is_an_invalid_request(globus):
    _, url = _portal(session_required_policies=["00000000-0000-4000-8000-0000000000aa"])
    with pytest.raises(InvalidRequest, match="policy"):
        globus.double.get_auth_code(url, ALICE)
    assert _refusal(globus, url, login_as=ALICE)["error"] == "invalid_request"


# ---------------------------------------------------------- tokens and OIDC
def test_nonce_is_echoed_in_the_id_token(globus):
    native = globus_sdk.NativeAppAuthClient(TUTORIAL_APP)
    native.oauth2_start_flow(["openid", "profile"])
    url = native.oauth2_get_authorize_url(query_params={"nonce": "n-0S6_WzA2Mj"})
    tokens = native.oauth2_exchange_code_for_tokens(globus.double.get_auth_code(url, ALICE))
    assert tokens.decode_id_token()["nonce"] == "n-0S6_WzA2Mj"


def test_id_token_has_no_nonce_unless_asked(globus):
    tokens, _ = _login(globus, ALICE)
    assert "nonce" not in tokens.decode_id_token()


def test_refreshed_tokens_keep_their_session(globus):
    portal = globus_sdk.ConfidentialAppAuthClient(PORTAL, PORTAL_SECRET)
    portal.oauth2_start_flow(CALLBACK, [TRANSFER_SCOPE], refresh_tokens=True)
    url = portal.oauth2_get_authorize_url(session_required_mfa=True)
    tokens = portal.oauth2_exchange_code_for_tokens(
        globus.double.get_auth_code(url, ALICE, mfa=True)
    )
    refresh = tokens.by_resource_server["transfer.api.globus.org"]["refresh_token"]
    renewed = portal.oauth2_refresh_token(refresh)
    token = renewed.by_resource_server["transfer.api.globus.org"]["access_token"]
    info = portal.oauth2_token_introspect(token, include="session_info")
    assert info["session_info"]["authentications"][_id(globus, ALICE)]["amr"] == ["mfa"]


def test_minted_tokens_have_no_session(globus):
    info = globus.auth.check_access_token(globus.double.token_for(ALICE), "transfer.api.globus.org")
    assert info.session_info == {"session_id": None, "authentications": {}}


def test_an_mfa_collection_needs_an_mfa_session_and_says_so(globus):
    from mockglobus.transfer.seed import TUTORIAL_COLLECTION_1

    globus.double.transfer.t.collections[TUTORIAL_COLLECTION_1].attrs["mfa_required"] = True

    def listing(mfa: bool):
        # the second time the app logs in again with what the error asked for
        tokens, _ = _login(
            globus, ALICE, mfa=mfa, **({"session_required_mfa": True} if mfa else {})
        )
        token = tokens.by_resource_server["transfer.api.globus.org"]["access_token"]
        tc = globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))
        tc.retry_config.max_retries = 0
        return tc.operation_ls(TUTORIAL_COLLECTION_1, path="/home/share/godata/")

    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        listing(mfa=False)
    err = caught.value
    assert (err.http_status, err.code) == (502, "ExternalError.DirListingFailed.LoginFailed")
    assert err.info.authorization_parameters.session_required_mfa is True
    assert [e["name"] for e in listing(mfa=True)] == ["file1.txt", "file2.txt", "file3.txt"]
