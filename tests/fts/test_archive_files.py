"""``GET /files``, the archive, ``/status/hosts``, ``/autocomplete/*`` and
``/admin/force-start``. Listing and archive run in both transports; ``/status/hosts``
and force-start require an X.509 certificate (and force-start the ``admin`` level,
which only root has by default), so those run in-process, where an identity can be
given without TLS (``fts_mock``)."""

from __future__ import annotations

import pytest
import requests

from tests.fts.conftest import transfer

DAY = 86400


@pytest.fixture
def call(fts):
    def request(method, path, user="alice", vo="dteam", **kwargs):
        headers = {"Authorization": f"Bearer {fts.token_for(user, vo=vo)}"}
        return requests.request(method, fts.endpoint + path, headers=headers, timeout=5, **kwargs)

    return request


def submit(call, *pairs, **kwargs):
    files = [{"sources": [s], "destinations": [d]} for s, d in (pairs or [transfer()])]
    reply = call("POST", "/jobs", json={"files": files}, **kwargs)
    assert reply.status_code == 200, reply.text
    return reply.json()["job_id"]


# --- /files ------------------------------------------------------------------------------


def test_files_lists_unfinished_transfers_with_filters(fts, call):
    first = submit(call, transfer(name="a"), transfer(name="b"))
    listed = call("GET", "/files").json()
    assert [(f["job_id"], f["file_state"]) for f in listed] == [(first, "SUBMITTED")] * 2
    dest = transfer(name="b")[1]
    assert [f["dest_surl"] for f in call("GET", "/files", params={"dest_surl": dest}).json()] == [
        dest
    ]
    assert call("GET", "/files", params={"dest_se": "mock://elsewhere"}).json() == []
    assert call("GET", "/files", params={"state_in": "ACTIVE,READY"}).json() == []
    fts.run_job(first)
    assert call("GET", "/files").json() == []


def test_files_ignores_limit_as_the_real_server_does(call):
    submit(call, transfer(name="a"), transfer(name="b"), transfer(name="c"))
    assert len(call("GET", "/files", params={"limit": 1}).json()) == 3


def test_files_with_a_time_window_is_refused_instead_of_crashing(call):
    error = call("GET", "/files", params={"time_window": "1:30"})
    assert error.status_code == 400
    assert error.json()["message"].startswith("time_window is not supported by GET /files")
    assert call("GET", "/files", params={"time_window": "soon"}).status_code == 200


def test_vo_level_users_only_list_their_vos_files(fts_mock):
    fts_mock.identity = fts_mock.certificate_user("/CN=Carol", ["/atlas/Role=NULL"])
    url = fts_mock.endpoint
    src, dst = transfer()
    requests.post(
        url + "/jobs", json={"files": [{"sources": [src], "destinations": [dst]}]}, timeout=5
    )
    fts_mock.identity = fts_mock.certificate_user("/CN=Alice", ["/dteam/Role=NULL"])
    assert requests.get(url + "/files?vo_name=atlas", timeout=5).json() == []
    fts_mock.identity = None
    reply = requests.get(url + "/files", timeout=5)
    assert reply.status_code == 403 and reply.json()["message"] == "Not enough permissions"


# --- archive -----------------------------------------------------------------------------


def test_the_archive_index_only_has_links(call):
    assert call("GET", "/archive/").json()["_links"]["fts:archivedJob"] == {
        "href": "/archive/{id}",
        "title": "Archived job information",
        "templated": True,
    }


def test_old_finished_jobs_move_to_the_archive_daily(fts, call):
    job_id = submit(call)
    fts.run_job(job_id)
    error = call("GET", f"/archive/{job_id}")
    assert error.status_code == 404 and error.json()["message"] == (
        f'No job with the id "{job_id}" has been found in the archive'
    )
    fts.advance(8 * DAY)
    assert call("GET", f"/jobs/{job_id}").status_code == 404
    archived = call("GET", f"/archive/{job_id}").json()
    assert archived["job_state"] == "FINISHED"
    assert [f["file_state"] for f in archived["files"]] == ["FINISHED"]
    assert call("GET", f"/archive/{job_id}/job_state").json() == "FINISHED"
    missing = call("GET", f"/archive/{job_id}/colour")
    assert missing.status_code == 404 and missing.json()["message"] == "No such field"


def test_archiving_on_demand_keeps_recent_and_unfinished_jobs(fts, call):
    old = submit(call)
    fts.run_job(old)
    fts.advance(3 * DAY)
    recent = submit(call)
    fts.run_job(recent)
    running = submit(call, transfer(dst_query="size_post=10&time=100000"))
    assert fts.state.ops.archive.move(days=2) == [old]
    states = "FINISHED,ACTIVE,SUBMITTED,READY"
    listed = {
        j["job_id"] for j in call("GET", "/jobs", params={"state_in": states, "limit": 10}).json()
    }
    assert listed == {recent, running}


def test_archived_jobs_of_another_vo_are_forbidden(fts_mock):
    fts_mock.identity = fts_mock.certificate_user("/CN=Carol", ["/atlas/Role=NULL"])
    src, dst = transfer()
    job_id = requests.post(
        fts_mock.endpoint + "/jobs",
        json={"files": [{"sources": [src], "destinations": [dst]}]},
        timeout=5,
    ).json()["job_id"]
    fts_mock.run_job(job_id)
    fts_mock.advance(1)
    assert fts_mock.state.ops.archive.move(days=0) == [job_id]
    fts_mock.identity = fts_mock.certificate_user("/CN=Alice", ["/dteam/Role=NULL"])
    reply = requests.get(f"{fts_mock.endpoint}/archive/{job_id}", timeout=5)
    assert reply.status_code == 403
    assert reply.json() == {
        "status": "403 Forbidden",
        "message": f'Not enough permissions to check the job "{job_id}"',
    }


# --- status, autocomplete, force-start ---------------------------------------------------


def test_status_hosts_counts_active_transfers_per_host(fts_mock):
    fts_mock.identity = fts_mock.certificate_user("/CN=Admin", ["/dteam/Role=lcgadmin"])
    url = fts_mock.endpoint
    src, dst = transfer(dst_query="size_post=10&time=100")
    requests.post(
        url + "/jobs", json={"files": [{"sources": [src], "destinations": [dst]}] * 3}, timeout=5
    )
    assert requests.get(url + "/status/hosts", timeout=5).json() == {}
    fts_mock.advance(10)
    counts = requests.get(url + "/status/hosts", timeout=5).json()
    assert sum(h["active"] for h in counts.values()) == 3
    assert set(counts) <= {"fts-agent-01.mock", "fts-agent-02.mock"}


def test_autocomplete_uses_credentials_links_and_job_vos(fts, call):
    submit(call)
    call(
        "POST",
        "/config/links",
        json={"symbolicname": "l", "source": "srm://cern.ch", "destination": "gsiftp://ral.uk"},
    )
    assert call("GET", "/autocomplete/vo", params={"term": "dt"}).json() == ["dteam"]
    assert call("GET", "/autocomplete/vo").json() == []  # the real default term is srm://
    assert call("GET", "/autocomplete/source").json() == ["srm://cern.ch"]
    assert call("GET", "/autocomplete/destination", params={"term": "gsi"}).json() == [
        "gsiftp://ral.uk"
    ]
    assert call("GET", "/autocomplete/storage", params={"term": ""}).json() == [
        "gsiftp://ral.uk",
        "srm://cern.ch",
    ]


def test_autocomplete_of_dns_lists_delegated_credentials(fts_mock):
    fts_mock.identity = fts_mock.root()
    fts_mock.certificate_user("/DC=cern.ch/CN=Someone", ["/dteam/Role=NULL"])
    reply = requests.get(fts_mock.endpoint + "/autocomplete/dn", timeout=5)
    assert reply.json() == ["/DC=cern.ch/CN=Someone"]


def test_force_start_starts_submitted_files_ahead_of_the_queue(fts_mock):
    fts_mock.identity = fts_mock.root()
    url = fts_mock.endpoint
    src, dst = transfer()
    job_id = requests.post(
        url + "/jobs", json={"files": [{"sources": [src], "destinations": [dst]}]}, timeout=5
    ).json()["job_id"]
    file_id = fts_mock.state.job(job_id).files[0].file_id
    reply = requests.post(url + "/admin/force-start", json=[file_id, 999999], timeout=5)
    assert reply.json() == [{"file_id": 999999, "error": "File does not exist"}]
    assert fts_mock.state.job(job_id).files[0].file_state == "FORCE_START"
    again = requests.post(url + "/admin/force-start", json=[file_id], timeout=5)
    assert again.json() == [{"file_id": file_id, "error": "File is not in SUBMITTED state"}]
    assert fts_mock.run_job(job_id).job_state == "FINISHED"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"data": "[1]"}, "Only accepts 'Content-Type: application/json'"),
        ({"data": "[1", "headers": {"Content-Type": "application/json"}}, "Malformed input"),
        ({"json": {"file_id": 1}}, "Only accepts a list of integer fileIDs"),
        ({"json": [1, "2"]}, "Only accepts a list of integer fileIDs"),
    ],
)
def test_bad_force_start_requests_are_refused(fts_mock, kwargs, message):
    fts_mock.identity = fts_mock.root()
    reply = requests.post(fts_mock.endpoint + "/admin/force-start", timeout=5, **kwargs)
    assert reply.status_code == 400 and reply.json()["message"] == message


def test_force_start_needs_the_admin_level(fts_mock):
    fts_mock.identity = fts_mock.certificate_user("/CN=Admin", ["/dteam/Role=lcgadmin"])
    reply = requests.post(fts_mock.endpoint + "/admin/force-start", json=[1], timeout=5)
    assert reply.status_code == 403 and reply.json()["message"] == "Not enough permissions"
