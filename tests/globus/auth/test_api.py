"""The Auth REST API through globus_sdk.AuthClient: identities, providers, consents,
clients, credentials, projects, scopes."""

from __future__ import annotations

import globus_sdk
import pytest

from mockglobus.auth.model import GLOBUS_CLI_TEMPLATE
from tests.globus.auth.conftest import ALICE, BOB, PORTAL, PORTAL_SECRET, TRANSFER_SCOPE

MANAGE = "urn:globus:auth:scope:auth.globus.org:manage_projects"
CONSENTS = "urn:globus:auth:scope:auth.globus.org:view_consents"


def _as(globus, username: str, *scopes: str) -> globus_sdk.AuthClient:
    token = globus.double.token_for(
        username, "auth.globus.org", scopes=["openid", "profile", "email", *scopes]
    )
    return globus_sdk.AuthClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))


def test_identities_by_username_and_by_id(globus):
    ac = _as(globus, ALICE)
    by_name = ac.get_identities(usernames=[ALICE, BOB, "nobody@nowhere.example"])
    assert [i["username"] for i in by_name] == [ALICE, BOB]
    alice = by_name["identities"][0]
    assert set(alice) == {
        "id",
        "username",
        "status",
        "identity_provider",
        "identity_type",
        "name",
        "email",
        "organization",
    }
    by_id = ac.get_identities(ids=[alice["id"]])
    assert by_id["identities"] == [alice]


def test_provisioning_creates_an_unused_identity_once(globus):
    ac = _as(globus, ALICE)
    assert ac.get_identities(usernames="carol@example.edu")["identities"] == []
    made = ac.get_identities(usernames="carol@example.edu", provision=True)["identities"]
    assert [(i["username"], i["status"]) for i in made] == [("carol@example.edu", "unused")]
    again = ac.get_identities(usernames="carol@example.edu", provision=True)["identities"]
    assert again == made


def test_identities_need_authentication(globus):
    with pytest.raises(globus_sdk.AuthAPIError) as err:
        globus_sdk.AuthClient().get_identities(usernames=ALICE)
    assert (err.value.http_status, err.value.code) == (401, "UNAUTHORIZED")
    assert err.value.message == "Call must be authenticated"
    assert err.value.request_id


def test_confidential_client_may_look_up_identities_with_its_secret(globus):
    portal = globus_sdk.AuthClient(authorizer=globus_sdk.BasicAuthorizer(PORTAL, PORTAL_SECRET))
    assert [i["username"] for i in portal.get_identities(usernames=BOB)] == [BOB]


def test_identity_map_resolves_usernames(globus):
    idmap = globus_sdk.IdentityMap(_as(globus, BOB), [ALICE])
    assert idmap[ALICE]["id"] == globus.auth.identity(ALICE).id


def test_identity_providers_by_domain(globus):
    ac = _as(globus, ALICE)
    [idp] = ac.get_identity_providers(domains=["globusid.org"])
    assert (idp["id"], idp["name"], idp["domains"]) == (
        "41143743-f3c8-4d60-bbdb-eeecaba85bd9",
        "Globus ID",
        ["globusid.org"],
    )


def test_consents_list_what_the_user_allowed_this_client(globus):
    data_access = "https://auth.globus.org/scopes/0b5fd2a6-0000-4000-8000-000000000001/data_access"
    globus.auth.grant_consent(ALICE, f"{TRANSFER_SCOPE}[{data_access}]")
    ac = _as(globus, ALICE, CONSENTS)
    forest = ac.get_consents(globus.auth.identity(ALICE).id).to_forest()
    names = {node.scope_name for node in forest.nodes}
    assert {TRANSFER_SCOPE, data_access} <= names
    with pytest.raises(globus_sdk.AuthAPIError) as err:
        ac.get_consents(globus.auth.identity(BOB).id)
    assert err.value.http_status == 403


def test_native_app_instance_is_a_confidential_client_with_a_secret(globus):
    native = globus_sdk.NativeAppAuthClient(GLOBUS_CLI_TEMPLATE)
    made = native.create_native_app_instance(GLOBUS_CLI_TEMPLATE, "my laptop")
    cred = made["included"]["client_credential"]
    assert made["client"]["parent_client"] == GLOBUS_CLI_TEMPLATE
    assert made["client"]["client_type"] == "confidential_client"
    instance = globus_sdk.ConfidentialAppAuthClient(cred["client"], cred["secret"])
    tokens = instance.oauth2_client_credentials_tokens(TRANSFER_SCOPE)
    assert tokens["resource_server"] == "transfer.api.globus.org"


def test_project_admin_manages_clients_and_credentials(globus):
    ac = _as(globus, ALICE, MANAGE)
    alice_id = globus.auth.identity(ALICE).id
    project = ac.create_project("Lab", contact_email="lab@example.org", admin_ids=alice_id)
    project_id = project["project"]["id"]
    assert project["project"]["admins"]["identities"][0]["username"] == ALICE
    client = ac.create_client(
        "Lab service",
        project=project_id,
        client_type="confidential_client",
        redirect_uris=["https://lab.example.org/cb"],
    )["client"]
    cred = ac.create_client_credential(client["id"], "ci")["credential"]
    assert cred["secret"]
    listed = ac.get_client_credentials(client["id"])["credentials"]
    assert [(c["id"], c["secret"]) for c in listed] == [(cred["id"], None)]
    service = globus_sdk.ConfidentialAppAuthClient(client["id"], cred["secret"])
    assert service.oauth2_client_credentials_tokens(TRANSFER_SCOPE)["access_token"]
    assert client["id"] in [c["id"] for c in ac.get_clients()["clients"]]
    assert ac.get_project(project_id)["project"]["display_name"] == "Lab"
    with pytest.raises(globus_sdk.AuthAPIError) as err:
        _as(globus, BOB, MANAGE).get_project(project_id)
    assert err.value.http_status == 404
    ac.delete_client(client["id"])
    ac.delete_project(project_id)
    assert [p["id"] for p in ac.get_projects()] == ["7a0e1d2c-0000-4000-8000-000000000001"]


def test_managing_projects_needs_the_manage_projects_scope(globus):
    with pytest.raises(globus_sdk.AuthAPIError) as err:
        _as(globus, ALICE).get_projects()
    assert (err.value.http_status, err.value.code) == (403, "FORBIDDEN")


def test_scopes_by_string(globus):
    ac = _as(globus, ALICE)
    [scope] = ac.get_scopes(scope_strings=[TRANSFER_SCOPE])["scopes"]
    assert scope["scope_string"] == TRANSFER_SCOPE
    assert ac.get_scope(scope["id"])["scope"] == scope
