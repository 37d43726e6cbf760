"""Who may see and cancel what, as fts-rest-flask's ``fts3auth/authorization.py`` decides.

X.509 identities are given to the in-process transport directly (the TLS path is
exercised by the x509 suite); token users get level ``all`` for every operation,
like fts-rest-flask's OAuth2 override.
"""

from __future__ import annotations

import pytest
import requests

from tests.fts.conftest import transfer

BODY = {"files": [{"sources": [transfer()[0]], "destinations": [transfer()[1]]}]}
ALICE = "/DC=org/DC=example/CN=Alice"
BOB = "/DC=org/DC=example/CN=Bob"
CAROL = "/DC=org/DC=example/CN=Carol"


def as_user(fts, identity):
    fts.identity = identity
    return identity


def post(fts, body=BODY):
    return requests.post(fts.endpoint + "/jobs", json=body, timeout=5)


def test_certificate_whoami_matches_the_egi_sample(fts_mock):
    dn = "/DC=org/DC=terena/DC=tcs/C=NL/O=Stichting EGI/CN=Andrea Manzi"
    as_user(fts_mock, fts_mock.certificate_user(dn, ["/dteam/Role=NULL/Capability=NULL"]))
    me = requests.get(fts_mock.endpoint + "/whoami", timeout=5).json()
    assert me["delegation_id"] == "9ab8068853808c6b"
    assert me["dn"] == [dn, dn + "/CN=proxy"]
    assert me["vos"] == ["dteam"] and me["voms_cred"] == ["/dteam/Role=NULL/Capability=NULL"]
    assert me["method"] == "certificate" and "oauth2_scope" not in me


def test_certificate_user_without_delegation_gets_419(fts_mock):
    as_user(fts_mock, fts_mock.certificate_user(ALICE, ["/dteam/Role=NULL"], delegated=False))
    reply = post(fts_mock)
    assert reply.status_code == 419
    assert reply.json() == {
        "status": "419 Authentication Timeout",
        "message": f'No delegation found for "{ALICE}"',
    }


def test_delegation_with_less_than_an_hour_left_is_refused(fts_mock):
    alice = as_user(
        fts_mock, fts_mock.certificate_user(ALICE, ["/dteam/Role=NULL"], delegated=False)
    )
    fts_mock.state.delegate(alice, lifetime=1800)
    assert post(fts_mock).json()["message"] == (
        f"The delegated credentials has less than one hour left ({alice.delegation_id})"
    )


def test_certificate_user_without_files_gets_no_transfers(fts_mock):
    as_user(fts_mock, fts_mock.certificate_user(ALICE, ["/dteam/Role=NULL"]))
    assert post(fts_mock, {}).json()["message"] == "No transfers operations specified"


def test_same_vo_user_sees_and_cancels_a_colleagues_job(fts_mock):
    as_user(fts_mock, fts_mock.certificate_user(ALICE, ["/dteam/Role=NULL"]))
    job_id = post(fts_mock).json()["job_id"]
    as_user(fts_mock, fts_mock.certificate_user(BOB, ["/dteam/Role=NULL"]))
    assert requests.get(f"{fts_mock.endpoint}/jobs/{job_id}", timeout=5).status_code == 200
    assert (
        requests.delete(f"{fts_mock.endpoint}/jobs/{job_id}", timeout=5).json()["job_state"]
        == "CANCELED"
    )


def test_other_vo_user_can_neither_read_nor_cancel(fts_mock):
    as_user(fts_mock, fts_mock.certificate_user(ALICE, ["/dteam/Role=NULL"]))
    job_id = post(fts_mock).json()["job_id"]
    as_user(fts_mock, fts_mock.certificate_user(CAROL, ["/atlas/Role=NULL"]))
    for method in ("GET", "DELETE"):
        reply = requests.request(method, f"{fts_mock.endpoint}/jobs/{job_id}", timeout=5)
        assert reply.status_code == 403
        assert reply.json() == {
            "job_id": job_id,
            "http_status": "403 Forbidden",
            "http_message": f'Not enough permissions to check the job "{job_id}"',
        }
    files = requests.get(f"{fts_mock.endpoint}/jobs/{job_id}/files", timeout=5)
    assert files.json() == {
        "status": "403 Forbidden",
        "message": f'Not enough permissions to check the job "{job_id}"',
    }
    assert fts_mock.state.job(job_id).job_state == "SUBMITTED"


def test_vo_level_listing_is_forced_to_the_callers_first_vo(fts_mock):
    as_user(fts_mock, fts_mock.certificate_user(ALICE, ["/dteam/Role=NULL"]))
    dteam_job = post(fts_mock).json()["job_id"]
    as_user(fts_mock, fts_mock.certificate_user(CAROL, ["/atlas/Role=NULL"]))
    atlas_job = post(fts_mock).json()["job_id"]
    listed = requests.get(fts_mock.endpoint + "/jobs?vo_name=dteam", timeout=5).json()
    assert [j["job_id"] for j in listed] == [atlas_job]
    assert dteam_job not in {j["job_id"] for j in listed}


def test_token_users_see_every_vo(fts_mock):
    as_user(fts_mock, fts_mock.certificate_user(CAROL, ["/atlas/Role=NULL"]))
    atlas_job = post(fts_mock).json()["job_id"]
    fts_mock.identity = None
    token = fts_mock.token_for("dave", vo="dteam")
    reply = requests.get(
        f"{fts_mock.endpoint}/jobs/{atlas_job}",
        timeout=5,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status_code == 200


def test_root_cancels_everything_of_one_vo(fts_mock):
    as_user(fts_mock, fts_mock.certificate_user(ALICE, ["/dteam/Role=NULL"]))
    first, second = post(fts_mock).json()["job_id"], post(fts_mock).json()["job_id"]
    as_user(fts_mock, fts_mock.certificate_user(CAROL, ["/atlas/Role=NULL"]))
    other = post(fts_mock).json()["job_id"]
    as_user(fts_mock, fts_mock.root())
    reply = requests.delete(fts_mock.endpoint + "/jobs/vo/dteam", timeout=5)
    assert reply.json() == {"affected_files": 2, "affected_dm": 0, "affected_jobs": 2}
    states = {j: fts_mock.state.job(j).job_state for j in (first, second, other)}
    assert states == {first: "CANCELED", second: "CANCELED", other: "SUBMITTED"}


@pytest.mark.parametrize(
    "fqans, vos",
    [
        ([], None),  # no VOMS: the "virtual VO" is the delegation id
        (["/dteam/cern/Role=lcgadmin/Capability=NULL"], ["dteam/cern"]),
    ],
)
def test_vo_is_derived_from_fqans_or_the_delegation_id(fts_mock, fqans, vos):
    alice = fts_mock.certificate_user(ALICE, fqans)
    assert alice.vos == (vos or [alice.delegation_id])
    if fqans:
        assert alice.roles == ["lcgadmin"] and alice.level["config"] == "all"


def test_a_db_grant_shows_in_whoami_and_opens_config_routes(fts_mock):
    as_user(fts_mock, fts_mock.certificate_user(ALICE, ["/dteam/Role=NULL"]))
    assert requests.get(fts_mock.endpoint + "/ban/se", timeout=5).status_code == 403
    as_user(fts_mock, fts_mock.root())
    granted = requests.post(
        fts_mock.endpoint + "/config/authorize",
        timeout=5,
        json={"dn": ALICE, "operation": "config"},
    )
    assert granted.status_code == 200, granted.text
    as_user(fts_mock, fts_mock.certificate_user(ALICE, ["/dteam/Role=NULL"]))
    assert requests.get(fts_mock.endpoint + "/whoami", timeout=5).json()["level"] == {
        "transfer": "vo",
        "datamanagement": "all",
        "config": "all",
    }
    assert requests.get(fts_mock.endpoint + "/ban/se", timeout=5).status_code == 200
