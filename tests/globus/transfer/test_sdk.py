"""The real globus_sdk.TransferClient against the double, in-process and live."""

from __future__ import annotations

import globus_sdk
import pytest

from mockglobus.transfer.seed import (
    DEMO_GUEST_ID,
    RESEARCH_COLLECTION_ID,
    TUTORIAL_ADMIN,
    TUTORIAL_COLLECTION_1,
    TUTORIAL_COLLECTION_2,
)

from .conftest import ALICE, BOB

T1, T2 = TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2


def run(served, task_id):
    return served.model.wait_for_task(task_id)


def test_directory_tree_transfer_then_ls_shows_the_same_files(served, tc):
    tdata = globus_sdk.TransferData(T1, T2, label="tree", verify_checksum=True)
    tdata.add_item("/home/share/godata/", "/~/godata/", recursive=True)
    result = tc.submit_transfer(tdata)
    assert result["code"] == "Accepted"
    assert run(served, result["task_id"])["status"] == "SUCCEEDED"
    src = {f["name"]: f["size"] for f in tc.operation_ls(T1, path="/home/share/godata/")}
    dst = {f["name"]: f["size"] for f in tc.operation_ls(T2, path="/~/godata/")}
    assert src == dst == {"file1.txt": 4, "file2.txt": 4, "file3.txt": 4}
    sums = {
        r["destination_path"]: r["checksum"]
        for r in tc.task_successful_transfers(result["task_id"])
    }
    assert sums["/~/godata/file1.txt"] == "0bee89b07a248e27c83fc3d5951213c1"


def test_submission_id_is_fetched_by_the_sdk_and_a_resubmission_is_a_duplicate(served, tc):
    tdata = globus_sdk.TransferData(T1, T2)
    tdata.add_item("/home/share/godata/file1.txt", "/~/f.txt")
    first = tc.submit_transfer(tdata)
    again = tc.submit_transfer(tdata)  # the dict kept its submission_id
    assert (first["code"], again["code"]) == ("Accepted", "Duplicate")
    assert first["task_id"] == again["task_id"]
    assert first["submission_id"] == tdata["submission_id"]


def test_errors_carry_the_real_envelope(served, tc):
    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        tc.operation_ls(T1, path="/~/missing/")
    err = caught.value
    assert (err.http_status, err.code) == (404, "ClientError.NotFound")
    assert len(err.request_id) == 9
    assert err.raw_json["resource"] == f"/v0.10/operation/endpoint/{T1}/ls"
    assert "No such file or directory" in err.message


def test_a_transfer_without_items_is_a_bad_request(served, tc):
    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        tc.submit_transfer(
            {
                "DATA_TYPE": "transfer",
                "submission_id": "x",
                "source_endpoint": T1,
                "destination_endpoint": T2,
                "DATA": [],
            }
        )
    assert (caught.value.http_status, caught.value.code, caught.value.message) == (
        400,
        "ClientError.BadRequest.NoTransferItems",
        "A transfer requires at least one item",
    )


def test_unknown_token_is_authentication_failed(served):
    client = globus_sdk.TransferClient(
        authorizer=globus_sdk.AccessTokenAuthorizer("forged"), base_url=served.base_url
    )
    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        client.task_list()
    assert (caught.value.http_status, caught.value.code) == (401, "AuthenticationFailed")


def test_data_access_collection_asks_for_consent_as_the_sdk_parses_it(served, tc):
    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        tc.operation_ls(RESEARCH_COLLECTION_ID)
    err = caught.value
    assert (err.http_status, err.code) == (403, "ConsentRequired")
    scope = f"https://auth.globus.org/scopes/{RESEARCH_COLLECTION_ID}/data_access"
    assert err.info.consent_required.required_scopes == [
        f"urn:globus:auth:scope:transfer.api.globus.org:all[*{scope}]"
    ]


def test_consented_token_reaches_the_data_access_collection(served):
    scope = f"https://auth.globus.org/scopes/{RESEARCH_COLLECTION_ID}/data_access"
    token = served.double.token_for(
        ALICE, scopes=f"urn:globus:auth:scope:transfer.api.globus.org:all[{scope}]"
    )
    client = globus_sdk.TransferClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(token), base_url=served.base_url
    )
    names = [
        f["name"] for f in client.operation_ls(RESEARCH_COLLECTION_ID, path="/projects/climate/")
    ]
    assert names == ["README.txt", "run-001", "run-002"]


def test_ls_with_list_filters_sends_repeated_params_that_are_ored(served, tc):
    tc.operation_mkdir(T1, "/~/sub")
    for name in ("a.txt", "b.csv"):
        served.model.t.collections[T1].volume.put_file(f"/home/alice/{name}", b"x", user="alice")
    res = tc.operation_ls(
        T1,
        path="/~/",
        filter=[{"type": "dir"}, {"name": "~*.txt"}],
        orderby=["type ASC", "name ASC"],
    )
    assert [f["name"] for f in res] == ["sub", "a.txt"]


def test_paginated_task_list_walks_every_page(served, tc):
    for i in range(3):
        tdata = globus_sdk.TransferData(T1, T2, label=f"job-{i}")
        tdata.add_item("/home/share/godata/file1.txt", f"/~/f{i}")
        tc.submit_transfer(tdata)
    labels = [t["label"] for t in tc.paginated.task_list(limit=2).items()]
    assert labels == ["job-2", "job-1", "job-0"]


def test_event_list_is_error_filter(served, tc):
    served.model.building.inject_fault(T2, "ENDPOINT_TOO_BUSY", times=1)
    tdata = globus_sdk.TransferData(T1, T2)
    tdata.add_item("/home/share/godata/file1.txt", "/~/f")
    task_id = tc.submit_transfer(tdata)["task_id"]
    run(served, task_id)
    errors = list(tc.task_event_list(task_id, query_params={"filter": "is_error:1"}))
    assert [e["code"] for e in errors] == ["ENDPOINT_TOO_BUSY"]
    others = [e["code"] for e in tc.task_event_list(task_id, query_params={"filter": "is_error:0"})]
    assert others == ["SUCCEEDED", "STARTED"]


def test_task_wait_returns_false_while_active_and_true_once_done(served, tc):
    tdata = globus_sdk.TransferData(T1, T2)
    tdata.add_item("/home/share/godata/file1.txt", "/~/f")
    task_id = tc.submit_transfer(tdata)["task_id"]
    assert tc.task_wait(task_id, timeout=1, polling_interval=1) is False
    served.double.advance(10)
    assert tc.task_wait(task_id, timeout=1, polling_interval=1) is True
    assert tc.get_task(task_id)["status"] == "SUCCEEDED"


def test_delete_data_removes_the_directory(served, tc):
    tc.operation_mkdir(T2, "/~/gone")
    ddata = globus_sdk.DeleteData(T2, recursive=True)
    ddata.add_item("/~/gone")
    result = tc.submit_delete(ddata)
    assert result["code"] == "Accepted"
    assert run(served, result["task_id"])["status"] == "SUCCEEDED"
    assert [f["name"] for f in tc.operation_ls(T2, path="/~/")] == []


def test_cancel_and_update_through_the_sdk(served, tc):
    tdata = globus_sdk.TransferData(T1, T2)
    tdata.add_item("/home/share/godata/file1.txt", "/~/f")
    task_id = tc.submit_transfer(tdata)["task_id"]
    assert tc.update_task(task_id, {"label": "new label"})["code"] == "Updated"
    assert tc.get_task(task_id)["label"] == "new label"
    reply = tc.cancel_task(task_id)
    assert (reply["code"], reply["message"]) == (
        "Canceled",
        "The task has been cancelled successfully.",
    )
    assert tc.get_task(task_id)["status"] == "FAILED"


def test_endpoint_search_scopes_and_paging(served, tc):
    hits = list(tc.endpoint_search("tutorial collection", limit=1))
    assert len(hits) == 1
    walked = [e["id"] for e in tc.paginated.endpoint_search("tutorial", limit=1).items()]
    assert T1 in walked and T2 in walked
    gcsv5 = tc.endpoint_search("tutorial", filter_entity_type="GCSv5_mapped_collection")
    assert {e["entity_type"] for e in gcsv5} == {"GCSv5_mapped_collection"}
    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        tc.endpoint_search(filter_scope="all")
    assert caught.value.http_status == 400


def test_bookmarks_round_trip(served, tc):
    mark = tc.create_bookmark({"endpoint_id": T1, "path": "/home/share/godata/", "name": "godata"})
    assert tc.get_bookmark(mark["id"])["name"] == "godata"
    assert tc.update_bookmark(mark["id"], {"name": "renamed"})["name"] == "renamed"
    assert [b["name"] for b in tc.bookmark_list()] == ["renamed"]
    assert tc.delete_bookmark(mark["id"])["message"] == (
        f"Bookmark '{mark['id']}' deleted successfully"
    )
    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        tc.get_bookmark(mark["id"])
    assert caught.value.http_status == 404


def test_roles_are_managed_by_administrators(served):
    # the seeded tutorial administrator becomes an Auth user so it can get a token
    served.double.auth.add_user(TUTORIAL_ADMIN.username, id=TUTORIAL_ADMIN.identity_id)
    client = served.client(TUTORIAL_ADMIN.username)
    bob_id = served.double.auth.identity(BOB).id
    role = client.add_endpoint_role(
        T1,
        {
            "DATA_TYPE": "role",
            "principal_type": "identity",
            "principal": bob_id,
            "role": "activity_monitor",
        },
    )
    assert [r["role"] for r in client.endpoint_role_list(T1) if r["principal"] == bob_id] == [
        "activity_monitor"
    ]
    bob = served.client(BOB)
    assert "activity_monitor" in bob.get_endpoint(T1)["my_effective_roles"]
    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        bob.add_endpoint_role(
            T1, {"principal_type": "identity", "principal": bob_id, "role": "administrator"}
        )
    assert (caught.value.http_status, caught.value.code) == (403, "PermissionDenied")
    assert client.delete_endpoint_role(T1, role["id"])["code"] == "Deleted"


def test_acl_rules_grant_access_to_a_guest_collection(served):
    bob = served.client(BOB)
    assert [f["name"] for f in bob.operation_ls(DEMO_GUEST_ID)] == ["notes.md", "results.csv"]
    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        bob.operation_mkdir(DEMO_GUEST_ID, "/x")
    assert caught.value.code == "ExternalError.MkdirFailed.PermissionDenied"


def test_sdk3_autoactivate_says_already_activated(served, tc):
    reply = tc.post(f"/v0.10/endpoint/{T1}/autoactivate")
    assert reply["code"] == "AlreadyActivated"
    assert tc.get(f"/v0.10/endpoint/{T1}/activation_requirements")["DATA"] == []


def test_unknown_route_names_the_closest_one(served, tc):
    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        tc.get("/v0.10/task_lists")
    assert caught.value.http_status == 404
    assert "/v0.10/task_list" in caught.value.message
