"""What Transfer asks of Auth (``mockglobus.transfer.identity.TransferAuth``), answered
by the conftest's :class:`StubAuth` on the model (no Auth model, no HTTP)."""

from __future__ import annotations

import pytest

from mockglobus.transfer import errors as E
from mockglobus.transfer.seed import (
    DEMO_GCP_ID,
    DEMO_USER,
    RESEARCH_COLLECTION_ID,
    TUTORIAL_ADMIN,
    TUTORIAL_COLLECTION_2,
)

DATA_ACCESS = f"https://auth.globus.org/scopes/{RESEARCH_COLLECTION_ID}/data_access"
GROUP = "6f1c3a3e-0000-4000-8000-00000000a001"
STRANGER = "6f1c3a3e-0000-4000-8000-0000000000ff"


def test_a_data_access_collection_opens_once_auth_says_the_user_consented(model, auth, alice):
    with pytest.raises(E.ConsentRequired):
        model.file_ops.operation_ls(alice, RESEARCH_COLLECTION_ID, path="/")
    auth.consents.add((alice.identity_id, DATA_ACCESS))
    names = [
        f["name"]
        for f in model.file_ops.operation_ls(
            alice, RESEARCH_COLLECTION_ID, path="/projects/climate/"
        )["DATA"]
    ]
    assert "README.txt" in names


def test_a_role_granted_to_a_group_reaches_the_members_auth_names(model, auth, alice):
    model.roles_acls.add_endpoint_role(
        DEMO_USER,
        DEMO_GCP_ID,
        {"principal_type": "group", "principal": GROUP, "role": "activity_monitor"},
    )
    assert model.endpoint_ops.get_endpoint(alice, DEMO_GCP_ID)["my_effective_roles"] == []
    auth.groups[alice.identity_id] = frozenset({GROUP})
    doc = model.endpoint_ops.get_endpoint(alice, DEMO_GCP_ID)
    assert doc["my_effective_roles"] == ["activity_monitor"]


def test_endpoint_manager_task_list_refuses_an_owner_auth_does_not_know(model, alice):
    query = {"filter_endpoint": TUTORIAL_COLLECTION_2}
    assert (
        model.endpoint_manager.endpoint_manager_task_list(
            TUTORIAL_ADMIN, {**query, "filter_owner_id": alice.identity_id}
        )["DATA"]
        == []
    )
    with pytest.raises(E.UserNotFound) as caught:
        model.endpoint_manager.endpoint_manager_task_list(
            TUTORIAL_ADMIN, {**query, "filter_owner_id": STRANGER}
        )
    assert caught.value.message == f"No such user '{STRANGER}'"
