"""Every batch membership action through globus_sdk.GroupsManager / BatchMembershipActions
(in-process): what each does, who may take it, and its per-item and whole-request
errors."""

from __future__ import annotations

import globus_sdk
import pytest

from .conftest import ALICE, BOB, BOB_LINKED, CAROL, DAVE

MISSING = "6f1c7a2e-0000-4000-8000-00000000dead"


def _item_error(answer, action: str) -> tuple[str, str]:
    assert answer[action] == [], answer.data
    [error] = answer["errors"][action]
    return error["code"], error["identity_id"]


def _status(local, gid: str, username: str) -> str | None:
    doc = local.client().get_group(gid, include="memberships")
    found = [m for m in doc["memberships"] if m["username"] == username]
    return found[0]["status"] if found else None


@pytest.fixture
def gid(local) -> str:
    return local.group()


# ----------------------------------------------------------------- add / remove
def test_add_makes_an_active_member_with_the_recorded_shape(local, gid):
    answer = local.manager().add_member(gid, local.id(BOB))
    assert answer.data == {
        "add": [
            {
                "group_id": gid,
                "identity_id": local.id(BOB),
                "username": BOB,
                "role": "member",
                "status": "active",
            }
        ]
    }


def test_add_of_an_active_member_is_already_active(local, gid):
    local.manager().add_member(gid, local.id(BOB))
    answer = local.manager().add_member(gid, local.id(BOB))
    assert _item_error(answer, "add") == ("ALREADY_ACTIVE", local.id(BOB))
    assert answer["errors"]["add"][0]["detail"] == (
        "The identity is already an active member of the group."
    )


def test_add_of_an_unknown_identity_is_refused_per_item(local, gid):
    assert _item_error(local.manager().add_member(gid, MISSING), "add")[0] == ("IDENTITY_NOT_FOUND")


def test_remove_ends_a_membership_and_removing_a_stranger_is_no_membership(local, gid):
    manager = local.manager()
    manager.add_member(gid, local.id(BOB))
    removed = manager.remove_member(gid, local.id(BOB))
    assert removed["remove"][0]["status"] == "removed"
    again = manager.remove_member(gid, local.id(CAROL))
    assert _item_error(again, "remove") == ("NO_MEMBERSHIP", local.id(CAROL))
    assert again["errors"]["remove"][0]["detail"] == "Identity has no membership in group."


def test_nobody_removes_themselves(local, gid):
    answer = local.manager().remove_member(gid, local.id(ALICE))
    assert _item_error(answer, "remove")[0] == "CANNOT_REMOVE_SELF"


def test_a_removed_identity_can_be_added_back_but_one_that_left_cannot(local, gid):
    manager = local.manager()
    manager.add_member(gid, local.id(BOB))
    manager.remove_member(gid, local.id(BOB))
    assert manager.add_member(gid, local.id(BOB))["add"][0]["status"] == "active"
    local.manager(BOB).leave(gid, local.id(BOB))
    assert _item_error(manager.add_member(gid, local.id(BOB)), "add")[0] == "IDENTITY_LEFT"


# ----------------------------------------------------------------- invitations
def test_invite_then_accept(local, gid):
    invited = local.manager().invite_member(gid, local.id(BOB), role="member")
    assert invited["invite"][0]["status"] == "invited"
    assert local.manager(BOB).accept_invite(gid, local.id(BOB))["accept"][0]["status"] == "active"


def test_invite_then_decline(local, gid):
    local.manager().invite_member(gid, local.id(BOB))
    declined = local.manager(BOB).decline_invite(gid, local.id(BOB))
    assert declined["decline"][0]["status"] == "declined"
    assert _status(local, gid, BOB) == "declined"


def test_accept_without_an_invitation_and_for_someone_else_are_refused(local, gid):
    assert _item_error(local.manager(BOB).accept_invite(gid, local.id(BOB)), "accept")[0] == (
        "NO_MEMBERSHIP"
    )
    local.manager().invite_member(gid, local.id(CAROL))
    assert _item_error(local.manager(BOB).accept_invite(gid, local.id(CAROL)), "accept")[0] == (
        "NOT_ALLOWED"
    )


def test_inviting_an_invited_or_active_identity_is_refused(local, gid):
    manager = local.manager()
    manager.invite_member(gid, local.id(BOB))
    assert _item_error(manager.invite_member(gid, local.id(BOB)), "invite")[0] == (
        "ALREADY_INVITED"
    )
    assert _item_error(manager.invite_member(gid, local.id(ALICE)), "invite")[0] == (
        "ALREADY_ACTIVE"
    )


def test_a_linked_identity_accepts_for_its_account(local, gid):
    local.manager().invite_member(gid, local.id(BOB_LINKED))
    accepted = local.manager(BOB).accept_invite(gid, local.id(BOB_LINKED))
    assert accepted["accept"][0]["username"] == BOB_LINKED


# ----------------------------------------------------------------- join requests
def test_request_join_then_approve(local):
    gid = local.group(join_requests=True)
    requested = local.manager(BOB).request_join(gid, local.id(BOB))
    assert requested["request_join"][0]["status"] == "pending"
    assert local.manager().approve_pending(gid, local.id(BOB))["approve"][0]["status"] == "active"


def test_request_join_then_reject(local):
    gid = local.group(join_requests=True)
    local.manager(BOB).request_join(gid, local.id(BOB))
    assert local.manager().reject_join_request(gid, local.id(BOB))["reject"][0]["status"] == (
        "rejected"
    )


def test_request_join_needs_join_requests_and_approve_needs_a_pending_request(local, gid):
    answer = local.manager(BOB).request_join(gid, local.id(BOB))
    assert _item_error(answer, "request_join")[0] == "JOIN_REQUESTS_NOT_ALLOWED"
    local.manager().invite_member(gid, local.id(BOB))
    assert _item_error(local.manager().approve_pending(gid, local.id(BOB)), "approve")[0] == (
        "INVALID_STATUS"
    )


def test_join_works_only_for_open_groups(local, gid):
    answer = local.manager(BOB).join(gid, local.id(BOB))
    assert _item_error(answer, "join")[0] == "JOIN_NOT_ALLOWED"
    open_group = local.group("Open", group_visibility="authenticated")
    assert local.manager(BOB).join(open_group, local.id(BOB))["join"][0]["status"] == "active"
    assert _item_error(local.manager(BOB).join(open_group, local.id(BOB)), "join")[0] == (
        "ALREADY_ACTIVE"
    )


# ----------------------------------------------------------------- leave
def test_leave(local, gid):
    local.manager().add_member(gid, local.id(BOB))
    assert local.manager(BOB).leave(gid, local.id(BOB))["leave"][0]["status"] == "left"
    assert _item_error(local.manager(BOB).leave(gid, local.id(BOB)), "leave")[0] == (
        "INVALID_STATUS"
    )


def test_the_last_admin_cannot_leave_or_be_demoted_but_one_of_two_can(local, gid):
    alice = local.manager()
    assert _item_error(alice.leave(gid, local.id(ALICE)), "leave")[0] == "LAST_ADMIN"
    assert _item_error(alice.change_role(gid, local.id(ALICE), "member"), "change_role")[0] == (
        "LAST_ADMIN"
    )
    alice.add_member(gid, local.id(BOB), role="admin")
    assert alice.leave(gid, local.id(ALICE))["leave"][0]["status"] == "left"


# ----------------------------------------------------------------- roles
def test_managers_add_members_but_not_managers_or_admins(local, gid):
    local.manager().add_member(gid, local.id(BOB), role="manager")
    bob = local.manager(BOB)
    assert bob.add_member(gid, local.id(CAROL))["add"][0]["role"] == "member"
    answer = bob.add_member(gid, local.id(DAVE), role="admin")
    assert _item_error(answer, "add")[0] == "NOT_ALLOWED"


def test_managers_remove_members_and_managers_but_not_admins(local, gid):
    alice = local.manager()
    alice.add_member(gid, local.id(BOB), role="manager")
    alice.add_member(gid, local.id(CAROL), role="manager")
    alice.add_member(gid, local.id(DAVE))
    bob = local.manager(BOB)
    assert bob.remove_member(gid, local.id(DAVE))["remove"][0]["status"] == "removed"
    assert bob.remove_member(gid, local.id(CAROL))["remove"][0]["status"] == "removed"
    assert _item_error(bob.remove_member(gid, local.id(ALICE)), "remove")[0] == "NOT_ALLOWED"


@pytest.mark.parametrize(
    ("action", "call"),
    [
        ("add", lambda m, g, i: m.add_member(g, i)),
        ("invite", lambda m, g, i: m.invite_member(g, i)),
        ("approve", lambda m, g, i: m.approve_pending(g, i)),
        ("reject", lambda m, g, i: m.reject_join_request(g, i)),
        ("remove", lambda m, g, i: m.remove_member(g, i)),
        ("change_role", lambda m, g, i: m.change_role(g, i, "manager")),
    ],
)
def test_members_may_not_manage_memberships_at_all(local, gid, action, call):
    local.manager().add_member(gid, local.id(BOB))
    with pytest.raises(globus_sdk.GroupsAPIError) as caught:
        call(local.manager(BOB), gid, local.id(CAROL))
    assert (caught.value.http_status, caught.value.code) == (403, "FORBIDDEN")
    assert action.replace("_", " ") in caught.value.message


def test_only_admins_change_roles(local, gid):
    alice = local.manager()
    alice.add_member(gid, local.id(BOB), role="manager")
    alice.add_member(gid, local.id(CAROL))
    with pytest.raises(globus_sdk.GroupsAPIError) as caught:
        local.manager(BOB).change_role(gid, local.id(CAROL), "manager")
    assert caught.value.http_status == 403
    changed = alice.change_role(gid, local.id(CAROL), "manager")
    assert changed["change_role"][0] == {
        "group_id": gid,
        "identity_id": local.id(CAROL),
        "username": CAROL,
        "role": "manager",
        "status": "active",
    }


# ----------------------------------------------------------------- whole requests
def test_one_request_may_hold_several_actions_and_report_each(local, gid):
    actions = (
        globus_sdk.BatchMembershipActions()
        .add_members([local.id(BOB), MISSING])
        .invite_members([local.id(CAROL)])
    )
    answer = local.client().batch_membership_action(gid, actions)
    assert [m["username"] for m in answer["add"]] == [BOB]
    assert [m["status"] for m in answer["invite"]] == ["invited"]
    assert [e["identity_id"] for e in answer["errors"]["add"]] == [MISSING]
    assert "invite" not in answer["errors"]


def test_an_identity_in_two_actions_fails_the_whole_request(local, gid):
    actions = (
        globus_sdk.BatchMembershipActions()
        .add_members([local.id(BOB)])
        .invite_members([local.id(BOB)])
    )
    with pytest.raises(globus_sdk.GroupsAPIError) as caught:
        local.client().batch_membership_action(gid, actions)
    assert (caught.value.http_status, caught.value.code) == (400, "AMBIGUOUS_IDENTITIES")
    assert caught.value.raw_json["ambiguous_identities"] == [local.id(BOB)]
    assert _status(local, gid, BOB) is None


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"befriend": [{"identity_id": MISSING}]},
        {"add": {"identity_id": MISSING}},
        {"add": [{"identity_id": "not-a-uuid"}]},
        {"add": [{"role": "member"}]},
    ],
)
def test_malformed_batches_are_422(local, gid, body):
    with pytest.raises(globus_sdk.GroupsAPIError) as caught:
        local.client().batch_membership_action(gid, body)
    assert caught.value.http_status == 422
    assert caught.value.raw_json["detail"][0]["loc"][0] == "body"


def test_allowed_actions_name_the_callers_identities(local, gid):
    local.manager().invite_member(gid, local.id(BOB))
    allowed = local.client(BOB).get_group(gid, include="allowed_actions")["allowed_actions"]
    assert allowed["accept"] == allowed["decline"] == [local.id(BOB)]
    assert allowed["add"] == allowed["leave"] == []
    admin = local.client().get_group(gid, include="allowed_actions")["allowed_actions"]
    assert admin["add"] == admin["change_role"] == [local.id(ALICE)]


def test_groups_survive_a_snapshot_and_restore(local, gid):
    local.manager().add_member(gid, local.id(BOB))
    blob = local.double.snapshot()
    local.double.reset()
    assert gid not in local.double.groups.t.groups
    local.double.restore(blob)
    assert {m["username"] for m in local.client(BOB).get_my_groups()[0]["my_memberships"]} == {BOB}
    assert local.double.state.auth_for_transfer.group_ids_of(local.id(BOB)) == {gid}
