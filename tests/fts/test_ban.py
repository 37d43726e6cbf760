"""Banning storages and users (fts-rest-flask ``controllers/banning.py``), in both transports.

Token users hold level ``all`` for every operation, so they may ban in both
transports. The tests of the ``config`` level itself need an X.509 identity without
the lcgadmin role, which only the in-process transport can carry without TLS; they
say so in their names (``fts_mock``).
"""

from __future__ import annotations

import pytest
import requests

from tests.fts.conftest import transfer

DST = "mock://dst.example"
DTEAM = "/dteam/Role=NULL/Capability=NULL"


def body(*pairs, **params):
    pairs = pairs or (transfer(),)
    return {"files": [{"sources": [s], "destinations": [d]} for s, d in pairs], "params": params}


class Caller:
    """Raw HTTP as one token user of the double."""

    def __init__(self, fts, user="alice", vo="dteam"):
        self.fts = fts
        self.user = user
        self.headers = {"Authorization": f"Bearer {fts.token_for(user, vo=vo)}"}

    def __call__(self, method, path, headers=None, **kwargs):
        return requests.request(
            method,
            self.fts.endpoint + path,
            headers={**self.headers, **(headers or {})},
            timeout=5,
            **kwargs,
        )

    def submit(self, payload=None):
        reply = self("POST", "/jobs", json=payload or body())
        assert reply.status_code == 200, reply.text
        return reply.json()["job_id"]


@pytest.fixture
def alice(fts):
    return Caller(fts)


def file_states(fts, job_id):
    return [f.file_state for f in fts.state.job(job_id).files]


def test_cancel_ban_cancels_the_storages_files_and_their_jobs(fts, alice):
    job_id = alice.submit()
    reply = alice("POST", "/ban/se", json={"storage": DST})
    assert reply.status_code == 200 and reply.json() == [job_id]
    job = fts.state.job(job_id)
    assert job.job_state == "CANCELED" and job.reason is None and job.job_finished
    assert [(f.file_state, f.reason) for f in job.files] == [("CANCELED", "Storage banned")]
    fts.advance(60)  # the daemon forgot the file: nothing restarts it
    assert file_states(fts, job_id) == ["CANCELED"]


def test_cancel_ban_leaves_jobs_with_other_files_running(fts, alice):
    job_id = alice.submit(
        body(
            transfer(),
            ("mock://src.example/x?size=10", "mock://elsewhere.example/x?size_post=10&time=1"),
        )
    )
    alice("POST", "/ban/se", json={"storage": DST})
    assert file_states(fts, job_id) == ["CANCELED", "SUBMITTED"]
    assert fts.run_job(job_id).job_state == "CANCELED"  # 6.3: finished + canceled


def test_cancel_ban_promotes_the_next_replica(fts, alice):
    replicas = {
        "files": [
            {
                "sources": ["mock://bad.example/f?size=10", "mock://good.example/f?size=10"],
                "destinations": ["mock://dst2.example/f?size_post=10&time=1"],
            }
        ]
    }
    job_id = alice.submit(replicas)
    assert file_states(fts, job_id) == ["SUBMITTED", "NOT_USED"]
    assert alice("POST", "/ban/se", json={"storage": "mock://bad.example"}).json() == [job_id]
    assert file_states(fts, job_id) == ["CANCELED", "SUBMITTED"]
    job = fts.run_job(job_id)
    assert job.job_state == "FINISHED" and job.source_se == "mock://good.example"


def test_wait_ban_holds_files_until_the_unban_gives_them_back_to_the_daemon(fts, alice):
    job_id = alice.submit()
    assert alice("POST", "/ban/se", json={"storage": DST, "status": "WaIt"}).json() == [job_id]
    fts.advance(600)
    assert file_states(fts, job_id) == ["ON_HOLD"]
    assert fts.state.job(job_id).job_state == "SUBMITTED"
    reply = alice("DELETE", f"/ban/se?storage={DST}")
    assert reply.status_code == 204 and reply.content == b""
    assert file_states(fts, job_id) == ["SUBMITTED"]
    assert fts.run_job(job_id).job_state == "FINISHED"


def test_wait_ban_holds_staging_files_as_on_hold_staging_in_process(fts_mock):
    # Token users may not stage from tape: this one needs an X.509 identity.
    fts_mock.identity = fts_mock.certificate_user(
        "/DC=org/CN=Admin", ["/dteam/Role=lcgadmin/Capability=NULL"]
    )
    url = fts_mock.endpoint
    job_id = requests.post(url + "/jobs", json=body(bring_online=600), timeout=5).json()["job_id"]
    requests.post(url + "/ban/se", json={"storage": DST, "status": "wait"}, timeout=5)
    assert file_states(fts_mock, job_id) == ["ON_HOLD_STAGING"]
    requests.delete(url + f"/ban/se?storage={DST}", timeout=5)
    assert file_states(fts_mock, job_id) == ["STAGING"]
    assert fts_mock.run_job(job_id).job_state == "FINISHED"


def test_submission_touching_a_banned_storage_is_refused(fts, alice):
    alice("POST", "/ban/se", json={"storage": DST})
    reply = alice("POST", "/jobs", json=body())
    assert reply.status_code == 403
    assert reply.json() == {"status": "403 Forbidden", "message": "mock://dst.example is banned"}


def test_wait_with_allow_submit_accepts_submissions_on_hold(fts, alice):
    alice("POST", "/ban/se", json={"storage": DST, "status": "wait", "allow_submit": True})
    assert alice("GET", "/ban/se").json()[0]["status"] == "WAIT_AS"
    job_id = alice.submit()
    assert file_states(fts, job_id) == ["ON_HOLD"]
    alice("DELETE", "/ban/se", params={"storage": DST})
    assert fts.run_job(job_id).job_state == "FINISHED"


def test_a_ban_belongs_to_the_banning_users_vo(fts, alice):
    atlas = Caller(fts, "carol", vo="atlas")
    atlas("POST", "/ban/se", json={"storage": DST})
    job_id = alice.submit()
    assert file_states(fts, job_id) == ["SUBMITTED"]
    assert atlas("POST", "/jobs", json=body()).status_code == 403


def test_banned_storages_are_listed_with_who_banned_them_and_why(fts, alice):
    alice("POST", "/ban/se", json={"storage": DST, "message": "broken disk"})
    [entry] = alice("GET", "/ban/se").json()
    assert entry.keys() == {"se", "message", "addition_time", "admin_dn", "vo", "status"}
    assert (entry["se"], entry["message"], entry["admin_dn"], entry["vo"], entry["status"]) == (
        DST,
        "broken disk",
        "alice",
        "dteam",
        "CANCEL",
    )
    assert len(entry["addition_time"]) == 19


def test_ban_parameters_may_come_as_form_values(fts, alice):
    reply = alice("POST", "/ban/se", data={"storage": DST, "status": "wait"})
    assert reply.status_code == 200
    assert alice("GET", "/ban/se").json()[0]["status"] == "WAIT"


@pytest.mark.parametrize(
    "payload, message",
    [
        ({}, "Missing storage parameter"),
        ({"storage": ""}, "Missing storage parameter"),
        ({"storage": DST, "status": "later"}, "status can only be cancel or wait"),
        ({"storage": DST, "status": 3}, "status can only be cancel or wait"),
        (
            {"storage": DST, "allow_submit": True},
            "allow_submit and status = CANCEL can not be combined",
        ),
    ],
)
def test_invalid_storage_bans_are_refused(fts, alice, payload, message):
    reply = alice("POST", "/ban/se", json=payload)
    assert reply.status_code == 400
    assert reply.json() == {"status": "400 Bad Request", "message": message}
    assert alice("GET", "/ban/se").json() == []


@pytest.mark.parametrize("raw", [b"{nope", b"[1, 2]", b""])
def test_ban_bodies_that_are_not_json_objects_are_malformed_input(fts, alice, raw):
    reply = alice("POST", "/ban/se", data=raw, headers={"Content-Type": "application/json"})
    assert reply.status_code == 400
    assert reply.json() == {"status": "400 Bad Request", "message": "Malformed input"}


@pytest.mark.parametrize(
    "path, message",
    [
        ("/ban/se", "Missing storage parameter"),
        ("/ban/dn", "Missing user_dn parameter"),
    ],
)
def test_unban_without_its_parameter_is_refused(fts, alice, path, message):
    reply = alice("DELETE", path)
    assert reply.status_code == 400 and reply.json()["message"] == message


def test_banning_a_user_cancels_their_jobs_and_locks_them_out(fts, alice):
    bob = Caller(fts, "bob")
    job_id = bob.submit()
    reply = alice("POST", "/ban/dn", json={"user_dn": "bob", "message": "abuse"})
    assert reply.status_code == 200 and reply.json() == [job_id]
    job = fts.state.job(job_id)
    assert (job.job_state, job.reason) == ("CANCELED", "User banned")
    assert [(f.file_state, f.reason) for f in job.files] == [("CANCELED", "User banned")]
    for path in ("/whoami", "/jobs"):
        locked = bob("GET", path)
        assert locked.status_code == 403
        assert locked.headers["Content-Type"].startswith("text/html")
        assert "<p>The user has been banned</p>" in locked.text
    [entry] = alice("GET", "/ban/dn").json()
    assert (entry["dn"], entry["message"], entry["admin_dn"]) == ("bob", "abuse", "alice")
    assert alice("DELETE", "/ban/dn", params={"user_dn": "bob"}).status_code == 204
    assert bob("GET", "/whoami").status_code == 200


def test_banning_oneself_is_a_conflict(fts, alice):
    reply = alice("POST", "/ban/dn", json={"user_dn": "alice"})
    assert reply.status_code == 409
    assert reply.json() == {
        "status": "409 Conflict",
        "message": "The user tried to ban (her|his)self",
    }


def test_ban_of_a_user_needs_a_dn(fts, alice):
    reply = alice("POST", "/ban/dn", json={"message": "who?"})
    assert reply.status_code == 400 and reply.json()["message"] == "Missing dn parameter"


def test_unbanning_a_user_who_was_not_banned_still_answers_204(fts, alice):
    assert alice("DELETE", "/ban/dn?user_dn=nobody").status_code == 204


def test_bans_and_unbans_are_audited(fts, alice):
    alice("POST", "/ban/se", json={"storage": DST, "status": "wait"})
    alice("DELETE", "/ban/se", params={"storage": DST})
    alice("POST", "/ban/dn", json={"user_dn": "bob"})
    audit = alice("GET", "/config/audit").json()
    assert [(row["action"], row["config"], row["dn"]) for row in audit] == [
        ("ban-dn", "User bob banned", "alice"),
        ("unban-se", f"Storage {DST} unbanned", "alice"),
        ("ban-se", f"Storage {DST} for dteam banned (WAIT)", "alice"),
    ]


def test_banning_needs_the_config_level_in_process(fts_mock):
    fts_mock.identity = fts_mock.certificate_user("/DC=org/CN=Plain", [DTEAM])
    for method in ("GET", "POST", "DELETE"):
        reply = requests.request(
            method, fts_mock.endpoint + "/ban/se", json={"storage": DST}, timeout=5
        )
        assert reply.status_code == 403
        assert reply.json() == {"status": "403 Forbidden", "message": "Not enough permissions"}


def test_an_lcgadmin_may_ban_in_process(fts_mock):
    fts_mock.identity = fts_mock.certificate_user(
        "/DC=org/CN=Admin", ["/dteam/Role=lcgadmin/Capability=NULL"]
    )
    reply = requests.post(fts_mock.endpoint + "/ban/se", json={"storage": DST}, timeout=5)
    assert reply.status_code == 200
    assert fts_mock.state.ops.bans.banned_storages()[0].vo == "dteam"
