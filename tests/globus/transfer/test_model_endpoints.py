"""Endpoint documents, sharing, search scopes, pause rules on file operations, history."""

from __future__ import annotations

import pytest

from mockglobus.transfer import errors as E
from mockglobus.transfer.seed import (
    DEMO_GCP_ID,
    DEMO_GUEST_ID,
    DEMO_USER,
    TUTORIAL_ADMIN,
    TUTORIAL_COLLECTION_1,
    TUTORIAL_COLLECTION_2,
    TUTORIAL_ENDPOINT_ID,
)

T1, T2 = TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2


def test_gcsv5_collection_document_points_at_its_endpoint(model, alice):
    doc = model.endpoint_ops.get_endpoint(alice, T1)
    assert (doc["entity_type"], doc["owner_id"], doc["non_functional"]) == (
        "GCSv5_mapped_collection",
        TUTORIAL_ENDPOINT_ID,
        False,
    )
    assert doc["owner_string"] == f"{TUTORIAL_ENDPOINT_ID}@clients.auth.globus.org"
    assert doc["non_functional_endpoint_id"] == TUTORIAL_ENDPOINT_ID
    endpoint = model.endpoint_ops.get_endpoint(alice, TUTORIAL_ENDPOINT_ID)
    assert (endpoint["entity_type"], endpoint["non_functional"]) == ("GCSv5_endpoint", True)
    assert doc["my_effective_roles"] == []
    admin_doc = model.endpoint_ops.get_endpoint(TUTORIAL_ADMIN, T1)
    assert admin_doc["my_effective_roles"] == ["administrator"]


def test_guest_collection_document_names_its_host(model, alice):
    doc = model.endpoint_ops.get_endpoint(alice, DEMO_GUEST_ID)
    assert (doc["entity_type"], doc["host_endpoint_id"], doc["host_path"]) == (
        "GCP_guest_collection",
        DEMO_GCP_ID,
        "/Users/demo/shared/",
    )
    assert doc["acl_available"] is True and doc["acl_editable"] is False


def test_a_user_shares_a_directory_of_a_mapped_collection(model, alice, bob):
    model.file_ops.operation_mkdir(alice, T1, {"path": "/~/outbox"})
    created = model.endpoint_ops.create_shared_endpoint(
        alice,
        {
            "DATA_TYPE": "shared_endpoint",
            "host_endpoint_id": T1,
            "host_path": "/~/outbox/",
            "display_name": "Alice's outbox",
        },
    )
    assert (created["DATA_TYPE"], created["code"]) == ("endpoint_create_result", "Created")
    guest = created["id"]
    assert model.endpoint_ops.get_endpoint(alice, guest)["host_path"] == "/home/alice/outbox/"
    shared = model.endpoint_ops.my_shared_endpoint_list(alice, T1)["DATA"]
    assert [d["id"] for d in shared] == [guest]
    with pytest.raises(E.EndpointPermissionDenied):
        model.file_ops.operation_ls(bob, guest)
    model.roles_acls.add_endpoint_acl_rule(
        alice,
        guest,
        {
            "principal_type": "identity",
            "principal": bob.identity_id,
            "path": "/",
            "permissions": "r",
        },
    )
    assert model.file_ops.operation_ls(bob, guest)["DATA"] == []
    model.file_ops.operation_mkdir(alice, guest, {"path": "/fromguest"})
    names = [f["name"] for f in model.file_ops.operation_ls(alice, T1, path="/~/outbox/")["DATA"]]
    assert names == ["fromguest"]
    hits = model.endpoint_search.endpoint_search(bob, {"filter_scope": "shared-with-me"})["DATA"]
    assert [h["id"] for h in hits] == [guest]
    mine = model.endpoint_search.endpoint_search(alice, {"filter_scope": "shared-by-me"})["DATA"]
    assert [h["id"] for h in mine] == [guest]


def test_endpoint_search_my_gcp_endpoints_and_owner_filter(model, alice):
    created = model.endpoint_ops.create_endpoint(
        alice, {"display_name": "Alice Laptop", "is_globus_connect": True}
    )
    search = model.endpoint_search.endpoint_search
    hits = search(alice, {"filter_scope": "my-gcp-endpoints"})["DATA"]
    assert [h["id"] for h in hits] == [created["id"]]
    assert created["globus_connect_setup_key"]
    owned = model.endpoint_search.endpoint_search(
        alice, {"filter_fulltext": "demo", "filter_owner_id": DEMO_USER.identity_id}
    )
    assert {h["id"] for h in owned["DATA"]} == {DEMO_GUEST_ID}  # the laptop is private
    own = model.endpoint_search.endpoint_search(
        DEMO_USER, {"filter_fulltext": "demo", "filter_owner_id": DEMO_USER.identity_id}
    )
    assert {h["id"] for h in own["DATA"]} == {DEMO_GCP_ID, DEMO_GUEST_ID}


def test_endpoint_search_pages_with_has_next_page(model, alice):
    search = model.endpoint_search.endpoint_search
    first = search(alice, {"filter_fulltext": "tutorial", "limit": "2"})
    rest = search(alice, {"filter_fulltext": "tutorial", "limit": "2", "offset": "2"})
    assert (len(first["DATA"]), first["has_next_page"]) == (2, True)
    assert (len(rest["DATA"]), rest["has_next_page"]) == (1, False)
    with pytest.raises(E.BadRequest):
        model.endpoint_search.endpoint_search(alice, {"filter_fulltext": "x", "limit": "101"})


def test_server_list_and_autoactivation(model, alice):
    servers = model.endpoint_ops.endpoint_server_list(alice, T1)["DATA"]
    assert servers[0]["DATA_TYPE"] == "server"
    assert model.endpoint_ops.get_endpoint_server(alice, T1, str(servers[0]["id"]))["hostname"]
    assert model.endpoint_ops.endpoint_autoactivate(alice, T1)["code"] == "AlreadyActivated"


def test_pause_rule_on_ls_refuses_listing_with_operation_paused(model, alice):
    model.pause_rules.endpoint_manager_create_pause_rule(
        TUTORIAL_ADMIN, {"endpoint_id": T1, "message": "upgrade", "pause_ls": True}
    )
    with pytest.raises(E.OperationPaused) as caught:
        model.file_ops.operation_ls(alice, T1)
    assert caught.value.status == 409 and "upgrade" in caught.value.message
    effective = model.task_queries.my_effective_pause_rule_list(alice, T1)["DATA"]
    assert [r["message"] for r in effective] == ["upgrade"]


def test_admin_pause_and_resume(model, alice):
    sid = model.task_ops.get_submission_id(alice)["value"]
    task_id = model.task_ops.submit_transfer(
        alice,
        {
            "submission_id": sid,
            "source_endpoint": T1,
            "destination_endpoint": T2,
            "DATA": [{"source_path": "/home/share/godata/file1.txt", "destination_path": "/~/f"}],
        },
    )["task_id"]
    model.admin_actions.endpoint_manager_pause_tasks(
        TUTORIAL_ADMIN, {"message": "hold on", "task_id_list": [task_id]}
    )
    model.state.advance(600)
    doc = model.task_queries.get_task(alice, task_id)
    assert (doc["status"], doc["is_paused"]) == ("ACTIVE", True)
    assert model.task_queries.task_pause_info(alice, task_id)["source_pause_message"] == "hold on"
    model.admin_actions.endpoint_manager_resume_tasks(TUTORIAL_ADMIN, {"task_id_list": [task_id]})
    assert model.wait_for_task(task_id)["status"] == "SUCCEEDED"


def test_task_history_is_deleted_after_thirty_days(model, alice):
    sid = model.task_ops.get_submission_id(alice)["value"]
    task_id = model.task_ops.submit_transfer(
        alice,
        {
            "submission_id": sid,
            "source_endpoint": T1,
            "destination_endpoint": T2,
            "DATA": [{"source_path": "/home/share/godata/file1.txt", "destination_path": "/~/f"}],
        },
    )["task_id"]
    model.wait_for_task(task_id)
    assert model.task_queries.task_event_list(alice, task_id)["total"] == 2
    model.state.advance(31 * 86_400)
    assert model.task_queries.get_task(alice, task_id)["history_deleted"] is True
    assert model.task_queries.task_event_list(alice, task_id)["total"] == 0
    assert model.task_queries.task_successful_transfers(alice, task_id)["DATA"] == []


def test_reset_restores_the_seeded_world(model, alice):
    model.file_ops.operation_mkdir(alice, T1, {"path": "/~/temp"})
    model.reset()
    assert model.file_ops.operation_ls(alice, T1)["DATA"] == []
    doc = model.endpoint_ops.get_endpoint(alice, T1)
    assert doc["display_name"] == "Globus Tutorial Collection 1"
