"""What a client of Globus Auth and Transfer relies on, checked the same way against every
target through the real ``globus_sdk`` (confidential client, client-credentials grant)."""

from __future__ import annotations

import time
import uuid

import globus_sdk
import pytest

TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"
TOKEN_KEYS = {
    "access_token",
    "scope",
    "expires_at_seconds",
    "refresh_token",
    "resource_server",
    "token_type",
}
IDENTITY_KEYS = {"id", "username", "status", "identity_provider", "name", "email", "organization"}
COLLECTION_KEYS = {
    "DATA_TYPE",
    "id",
    "display_name",
    "entity_type",
    "owner_id",
    "owner_string",
    "description",
    "organization",
    "default_directory",
    "gcs_version",
    "non_functional",
    "high_assurance",
    "public",
    "subscription_id",
    "host_endpoint_id",
    "mapped_collection_id",
    "my_effective_roles",
}
LS_KEYS = {
    "DATA_TYPE",
    "DATA",
    "endpoint",
    "path",
    "absolute_path",
    "length",
    "total",
    "rename_supported",
    "symlink_supported",
}
FILE_KEYS = {
    "DATA_TYPE",
    "name",
    "type",
    "size",
    "last_modified",
    "permissions",
    "user",
    "group",
    "link_target",
}
TASK_KEYS = {
    "DATA_TYPE",
    "task_id",
    "type",
    "status",
    "nice_status",
    "label",
    "owner_id",
    "source_endpoint_id",
    "destination_endpoint_id",
    "request_time",
    "completion_time",
    "deadline",
    "files",
    "directories",
    "subtasks_total",
    "bytes_transferred",
    "sync_level",
    "verify_checksum",
}


@pytest.fixture
def auth_client(globus_target) -> globus_sdk.ConfidentialAppAuthClient:
    return globus_sdk.ConfidentialAppAuthClient(
        globus_target.client_id, globus_target.client_secret
    )


@pytest.fixture
def tokens(auth_client) -> globus_sdk.OAuthTokenResponse:
    return auth_client.oauth2_client_credentials_tokens(
        requested_scopes=f"openid profile email {TRANSFER_SCOPE}"
    )


@pytest.fixture
def auth(tokens) -> globus_sdk.AuthClient:
    token = tokens.by_resource_server["auth.globus.org"]["access_token"]
    return globus_sdk.AuthClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))


@pytest.fixture
def transfer(tokens) -> globus_sdk.TransferClient:
    token = tokens.by_resource_server["transfer.api.globus.org"]["access_token"]
    return globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))


def _fresh_dir(transfer, target) -> str:
    """A new, uniquely named directory under the target's writable path."""
    collection = target.need_collection()
    path = f"{target.path.rstrip('/')}/contract-{uuid.uuid4().hex[:12]}/"
    transfer.operation_mkdir(collection, path)
    return path


# ------------------------------------------------------------------------- Auth
def test_client_credentials_answer_one_token_per_resource_server(tokens, globus_target):
    by_rs = tokens.by_resource_server
    assert set(by_rs) == {"auth.globus.org", "transfer.api.globus.org"}
    for rs, token in by_rs.items():
        assert set(token) == TOKEN_KEYS
        assert token["resource_server"] == rs and token["token_type"] == "Bearer"
        assert token["refresh_token"] is None  # client credentials: never offline
        assert isinstance(token["expires_at_seconds"], int)
        assert token["expires_at_seconds"] > time.time()
    assert by_rs["transfer.api.globus.org"]["scope"] == TRANSFER_SCOPE
    assert set(by_rs["auth.globus.org"]["scope"].split()) == {"openid", "profile", "email"}
    assert "id_token" in tokens.data and "other_tokens" in tokens.data


def test_userinfo_names_the_client_identity(auth, globus_target):
    info = auth.userinfo()
    assert {
        "sub",
        "preferred_username",
        "name",
        "email",
        "organization",
        "identity_provider",
        "identity_provider_display_name",
    } <= set(info.data)
    assert info["sub"] == globus_target.client_id
    assert info["preferred_username"] == f"{globus_target.client_id}@clients.auth.globus.org"


def test_introspect_describes_an_active_transfer_token(auth_client, tokens, globus_target):
    token = tokens.by_resource_server["transfer.api.globus.org"]["access_token"]
    info = auth_client.oauth2_token_introspect(token)
    assert {
        "active",
        "scope",
        "client_id",
        "sub",
        "username",
        "name",
        "email",
        "exp",
        "iat",
        "nbf",
        "aud",
        "iss",
        "token_type",
    } <= set(info.data)
    assert info["active"] is True and info["scope"] == TRANSFER_SCOPE
    assert info["client_id"] == info["sub"] == globus_target.client_id
    assert "transfer.api.globus.org" in info["aud"]
    assert info["iss"] == "https://auth.globus.org"
    assert info["exp"] - info["iat"] == 172_800  # 48 hours


def test_introspect_of_an_unknown_token_is_only_inactive(auth_client):
    assert auth_client.oauth2_token_introspect("not-a-token-" + uuid.uuid4().hex).data == {
        "active": False
    }


def test_identities_lookup_by_id(auth, globus_target):
    found = auth.get_identities(ids=[globus_target.client_id])
    (identity,) = found["identities"]
    assert IDENTITY_KEYS <= set(identity)
    assert identity["id"] == globus_target.client_id
    assert identity["username"].endswith("@clients.auth.globus.org")


# ---------------------------------------------------------------------- Transfer
def test_endpoint_search_answers_a_page_of_endpoint_documents(transfer):
    page = transfer.endpoint_search("Globus Tutorial", limit=5)
    assert {"DATA_TYPE", "DATA", "limit", "offset", "has_next_page"} <= set(page.data)
    assert page["DATA_TYPE"] == "endpoint_list" and page["limit"] == 5
    assert page["DATA"], "the tutorial collections should be found"
    for doc in page["DATA"]:
        assert COLLECTION_KEYS <= set(doc) and doc["DATA_TYPE"] == "endpoint"


def test_get_endpoint_of_a_collection(transfer, globus_target):
    collection = globus_target.need_collection()
    doc = transfer.get_endpoint(collection)
    assert COLLECTION_KEYS <= set(doc.data)
    assert doc["DATA_TYPE"] == "endpoint" and doc["id"] == collection
    assert doc["entity_type"] in {
        "GCSv5_mapped_collection",
        "GCSv5_guest_collection",
        "GCP_mapped_collection",
        "GCP_guest_collection",
    }


def test_ls_lists_files_and_directories(transfer, globus_target):
    collection = globus_target.need_collection()
    parent = _fresh_dir(transfer, globus_target)
    transfer.operation_mkdir(collection, parent + "inner/")
    listing = transfer.operation_ls(collection, path=parent)
    assert LS_KEYS <= set(listing.data)
    assert listing["DATA_TYPE"] == "file_list" and listing["endpoint"] == collection
    assert listing["length"] == listing["total"] == 1
    (entry,) = listing["DATA"]
    assert FILE_KEYS <= set(entry)
    assert (entry["DATA_TYPE"], entry["name"], entry["type"]) == ("file", "inner", "dir")


def test_unknown_endpoint_is_a_transfer_api_error(transfer):
    unknown = str(uuid.uuid4())
    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        transfer.get_endpoint(unknown)
    err = caught.value
    assert (err.http_status, err.code) == (404, "EndpointNotFound")
    assert unknown in err.message
    assert err.request_id


def test_submission_id_then_transfer_then_task(transfer, globus_target):
    collection = globus_target.need_collection()
    source = _fresh_dir(transfer, globus_target)
    submission = transfer.get_submission_id()
    assert submission["DATA_TYPE"] == "submission_id"
    sid = submission["value"]
    data = globus_sdk.TransferData(
        source_endpoint=collection,
        destination_endpoint=collection,
        submission_id=sid,
        label="contract",
    )
    data.add_item(source, source.rstrip("/") + "-copy/", recursive=True)

    accepted = transfer.submit_transfer(data)
    assert {
        "DATA_TYPE",
        "task_id",
        "code",
        "message",
        "request_id",
        "resource",
        "submission_id",
    } <= set(accepted.data)
    assert accepted["DATA_TYPE"] == "transfer_result" and accepted["code"] == "Accepted"
    assert accepted["submission_id"] == sid and accepted["resource"] == "/v0.10/transfer"

    again = transfer.submit_transfer(data)  # the same submission_id: the same task
    assert (again["code"], again["task_id"]) == ("Duplicate", accepted["task_id"])

    task = transfer.get_task(accepted["task_id"])
    assert TASK_KEYS <= set(task.data)
    assert task["DATA_TYPE"] == "task" and task["type"] == "TRANSFER"
    assert task["task_id"] == accepted["task_id"] and task["label"] == "contract"
    assert task["source_endpoint_id"] == task["destination_endpoint_id"] == collection
    assert task["status"] in {"ACTIVE", "INACTIVE", "SUCCEEDED", "FAILED"}
    transfer.cancel_task(accepted["task_id"])
