"""The double as a library: mock_globus, scenarios, seeding, server-side errors."""

from __future__ import annotations

import globus_sdk
import pytest
import requests
import responses

from mockglobus import GlobusDouble, mock_globus
from tests.globus.auth.conftest import ALICE, PORTAL, PORTAL_SECRET, TRANSFER_SCOPE


@mock_globus()
def test_decorator_serves_unmodified_sdk_code_on_production_urls(globus):
    cc = globus_sdk.ConfidentialAppAuthClient(PORTAL, PORTAL_SECRET)
    assert cc.base_url == "https://auth.globus.org/"
    token = cc.oauth2_client_credentials_tokens(TRANSFER_SCOPE)["access_token"]
    assert globus.auth.check_access_token(token, "transfer.api.globus.org").client_id == PORTAL


def test_coexists_with_a_tests_own_responses_stubs():
    with responses.RequestsMock() as rsps:
        rsps.get("https://example.org/thing", json={"mine": True})
        with mock_globus(rsps=rsps):
            assert requests.get("https://auth.globus.org/jwk.json", timeout=5).status_code == 200
            assert requests.get("https://example.org/thing", timeout=5).json() == {"mine": True}


def test_scenario_file_by_name_with_linked_identities_groups_and_consents():
    double = GlobusDouble(scenario="two_labs", faker_users=0)
    auth = double.auth
    assert [u.username for u in auth.users] == ["ada@uchicago.edu", "grace@anl.gov"]
    ada = auth.identity("ada@uchicago.edu")
    assert [i.username for i in auth.identity_set(ada.id)] == [
        "ada@uchicago.edu",
        "ada@globusid.org",
        "ada@anl.gov",
    ]
    assert auth.identity("ada@anl.gov").organization == "Argonne National Laboratory"
    assert double.state.auth_for_transfer.group_ids_of(ada.id) == {
        "3e1a0000-0000-4000-8000-00000000beef"
    }
    data_access = "https://auth.globus.org/scopes/3e1a0000-0000-4000-8000-0000000c011e/data_access"
    assert auth.has_consent(auth.identity("grace@anl.gov").id, data_access)
    assert not auth.has_consent(ada.id, data_access)
    assert auth.browser_user == "grace@anl.gov"


def test_json_scenario_and_missing_scenario():
    double = GlobusDouble(scenario="single_user", faker_users=0)
    assert [u.username for u in double.auth.users] == ["solo@example.org"]
    assert double.cli_client_id == "50105010-0000-4000-8000-0000000000c1"
    with pytest.raises(FileNotFoundError, match="no scenario 'nope'"):
        GlobusDouble(scenario="nope")


def test_faker_users_are_reproducible_for_a_seed():
    def people(seed: int) -> list[tuple[str, str | None, str | None]]:
        return [
            (u.username, u.name, u.organization)
            for u in GlobusDouble(seed=seed, scenario=None).auth.users
        ]

    assert people(3) == people(3)
    assert people(3) != people(4)
    assert len(people(3)) == 3


def test_unexpected_server_error_is_a_500_and_is_recorded(globus_mock, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("bug in the double")

    monkeypatch.setattr(globus_mock.auth.oidc, "userinfo", broken)
    reply = requests.get("https://auth.globus.org/v2/oauth2/userinfo", timeout=5)
    assert reply.status_code == 500
    assert reply.json()["errors"][0]["detail"] == "RuntimeError: bug in the double"
    assert [str(e) for e in globus_mock.errors] == ["bug in the double"]
    globus_mock.errors.clear()  # else the fixture fails this test, as it should


def test_token_for_defaults_to_the_scenario_default_user(globus_mock):
    info = globus_mock.auth.check_access_token(globus_mock.token_for(), "transfer.api.globus.org")
    assert info.username == ALICE


def test_route_table_is_generated_from_the_route_tables(capsys):
    """``mockglobus routes`` prints one row per route the app serves, with its SDK name."""
    from mockglobus.cli import main
    from mockglobus.double import GlobusDouble

    assert main(["routes"]) == 0
    table = capsys.readouterr().out
    assert "| POST | `/v2/oauth2/token` | AuthLoginClient.oauth2_token" in table
    assert "| PUT | `/v2/api/clients/<client_id>` | AuthClient.update_client |" in table
    assert "| GET | `/v0.10/task/<task_id>` | TransferClient.get_task |" in table
    app = GlobusDouble(scenario=None, faker_users=0).app
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}):
            assert f"| {method} | `{rule.rule}` |" in table or (f"`{rule.rule}` |" in table), (
                method,
                rule.rule,
            )
