"""Group principals in Transfer: an access rule (or a role) naming a group grants it to
the group's active members, as Groups says at each request."""

from __future__ import annotations

import globus_sdk
import pytest

from mockglobus.transfer import Caller
from mockglobus.transfer.seed import DEMO_GCP_ID, DEMO_USER

from .conftest import ALICE, BOB, BOB_LINKED, CAROL


def _transfer(served, username: str) -> globus_sdk.TransferClient:
    client = globus_sdk.TransferClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(served.double.token_for(username)),
        base_url=served.base_url,
    )
    client.retry_config.max_retries = 0
    return client


def _shared(served) -> str:
    """A guest collection of alice's, sharing the demo laptop's ``shared/`` folder."""
    transfer = served.double.transfer
    host = transfer.t.collections[DEMO_GCP_ID]
    guest = transfer.building.add_guest_collection(
        "Alice's lab share",
        host=host,
        owner=Caller(served.id(ALICE), ALICE),
        host_path=f"/Users/{DEMO_USER.local_name()}/shared/",
    )
    return guest.id


def _ls(client: globus_sdk.TransferClient, collection: str) -> list[str] | int:
    """The names at the share's root, or the status of the refusal (which must be the
    refusal of a caller without access)."""
    try:
        return sorted(e["name"] for e in client.operation_ls(collection, path="/"))
    except globus_sdk.TransferAPIError as err:
        assert err.code == "EndpointPermissionDenied", (err.code, err.message)
        assert "You do not have access to this guest collection" in err.message
        return err.http_status


def test_group_acl_follows_membership_at_each_request(served):
    gid = served.group("Readers")
    share = _shared(served)
    rule = _transfer(served, ALICE).add_endpoint_acl_rule(
        share,
        {
            "DATA_TYPE": "access",
            "principal_type": "group",
            "principal": gid,
            "path": "/",
            "permissions": "r",
        },
    )
    assert rule["code"] == "Created"
    bob = _transfer(served, BOB)
    assert _ls(bob, share) == 403
    served.manager().add_member(gid, served.id(BOB))
    assert _ls(bob, share) == ["notes.md", "results.csv"]  # same token, next request
    served.manager().remove_member(gid, served.id(BOB))
    assert _ls(bob, share) == 403


def test_only_active_memberships_grant_access(served):
    gid = served.group("Readers")
    share = _shared(served)
    _transfer(served, ALICE).add_endpoint_acl_rule(
        share, {"principal_type": "group", "principal": gid, "path": "/", "permissions": "r"}
    )
    carol = _transfer(served, CAROL)
    served.manager().invite_member(gid, served.id(CAROL))
    assert _ls(carol, share) == 403
    served.manager(CAROL).accept_invite(gid, served.id(CAROL))
    assert _ls(carol, share) == ["notes.md", "results.csv"]
    served.manager(CAROL).leave(gid, served.id(CAROL))
    assert _ls(carol, share) == 403


def test_membership_of_a_linked_identity_grants_access_to_the_account(served):
    gid = served.group("Readers")
    share = _shared(served)
    _transfer(served, ALICE).add_endpoint_acl_rule(
        share, {"principal_type": "group", "principal": gid, "path": "/", "permissions": "r"}
    )
    served.manager().add_member(gid, served.id(BOB_LINKED))
    assert _ls(_transfer(served, BOB), share) == ["notes.md", "results.csv"]


def test_deleting_the_group_revokes_what_it_granted(served):
    gid = served.group("Readers")
    share = _shared(served)
    _transfer(served, ALICE).add_endpoint_acl_rule(
        share, {"principal_type": "group", "principal": gid, "path": "/", "permissions": "r"}
    )
    served.manager().add_member(gid, served.id(BOB))
    bob = _transfer(served, BOB)
    assert _ls(bob, share) == ["notes.md", "results.csv"]
    served.client().delete_group(gid)
    assert _ls(bob, share) == 403


@pytest.mark.parametrize("served", ["inprocess"], indirect=True)
def test_group_role_on_a_collection_follows_membership(served):
    gid = served.group("Monitors")
    share = _shared(served)
    alice = _transfer(served, ALICE)
    alice.add_endpoint_role(
        share, {"principal_type": "group", "principal": gid, "role": "access_manager"}
    )
    bob = _transfer(served, BOB)
    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        bob.endpoint_acl_list(share)
    assert caught.value.http_status == 403
    served.manager().add_member(gid, served.id(BOB))
    assert bob.endpoint_acl_list(share)["DATA_TYPE"] == "access_list"
