"""The real globus_sdk.GroupsClient and GroupsManager against the double, in-process
and live: groups, policies, visibility, preferences, fields, subscriptions, tokens."""

from __future__ import annotations

import globus_sdk
import pytest
import requests
from globus_sdk.testing import get_response_set

from mockglobus.auth.scopes import GROUPS_RS

from .conftest import ALICE, BOB, BOB_LINKED, CAROL

VIEW_SCOPE = "urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships"


def _refused(call, *args, **kwargs) -> globus_sdk.GroupsAPIError:
    with pytest.raises(globus_sdk.GroupsAPIError) as caught:
        call(*args, **kwargs)
    return caught.value


def _recorded(name: str, case: str = "default") -> dict:
    return get_response_set(f"groups.{name}").lookup(case).json


def test_created_group_has_every_recorded_field_and_its_creator_as_admin(served):
    created = served.manager().create_group("Beamline", "Users of the beamline")
    assert created.http_status == 201
    assert set(_recorded("create_group")) <= set(created.data)
    assert (created["name"], created["description"], created["group_type"]) == (
        "Beamline",
        "Users of the beamline",
        "regular",
    )
    assert created["my_memberships"] == [
        {
            "group_id": created["id"],
            "identity_id": served.id(ALICE),
            "username": ALICE,
            "role": "admin",
            "status": "active",
        }
    ]
    assert set(created["policies"]) == set(_recorded("set_group_policies"))
    assert created["policies"]["group_visibility"] == "private"


def test_get_group_includes_only_what_is_asked(served):
    gid = served.group()
    client = served.client()
    plain = client.get_group(gid)
    assert "memberships" not in plain.data and "my_memberships" not in plain.data
    full = client.get_group(gid, include=["memberships", "my_memberships", "child_ids"])
    assert [m["username"] for m in full["memberships"]] == [ALICE]
    assert full["memberships"][0]["membership_fields"] == {}
    assert full["child_ids"] == []
    err = _refused(client.get_group, gid, include="everything")
    assert err.http_status == 422


def test_unknown_group_is_404_in_the_groups_shape(served):
    err = _refused(served.client().get_group, "6f1c7a2e-0000-4000-8000-000000000000")
    assert (err.http_status, err.code) == (404, "NOT_FOUND")
    assert err.message == "Group 6f1c7a2e-0000-4000-8000-000000000000 not found."
    assert err.raw_json == {"code": "NOT_FOUND", "detail": err.message}


def test_only_admins_update_and_delete(served):
    gid = served.group()
    served.manager().add_member(gid, served.id(BOB), role="manager")
    bob = served.client(BOB)
    err = _refused(bob.update_group, gid, {"name": "Mine now"})
    assert (err.http_status, err.code) == (403, "FORBIDDEN")
    err = _refused(bob.delete_group, gid)
    assert (err.http_status, err.code) == (403, "FORBIDDEN")
    alice = served.client()
    updated = alice.update_group(gid, {"name": "Renamed", "terms_and_conditions": "Be kind"})
    assert (updated["name"], updated["terms_and_conditions"]) == ("Renamed", "Be kind")
    deleted = alice.delete_group(gid)
    assert deleted["id"] == gid and deleted["name"] == "Renamed"
    assert _refused(alice.get_group, gid).http_status == 404
    assert alice.get_my_groups().data == []


def test_subgroup_needs_an_admin_of_its_parent(served):
    parent = served.group("Parent")
    child = served.manager().create_group("Child", "sub", parent_id=parent)
    assert child["parent_id"] == parent
    assert served.client().get_group(parent, include="child_ids")["child_ids"] == [child["id"]]
    err = _refused(served.manager(BOB).create_group, "Intruder", "x", parent_id=parent)
    assert err.http_status == 403
    err = _refused(served.client().delete_group, parent)
    assert (err.http_status, err.code) == (409, "CONFLICT")


def test_my_groups_filters_by_status(served):
    active, invited, pending = (served.group(n) for n in ("Active", "Invited", "Pending"))
    alice = served.manager()
    bob_id = served.id(BOB)
    alice.add_member(active, bob_id)
    alice.invite_member(invited, bob_id)
    served.client().set_group_policies(pending, {"join_requests": True})
    assert served.manager(BOB).request_join(pending, bob_id)["request_join"][0]["status"] == (
        "pending"
    )
    bob = served.client(BOB)

    def names(**kw) -> list[str]:
        return sorted(g["name"] for g in bob.get_my_groups(**kw))

    assert names() == ["Active"]
    assert names(statuses="invited") == ["Invited"]
    assert names(statuses=["active", "pending"]) == ["Active", "Pending"]
    by_name = {g["name"]: g for g in bob.get_my_groups(statuses=["invited", "pending"])}
    assert [m["status"] for m in by_name["Invited"]["my_memberships"]] == ["invited"]
    assert _refused(bob.get_my_groups, statuses="bogus").http_status == 422


def test_memberships_of_any_linked_identity_count_for_the_account(served):
    gid = served.group()
    served.manager().add_member(gid, served.id(BOB_LINKED))
    mine = served.client(BOB).get_my_groups()  # a token of bob@example.edu
    assert [m["username"] for g in mine for m in g["my_memberships"]] == [BOB_LINKED]


def test_private_group_is_hidden_from_outsiders_and_authenticated_one_is_not(served):
    gid = served.group()
    carol = served.client(CAROL)
    err = _refused(carol.get_group, gid)
    assert (err.http_status, err.code) == (403, "FORBIDDEN")
    served.client().set_group_policies(gid, {"group_visibility": "authenticated"})
    seen = carol.get_group(gid, include="memberships")
    assert seen["name"] == "Lab" and seen["memberships"] == []


def test_members_see_the_member_list_only_when_policy_says_members(served):
    gid = served.group()
    served.manager().add_member(gid, served.id(BOB))
    bob = served.client(BOB)
    assert bob.get_group(gid, include="memberships")["memberships"] == []
    served.client().set_group_policies(gid, {"group_members_visibility": "members"})
    assert {m["username"] for m in bob.get_group(gid, include="memberships")["memberships"]} == {
        ALICE,
        BOB,
    }


def test_policies_round_trip_through_the_sdk_helper(served):
    gid = served.group()
    client = served.client()
    policies = globus_sdk.GroupPolicies(
        is_high_assurance=True,
        group_visibility=globus_sdk.GroupVisibility.authenticated,
        group_members_visibility=globus_sdk.GroupMemberVisibility.members,
        join_requests=True,
        signup_fields=[globus_sdk.GroupRequiredSignupFields.address1],
        authentication_assurance_timeout=1800,
    )
    answer = client.set_group_policies(gid, policies)
    assert answer.data == {
        "is_high_assurance": True,
        "authentication_assurance_timeout": 1800,
        "group_visibility": "authenticated",
        "group_members_visibility": "members",
        "join_requests": True,
        "signup_fields": ["address1"],
    }
    assert client.get_group_policies(gid).data == answer.data
    group = client.get_group(gid)
    assert (group["enforce_session"], group["session_limit"]) == (True, 1800)
    err = _refused(client.set_group_policies, gid, {"group_visibility": "everyone"})
    assert err.http_status == 422
    assert err.raw_json["detail"][0]["loc"] == ["body", "group_visibility"]
    served.manager().add_member(gid, served.id(BOB), role="manager")
    err = _refused(served.client(BOB).set_group_policies, gid, {"join_requests": False})
    assert (err.http_status, err.code) == (403, "FORBIDDEN")


def test_identity_preference_allow_add_false_turns_add_away_but_not_invite(served):
    bob = served.client(BOB)
    bob_id = served.id(BOB)
    bob.set_identity_preferences({"allow_add": False})
    assert bob.get_identity_preferences()[bob_id] == {"allow_add": False}
    gid = served.group()
    refused = served.manager().add_member(gid, bob_id)
    assert refused["add"] == []
    assert refused["errors"]["add"][0]["code"] == "ADD_NOT_ALLOWED"
    assert served.manager().invite_member(gid, bob_id)["invite"][0]["status"] == "invited"


def test_membership_fields_are_the_members_own_and_admins_see_them(served):
    gid = served.group()
    bob_id = served.id(BOB)
    served.manager().add_member(gid, bob_id)
    bob = served.client(BOB)
    fields = {"institution": "Example U", "department": "Physics"}
    assert bob.set_membership_fields(gid, {bob_id: fields})[bob_id] == fields
    assert bob.get_membership_fields(gid).data == {bob_id: fields}
    members = served.client().get_group(gid, include="memberships")["memberships"]
    assert [m["membership_fields"] for m in members if m["identity_id"] == bob_id] == [fields]
    err = _refused(bob.set_membership_fields, gid, {bob_id: {"shoe_size": "42"}})
    assert err.http_status == 422


def test_subscription_group_reads_as_recorded(served):
    gid = served.group("Subscribers")
    sub = served.double.groups.add_subscription(
        gid, name="Golems R Us", subscriber_name="Golem Lab", is_high_assurance=True
    )
    client = served.client()
    group = client.get_group(gid)
    recorded = _recorded("get_group", "subscription")
    # the SDK's fixture reuses one document with my_memberships; the API adds them
    # only for include=my_memberships (Groups OpenAPI)
    assert set(recorded) - {"my_memberships"} <= set(group.data)
    assert (group["group_type"], group["enforce_session"], group["session_limit"]) == (
        "plus",
        True,
        1800,
    )
    assert set(group["subscription_info"]) == set(recorded["subscription_info"])
    by_sub = client.get_group_by_subscription_id(sub.id)
    assert set(by_sub.data) == set(_recorded("get_group_by_subscription_id"))
    assert by_sub["group_id"] == gid
    assert set(by_sub["subscription_info"]) == {"is_high_assurance", "is_baa", "connectors"}
    missing = _refused(client.get_group_by_subscription_id, "6f1c7a2e-0000-4000-8000-00000000000f")
    assert (missing.http_status, missing.code) == (404, "NOT_FOUND")
    other = served.group("Verified")
    verified = client.set_subscription_admin_verified(other, sub.id)
    assert verified.data == {"group_id": other, "subscription_admin_verified_id": sub.id}
    # bob administers a group of his own but not the subscription's group
    bobs = served.manager(BOB).create_group("Bob's", "x")["id"]
    err = _refused(served.client(BOB).set_subscription_admin_verified, bobs, sub.id)
    assert (err.http_status, err.code) == (403, "FORBIDDEN")


def test_transfer_token_is_refused_by_groups_and_groups_token_by_transfer(served):
    transfer_token = served.double.token_for(ALICE)  # resource server transfer.api...
    groups = globus_sdk.GroupsClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(transfer_token), base_url=served.base_url
    )
    err = _refused(groups.get_my_groups)
    assert (err.http_status, err.code) == (401, "UNAUTHORIZED")
    assert err.message == "Token is not valid for resource server groups.api.globus.org"
    groups_token = served.double.token_for(ALICE, resource_server=GROUPS_RS)
    transfer = globus_sdk.TransferClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(groups_token), base_url=served.base_url
    )
    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        transfer.get_submission_id()
    assert (caught.value.http_status, caught.value.code) == (401, "AuthenticationFailed")
    assert "transfer.api.globus.org" in caught.value.message


def test_missing_and_revoked_tokens_are_401(served):
    base = served.base_url or "https://groups.api.globus.org/"
    reply = requests.get(base + "v2/groups/my_groups", timeout=10)
    assert reply.status_code == 401
    assert reply.json()["code"] == "UNAUTHORIZED"
    token = served.double.token_for(ALICE, resource_server=GROUPS_RS)
    served.double.auth.revoke(token)
    client = globus_sdk.GroupsClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(token), base_url=served.base_url
    )
    assert _refused(client.get_my_groups).http_status == 401


def test_view_scope_reads_but_does_not_write(served):
    gid = served.group()
    viewer = served.client(ALICE, scopes=VIEW_SCOPE)
    assert [g["id"] for g in viewer.get_my_groups()] == [gid]
    err = _refused(viewer.update_group, gid, {"name": "x"})
    assert (err.http_status, err.code) == (403, "FORBIDDEN")
    assert err.raw_json["provided_scopes"] == [VIEW_SCOPE]


def test_unknown_groups_route_and_method_answer_in_the_groups_shape(served):
    base = served.base_url or "https://groups.api.globus.org/"
    token = served.double.token_for(ALICE, resource_server=GROUPS_RS)
    headers = {"Authorization": f"Bearer {token}"}
    missing = requests.get(base + "v2/groups/x/nothing", headers=headers, timeout=10)
    assert missing.status_code == 404
    assert missing.json()["code"] == "NOT_FOUND"
    assert "closest route" in missing.json()["detail"]
    wrong = requests.patch(base + "v2/groups/my_groups", headers=headers, timeout=10)
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "METHOD_NOT_ALLOWED"
