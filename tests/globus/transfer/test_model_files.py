"""Collections and synchronous file operations, on the model (no HTTP)."""

from __future__ import annotations

import pytest

from mockglobus.transfer import errors as E
from mockglobus.transfer.seed import (
    DEMO_GUEST_ID,
    DEMO_USER,
    RESEARCH_COLLECTION_ID,
    TUTORIAL_COLLECTION_1,
    TUTORIAL_ENDPOINT_ID,
)

T1 = TUTORIAL_COLLECTION_1


def test_seeded_tutorial_collection_holds_three_small_files(model, alice):
    listing = model.file_ops.operation_ls(alice, T1, path="/home/share/godata/")
    assert [(f["name"], f["size"], f["type"]) for f in listing["DATA"]] == [
        ("file1.txt", 4, "file"),
        ("file2.txt", 4, "file"),
        ("file3.txt", 4, "file"),
    ]
    assert listing["path"] == "/home/share/godata/"
    assert (listing["length"], listing["total"]) == (3, 3)


def test_ls_without_path_lists_the_default_directory_which_is_home(model, alice):
    listing = model.file_ops.operation_ls(alice, T1)
    assert listing["path"] == "/~/"
    assert listing["absolute_path"] == "/home/alice/"


def test_every_identity_gets_its_own_home(model, alice, bob):
    model.file_ops.operation_mkdir(alice, T1, {"path": "/~/mine"})
    listing = model.file_ops.operation_ls(alice, T1, path="/~/")
    assert [f["name"] for f in listing["DATA"]] == ["mine"]
    assert model.file_ops.operation_ls(bob, T1, path="/~/")["DATA"] == []


def test_another_users_home_is_private(model, alice, bob):
    model.file_ops.operation_ls(bob, T1)  # creates /home/bob (0700)
    with pytest.raises(E.DirListingPermissionDenied):
        model.file_ops.operation_ls(alice, T1, path="/home/bob/")


def test_mkdir_where_the_path_exists_is_refused_with_exists(model, alice):
    model.file_ops.operation_mkdir(alice, T1, {"path": "/~/d"})
    with pytest.raises(E.MkdirExists) as caught:
        model.file_ops.operation_mkdir(alice, T1, {"path": "/~/d/"})
    assert caught.value.status == 502
    assert "File exists" in caught.value.message


def test_mkdir_in_a_read_only_directory_is_permission_denied(model, alice):
    with pytest.raises(E.MkdirPermissionDenied) as caught:
        model.file_ops.operation_mkdir(alice, T1, {"path": "/home/share/godata/new"})
    assert caught.value.code == "ExternalError.MkdirFailed.PermissionDenied"


def test_ls_of_a_missing_directory_is_client_error_not_found(model, alice):
    with pytest.raises(E.NotFound) as caught:
        model.file_ops.operation_ls(alice, T1, path="/~/nothing/")
    assert (caught.value.status, caught.value.code) == (404, "ClientError.NotFound")
    assert "No such file or directory" in caught.value.message


def test_ls_of_a_file_is_not_directory(model, alice):
    with pytest.raises(E.DirListingNotDirectory):
        model.file_ops.operation_ls(alice, T1, path="/home/share/godata/file1.txt")


def test_stat_of_a_missing_path_is_bare_not_found(model, alice):
    with pytest.raises(E.PathNotFound) as caught:
        model.file_ops.operation_stat(alice, T1, "/~/foo")
    assert caught.value.code == "NotFound"


def test_stat_describes_the_path_itself(model, alice):
    doc = model.file_ops.operation_stat(alice, T1, "/home/share/godata/file1.txt")
    assert (doc["name"], doc["size"], doc["permissions"], doc["user"]) == (
        "file1.txt",
        4,
        "0644",
        "tutorial",
    )


def test_rename_moves_and_reports_missing_sources_as_endpoint_error(model, alice):
    model.file_ops.operation_mkdir(alice, T1, {"path": "/~/a"})
    model.file_ops.operation_rename(alice, T1, {"old_path": "/~/a", "new_path": "/~/b"})
    names = [f["name"] for f in model.file_ops.operation_ls(alice, T1)["DATA"]]
    assert names == ["b"]
    with pytest.raises(E.EndpointError) as caught:
        model.file_ops.operation_rename(alice, T1, {"old_path": "/~/a", "new_path": "/~/c"})
    assert "No such file or directory" in caught.value.message


def test_rename_onto_an_existing_path_is_refused(model, alice):
    model.file_ops.operation_mkdir(alice, T1, {"path": "/~/a"})
    model.file_ops.operation_mkdir(alice, T1, {"path": "/~/b"})
    with pytest.raises(E.EndpointError) as caught:
        model.file_ops.operation_rename(alice, T1, {"old_path": "/~/a", "new_path": "/~/b"})
    assert "File exists" in caught.value.message


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["name:~*2.txt"], ["file2.txt"]),
        (["name:!file1.txt"], ["file2.txt", "file3.txt"]),
        (["name:!~file[12]*"], ["file3.txt"]),
        (["name:=file3.txt"], ["file3.txt"]),
        (["name:file3.txt"], ["file3.txt"]),
        (["type:dir"], []),
        (["type:dir", "name:~*1.txt"], ["file1.txt"]),  # repeated filters are OR-ed
        (["type:file/name:~*3*"], ["file3.txt"]),  # clauses in one filter are AND-ed
    ],
)
def test_ls_filters(model, alice, filters, expected):
    listing = model.file_ops.operation_ls(alice, T1, path="/home/share/godata/", filters=filters)
    assert [f["name"] for f in listing["DATA"]] == expected


def test_ls_orderby_limit_offset_and_hidden_files(model, alice):
    for name in ("b", "a", ".hidden"):
        model.file_ops.operation_mkdir(alice, T1, {"path": f"/~/{name}"})
    listing = model.file_ops.operation_ls(
        alice, T1, path="/~/", orderby="name DESC", limit="2", offset="0", show_hidden="0"
    )
    assert [f["name"] for f in listing["DATA"]] == ["b", "a"]
    assert listing["total"] == 2
    everything = model.file_ops.operation_ls(alice, T1, path="/~/", orderby="name ASC", offset="1")
    assert [f["name"] for f in everything["DATA"]] == ["a", "b"]


def test_bad_orderby_and_filter_fields_are_bad_requests(model, alice):
    with pytest.raises(E.BadRequest):
        model.file_ops.operation_ls(alice, T1, orderby="colour ASC")
    with pytest.raises(E.BadRequest):
        model.file_ops.operation_ls(alice, T1, filters=["colour:red"])


def test_guest_collection_is_confined_to_its_host_path(model, alice):
    listing = model.file_ops.operation_ls(alice, DEMO_GUEST_ID, path="/../../")
    assert listing["absolute_path"] == "/"
    assert sorted(f["name"] for f in listing["DATA"]) == ["notes.md", "results.csv"]


def test_guest_collection_read_only_acl_refuses_writes(model, alice):
    with pytest.raises(E.MkdirPermissionDenied):
        model.file_ops.operation_mkdir(alice, DEMO_GUEST_ID, {"path": "/new"})


def test_guest_owner_may_write_and_manage_acl_rules(model, alice):
    model.file_ops.operation_mkdir(DEMO_USER, DEMO_GUEST_ID, {"path": "/incoming"})
    rule = model.roles_acls.add_endpoint_acl_rule(
        DEMO_USER,
        DEMO_GUEST_ID,
        {
            "DATA_TYPE": "access",
            "principal_type": "identity",
            "principal": alice.identity_id,
            "path": "/incoming/",
            "permissions": "rw",
        },
    )
    assert rule["code"] == "Created"
    model.file_ops.operation_mkdir(alice, DEMO_GUEST_ID, {"path": "/incoming/from-alice"})
    with pytest.raises(E.AclExists):
        model.roles_acls.add_endpoint_acl_rule(
            DEMO_USER,
            DEMO_GUEST_ID,
            {
                "principal_type": "identity",
                "principal": alice.identity_id,
                "path": "/incoming/",
                "permissions": "r",
            },
        )
    with pytest.raises(E.PermissionDenied):
        model.roles_acls.endpoint_acl_list(alice, DEMO_GUEST_ID)


def test_gcs_endpoint_is_not_a_collection(model, alice):
    with pytest.raises(E.NotSupported):
        model.file_ops.operation_ls(alice, TUTORIAL_ENDPOINT_ID)


def test_unknown_endpoint_is_endpoint_not_found(model, alice):
    with pytest.raises(E.EndpointNotFound) as caught:
        model.endpoint_ops.get_endpoint(alice, "00000000-0000-0000-0000-000000000000")
    assert caught.value.message == "No such endpoint '00000000-0000-0000-0000-000000000000'"


def test_consent_is_required_for_a_data_access_collection(model, alice):
    with pytest.raises(E.ConsentRequired) as caught:
        model.file_ops.operation_ls(alice, RESEARCH_COLLECTION_ID)
    (scope,) = caught.value.extra["required_scopes"]
    assert scope.endswith(f"[*https://auth.globus.org/scopes/{RESEARCH_COLLECTION_ID}/data_access]")


def test_gcsv5_documents_cannot_be_updated_through_transfer(model, alice):
    with pytest.raises(E.PermissionDenied):
        model.endpoint_ops.update_endpoint(alice, T1, {"display_name": "x"})


def test_gcp_owner_updates_its_collection_and_read_only_fields_are_ignored(model):
    from mockglobus.transfer.seed import DEMO_GCP_ID

    model.endpoint_ops.update_endpoint(
        DEMO_USER, DEMO_GCP_ID, {"display_name": "Renamed", "id": "x", "entity_type": "nope"}
    )
    doc = model.endpoint_ops.get_endpoint(DEMO_USER, DEMO_GCP_ID)
    assert (doc["display_name"], doc["id"], doc["entity_type"]) == (
        "Renamed",
        DEMO_GCP_ID,
        "GCP_mapped_collection",
    )
