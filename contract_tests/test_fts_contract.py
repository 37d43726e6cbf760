"""What a client of FTS3 relies on, checked the same way against every target."""

from __future__ import annotations

import re

import pytest
import requests

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
JOB_KEYS = {
    "job_id",
    "job_state",
    "job_type",
    "source_se",
    "dest_se",
    "user_dn",
    "cred_id",
    "vo_name",
    "submit_time",
    "job_finished",
    "reason",
    "priority",
    "retry",
    "retry_delay",
    "max_time_in_queue",
    "cancel_job",
    "overwrite_flag",
    "verify_checksum",
    "copy_pin_lifetime",
    "bring_online",
    "job_metadata",
    "http_status",
}
FILE_KEYS = {
    "file_id",
    "file_index",
    "job_id",
    "file_state",
    "source_surl",
    "dest_surl",
    "source_se",
    "dest_se",
    "reason",
    "filesize",
    "user_filesize",
    "checksum",
    "start_time",
    "finish_time",
    "file_metadata",
    "activity",
    "retry",
}


def _get(target, path: str) -> requests.Response:
    return requests.get(
        target.endpoint + path, headers=target.headers(), timeout=30, verify=target.capath or False
    )


def _post(target, path: str, body) -> requests.Response:
    return requests.post(
        target.endpoint + path,
        json=body,
        headers=target.headers(),
        timeout=30,
        verify=target.capath or False,
    )


def _submit(target, **params) -> str:
    import fts3.rest.client.easy as easy

    ctx = target.context()
    job = easy.new_job([easy.new_transfer(target.source, target.destination)], **params)
    return easy.submit(ctx, job)


def test_root_document_has_integer_versions(target):
    info = target.context().get_endpoint_info()
    assert all(isinstance(info["api"][k], int) for k in ("major", "minor", "patch"))
    assert info["delegation"] == {"major": 1, "minor": 0, "patch": 0}


def test_whoami_has_the_identity_fields(target):
    import fts3.rest.client.easy as easy

    me = easy.whoami(target.context())
    assert {
        "user_dn",
        "dn",
        "base_id",
        "voms_cred",
        "vos",
        "vos_id",
        "roles",
        "level",
        "delegation_id",
        "method",
        "is_root",
    } <= set(me)
    assert me["base_id"] == "01874efb-4735-4595-bc9c-591aef8240c9"
    assert re.fullmatch(r"[0-9a-f]{16}", me["delegation_id"])


def test_submitted_job_document(target):
    import fts3.rest.client.easy as easy

    job_id = _submit(target)
    job = easy.get_job_status(target.context(), job_id, list_files=True)
    assert JOB_KEYS <= set(job)
    assert job["http_status"] == "200 Ok" and job["job_type"] == "N"
    assert job["job_state"] in {"SUBMITTED", "READY", "ACTIVE", "FINISHED", "FAILED"}
    assert TIME.match(job["submit_time"])
    assert isinstance(job["job_metadata"], dict) and "auth_method" in job["job_metadata"]
    (file,) = job["files"]
    assert FILE_KEYS <= set(file) and isinstance(file["file_id"], int)
    assert file["source_surl"] == target.source and file["dest_surl"] == target.destination
    easy.cancel(target.context(), job_id)


def test_cancel_then_cancel_again(target):
    import fts3.rest.client.easy as easy

    job_id = _submit(target)
    first = easy.cancel(target.context(), job_id)
    assert first["job_state"] == "CANCELED" and first["http_status"] == "200 Ok"
    again = easy.cancel(target.context(), job_id)
    assert again["http_status"] == "304 Not Modified"


def test_listing_includes_an_unfinished_job(target):
    import fts3.rest.client.easy as easy

    job_id = _submit(target)
    vo = easy.whoami(target.context())["vos"][0]
    assert job_id in {j["job_id"] for j in easy.list_jobs(target.context(), vo=vo)}
    easy.cancel(target.context(), job_id)


def test_unknown_job_answers_the_per_job_404(target):
    reply = _get(target, "/jobs/00000000-0000-0000-0000-000000000000")
    assert reply.status_code == 404
    assert reply.json()["http_message"] == (
        'No job with the id "00000000-0000-0000-0000-000000000000" has been found'
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"files": []}, "No valid pairs available"),
        ({"files": [{"destinations": ["mock://d.example/f"]}]}, "Missing parameter: 'sources'"),
        (
            {"files": [{"sources": ["file:///etc/hosts"], "destinations": ["mock://d.example/f"]}]},
            "Invalid value within the request: Can not transfer local files (file:///etc/hosts)",
        ),
        ({"delete": ["mock://d.example/f"]}, "Deletion jobs are no longer supported by FTS"),
    ],
)
def test_bad_submissions_are_refused_with_the_real_message(target, body, message):
    reply = _post(target, "/jobs", body)
    assert reply.status_code in (400, 405)
    assert reply.json()["message"] == message


def test_submission_schema_is_served(target):
    schema = _get(target, "/api-docs/schema/submit").json()
    assert schema["title"] == "Job submission"
    assert schema["properties"]["files"]["items"]["required"] == ["sources", "destinations"]
