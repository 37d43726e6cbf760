"""globus-cli against the live double in client-identity mode: ``globus group ...``."""

from __future__ import annotations

import json

import pytest

from .conftest import BOB, add_people

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(globus_cli):
    add_people(globus_cli.double)
    return globus_cli


def test_group_create_list_member_add_and_show(cli):
    created = cli("group", "create", "CLI Lab", "--description", "made by the CLI")
    assert created.stdout.startswith("Group ") and "created successfully" in created.stdout
    gid = created.stdout.split()[1]
    listed = json.loads(cli("group", "list", "-Fjson").stdout)
    assert [(g["id"], g["my_memberships"][0]["role"]) for g in listed] == [(gid, "admin")]
    added = cli("group", "member", "add", gid, BOB, "-Fjson")
    assert json.loads(added.stdout)["add"][0]["username"] == BOB
    again = cli("group", "member", "add", gid, BOB, expect=1)
    assert "already an active member" in again.stderr
    members = json.loads(cli("group", "member", "list", gid, "-Fjson").stdout)
    assert sorted(m["role"] for m in members["memberships"]) == ["admin", "member"]
    shown = cli("group", "show", gid).stdout
    assert "CLI Lab" in shown and "made by the CLI" in shown
    cli("group", "set-policies", gid, "--visibility", "authenticated")
    assert cli.double.groups.t.groups[gid].policies.group_visibility == "authenticated"
    cli("group", "delete", gid)
    assert json.loads(cli("group", "list", "-Fjson").stdout) == []
