"""Every response globus_sdk.testing recorded from the real Transfer service has a
counterpart from the double with the same keys and value types (and, for errors, the
same status and code). The recordings are read from the installed SDK, not copied."""

from __future__ import annotations

from typing import Any

import globus_sdk
import pytest
from globus_sdk.testing import get_response_set

from mockglobus.transfer.seed import TUTORIAL_ADMIN, TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2

T1, T2 = TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2

# Recorded values that are legacy (GCSv4) data or opaque markers the double leaves null.
MAY_BE_NULL = {"expire_time", "subject", "next_marker", "destination_local_user"}


def assert_same_shape(recorded: Any, fake: Any, where: str = "$") -> None:
    if recorded is None:
        return
    if fake is None and where.rsplit(".", 1)[-1] in MAY_BE_NULL:
        return
    if isinstance(recorded, dict):
        assert isinstance(fake, dict), f"{where}: expected an object, got {fake!r}"
        missing = sorted(set(recorded) - set(fake))
        assert not missing, f"{where}: the double lacks {missing}"
        for key, value in recorded.items():
            assert_same_shape(value, fake[key], f"{where}.{key}")
    elif isinstance(recorded, list):
        assert isinstance(fake, list), f"{where}: expected a list, got {fake!r}"
        if recorded and fake:
            assert_same_shape(recorded[0], fake[0], f"{where}[0]")
    elif isinstance(recorded, bool):
        assert isinstance(fake, bool), f"{where}: expected a bool, got {fake!r}"
    elif isinstance(recorded, int):
        assert isinstance(fake, int) and not isinstance(fake, bool), f"{where}: {fake!r}"
    else:
        assert isinstance(fake, type(recorded)), f"{where}: expected {type(recorded)}, {fake!r}"


def recorded(name: str, case: str = "default"):
    return get_response_set(f"transfer.{name}").lookup(case)


def finished_transfer(served, tc) -> str:
    tdata = globus_sdk.TransferData(T1, T2, verify_checksum=True)
    tdata.add_item("/home/share/godata/file1.txt", "/~/f.txt")
    task_id = tc.submit_transfer(tdata)["task_id"]
    served.model.wait_for_task(task_id)
    return task_id


def own_gcp(tc) -> str:
    return tc.post(
        "/v0.10/endpoint",
        data={"DATA_TYPE": "endpoint", "display_name": "Mine", "is_globus_connect": True},
    )["id"]


def error_of(call) -> globus_sdk.TransferAPIError:
    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        call()
    return caught.value


def check_error(rec, err: globus_sdk.TransferAPIError) -> None:
    assert (err.http_status, err.code) == (rec.status, rec.json["code"])
    assert_same_shape(rec.json, err.raw_json)


def test_submit_transfer_and_task_list_and_cancel(served, tc):
    tdata = globus_sdk.TransferData(T1, T2)
    tdata.add_item("/home/share/godata/file1.txt", "/~/f.txt")
    result = tc.submit_transfer(tdata)
    assert_same_shape(recorded("submit_transfer").json, result.data)
    assert_same_shape(recorded("cancel_task").json, tc.cancel_task(result["task_id"]).data)
    finished_transfer(served, tc)
    assert_same_shape(recorded("task_list").json, tc.task_list().data)
    rec = recorded("submit_transfer", "failure")
    check_error(
        rec,
        error_of(
            lambda: tc.submit_transfer(
                {
                    "DATA_TYPE": "transfer",
                    "submission_id": "s",
                    "source_endpoint": T1,
                    "destination_endpoint": T2,
                    "DATA": [],
                }
            )
        ),
    )


def test_submit_delete_and_submission_id(served, tc):
    assert_same_shape(recorded("get_submission_id").json, tc.get_submission_id().data)
    tc.operation_mkdir(T1, "/~/d")
    ddata = globus_sdk.DeleteData(T1, recursive=True)
    ddata.add_item("/~/d")
    assert_same_shape(recorded("submit_delete").json, tc.submit_delete(ddata).data)


def test_file_operations(served, tc):
    assert_same_shape(recorded("operation_mkdir").json, tc.operation_mkdir(T1, "/~/a").data)
    assert_same_shape(
        recorded("operation_rename").json, tc.operation_rename(T1, "/~/a", "/~/b").data
    )
    assert_same_shape(
        recorded("operation_stat").json, tc.operation_stat(T1, "/home/share/godata/file1.txt").data
    )
    check_error(
        recorded("operation_stat", "not_found"), error_of(lambda: tc.operation_stat(T1, "/~/foo"))
    )


def test_endpoint_documents_and_updates(served, tc):
    assert_same_shape(recorded("get_endpoint").json, tc.get_endpoint(T1).data)
    mine = own_gcp(tc)
    assert_same_shape(
        recorded("update_endpoint").json, tc.update_endpoint(mine, {"description": "laptop"}).data
    )
    check_error(
        recorded("set_subscription_admin_verified", "non_subscribed_endpoint"),
        error_of(lambda: tc.set_subscription_admin_verified(mine, True)),
    )
    assert_same_shape(
        recorded("set_subscription_id").json, tc.set_subscription_id(mine, "DEFAULT").data
    )
    assert_same_shape(
        recorded("set_subscription_admin_verified").json,
        tc.set_subscription_admin_verified(mine, True).data,
    )
    check_error(
        recorded("set_subscription_id", "not_found"),
        error_of(lambda: tc.set_subscription_id("00000000-0000-0000-0000-00000000dead", None)),
    )
    other = served.client("bob@example.edu")
    check_error(
        recorded("set_subscription_admin_verified", "no_admin_role"),
        error_of(lambda: other.set_subscription_admin_verified(mine, False)),
    )
    bad = error_of(
        lambda: tc.put(
            f"/v0.10/endpoint/{mine}/subscription_admin_verified",
            data='{"subscription_admin_verified": }',
            headers={"Content-Type": "application/json"},
        )
    )
    check_error(recorded("set_subscription_admin_verified", "non_valid_verified_status"), bad)


def test_endpoint_manager_task_list_and_successful_transfers(served, tc):
    finished_transfer(served, tc)
    served.double.auth.add_user(TUTORIAL_ADMIN.username, id=TUTORIAL_ADMIN.identity_id)
    admin = served.client(TUTORIAL_ADMIN.username)
    listed = admin.endpoint_manager_task_list(filter_endpoint=T2)
    assert_same_shape(recorded("endpoint_manager_task_list").json, listed.data)
    task_id = listed["DATA"][0]["task_id"]
    assert_same_shape(
        recorded("endpoint_manager_task_successful_transfers").json,
        admin.endpoint_manager_task_successful_transfers(task_id).data,
    )


def test_default_subscription_is_refused_to_a_user_of_several(served, tc):
    rec = recorded("set_subscription_id", "multi_subscriber_cannot_use_default")
    alice = served.double.state.auth.identity("alice@globusid.org").id
    served.model.building.add_subscription("00000000-0000-0000-0000-00000000000a", managers=[alice])
    collection = own_gcp(tc)
    err = error_of(
        lambda: tc.put(
            f"/v0.10/endpoint/{collection}/subscription", data={"subscription_id": "DEFAULT"}
        )
    )
    check_error(rec, err)
    assert err.message.startswith(
        "Please specify the subscription ID to use. You currently have access to: "
    )
    assert "00000000-0000-0000-0000-00000000000a" in err.message


def test_high_assurance_subscription_needs_a_manager_in_session(served, tc):
    rec = recorded("set_subscription_admin_verified", "no_identities_in_session")
    subscription = "00000000-0000-0000-0000-00000000000b"
    served.model.building.add_subscription(
        subscription, managers=["not-alice"], high_assurance=True
    )
    collection = own_gcp(tc)
    tc.put(f"/v0.10/endpoint/{collection}/subscription", data={"subscription_id": subscription})
    err = error_of(
        lambda: tc.put(
            f"/v0.10/endpoint/{collection}/subscription_admin_verified",
            data={"subscription_admin_verified": True},
        )
    )
    check_error(rec, err)
    assert err.message == (
        f"No manager or admin identities in session for high-assurance subscription {subscription}"
    )
