"""Raw HTTP against the double: exact status codes and bodies of the real server's
answers to bad input, in both transports. Nothing a client sends gets a 500."""

from __future__ import annotations

import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fts.conftest import transfer

GOOD = {"files": [{"sources": [transfer()[0]], "destinations": [transfer()[1]]}]}


@pytest.fixture
def http(fts, alice_token):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {alice_token}"
    session.base = fts.endpoint
    return session


def call(http, method: str, path: str, **kwargs) -> requests.Response:
    return http.request(method, http.base + path, timeout=10, **kwargs)


def error(status: int, reason: str, message: str) -> dict:
    return {"status": f"{status} {reason}", "message": message}


def test_submit_answers_200_with_the_job_id(http):
    reply = call(http, "POST", "/jobs", json=GOOD)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert list(reply.json()) == ["job_id"]


def test_put_submits_too_and_double_slashes_are_accepted(http):
    reply = call(http, "PUT", "//jobs", data=json.dumps(GOOD))
    assert reply.status_code == 200 and "job_id" in reply.json()


@pytest.mark.parametrize(
    ("body", "headers", "message"),
    [
        (b"{not json", {"Content-Type": "application/json"}, "Badly formatted JSON request"),
        (b"[1, 2]", {"Content-Type": "application/json"}, "Expecting a dictionary"),
        (
            b"files",
            {"Content-Type": "text/plain"},
            "Expecting application/json or application/x-www-form-urlencoded",
        ),
    ],
)
def test_unreadable_bodies_are_refused(http, body, headers, message):
    reply = call(http, "POST", "/jobs", data=body, headers=headers)
    assert (reply.status_code, reply.json()) == (400, error(400, "Bad Request", message))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # token users: the token-copying step trips over a missing file list first
        ({}, "Malformed request: 'NoneType' object is not iterable"),
        ({"files": None}, "Malformed request: 'NoneType' object is not iterable"),
        ({"files": []}, "No valid pairs available"),
        ({"files": 48}, "Malformed request: 'int' object is not iterable"),
        ({"files": [{"destinations": ["mock://d.example/f"]}]}, "Missing parameter: 'sources'"),
        ({"files": [{"sources": ["mock://s.example/f"]}]}, "Missing parameter: 'destinations'"),
        (
            {"files": GOOD["files"], "params": None},
            "Malformed request: 'NoneType' object is not iterable",
        ),
        (
            {"files": GOOD["files"], "params": {"id_generator": "deterministic"}},
            "Need sid for deterministic job id generation",
        ),
        (
            {"files": GOOD["files"], "params": {"timeout": "soon"}},
            "Invalid value within the request: invalid literal for int() with base 10: 'soon'",
        ),
        (
            {"files": GOOD["files"], "params": {"overwrite": True, "overwrite_on_retry": True}},
            "Incompatible overwrite flags used at the same time",
        ),
        (
            {"files": GOOD["files"], "params": {"overwrite_hop": True}},
            "'overwrite-hop' requires multihop job submission",
        ),
        (
            {"files": [{**GOOD["files"][0], "metadata": 5}]},
            "Invalid value within the request: Metadata neither JSON nor String",
        ),
        (
            {"files": [{**GOOD["files"][0], "scitag": 10}]},
            "Invalid value within the request: Invalid SciTag value: 10 (not in [65, 65535] range)",
        ),
        (
            {
                "files": [
                    {
                        "sources": ["mock://a.example/f", "mock://b.example/f"],
                        "destinations": ["mock://d.example/f"],
                        "selection_strategy": "random",
                    }
                ]
            },
            "random algorithm is not supported by Scheduler",
        ),
    ],
)
def test_bad_submissions_get_the_real_message(http, body, message):
    reply = call(http, "POST", "/jobs", json=body)
    assert (reply.status_code, reply.json()) == (400, error(400, "Bad Request", message))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("some/path", "Missing scheme (some/path)"),
        ("file:///etc/passwd", "Can not transfer local files (file:///etc/passwd)"),
        ("mock://host.example", "Missing path (mock://host.example)"),
        ("mock://host.example/", "Missing path (mock://host.example/)"),
        ("gsiftp:/source.es:8446/file", "Missing host (gsiftp:/source.es:8446/file)"),
        ("http: //source.es/file", "Missing host (http:/// //source.es/file)"),
    ],
)
def test_bad_urls_are_refused_with_the_parsed_url(http, url, message):
    body = {"files": [{"sources": [url], "destinations": ["mock://d.example/f"]}]}
    reply = call(http, "POST", "/jobs", json=body)
    assert reply.status_code == 400
    assert reply.json()["message"] == f"Invalid value within the request: {message}"


def test_deletion_jobs_are_refused_with_405(http):
    reply = call(http, "POST", "/jobs", json={"delete": ["mock://s.example/f"]})
    assert (reply.status_code, reply.json()) == (
        405,
        error(405, "Method Not Allowed", "Deletion jobs are no longer supported by FTS"),
    )


def test_unknown_job_gets_a_per_job_404(http):
    reply = call(http, "GET", "/jobs/nope")
    assert reply.status_code == 404
    assert reply.json() == {
        "job_id": "nope",
        "http_status": "404 Not Found",
        "http_message": 'No job with the id "nope" has been found',
    }


def test_several_ids_with_a_missing_one_answer_207(http):
    job_id = call(http, "POST", "/jobs", json=GOOD).json()["job_id"]
    reply = call(http, "GET", f"/jobs/{job_id},nope")
    assert reply.status_code == 207
    found, missing = reply.json()
    assert found["job_id"] == job_id and found["http_status"] == "200 Ok"
    assert missing["http_status"] == "404 Not Found"
    trailing = call(http, "GET", f"/jobs/{job_id},")
    assert trailing.status_code == 200 and isinstance(trailing.json(), list)


def test_job_field_route_returns_the_raw_value(http):
    job_id = call(http, "POST", "/jobs", json=GOOD).json()["job_id"]
    assert call(http, "GET", f"/jobs/{job_id}/job_state").json() == "SUBMITTED"
    missing = call(http, "GET", f"/jobs/{job_id}/no_such_thing")
    assert (missing.status_code, missing.json()) == (404, error(404, "Not Found", "No such field"))


def test_files_query_adds_file_subsets_to_each_job(http):
    job_id = call(http, "POST", "/jobs", json=GOOD).json()["job_id"]
    reply = call(http, "GET", f"/jobs/{job_id}?files=file_state,dest_surl,nonsense")
    assert reply.json()["files"] == [{"file_state": "SUBMITTED", "dest_surl": transfer()[1]}]


def test_unknown_route_and_wrong_method_use_werkzeug_texts(http):
    missing = call(http, "GET", "/snapshot")
    assert missing.status_code == 404
    assert missing.json()["message"].startswith("The requested URL was not found on the server.")
    wrong = call(http, "PATCH", "/jobs")
    assert (wrong.status_code, wrong.json()) == (
        405,
        error(405, "Method Not Allowed", "The method is not allowed for the requested URL."),
    )


def test_anonymous_caller_cannot_list_or_submit(fts):
    for method, body in (("GET", None), ("POST", GOOD)):
        reply = requests.request(method, fts.endpoint + "/jobs", json=body, timeout=10)
        assert (reply.status_code, reply.json()) == (
            403,
            error(403, "Forbidden", "Not enough permissions"),
        )


def test_anonymous_whoami_and_invalid_tokens_are_anonymous(fts):
    expired = fts.token_for("bob", vo="atlas", lifetime=60)
    fts.advance(61)
    forged = fts.token_for("bob", vo="atlas")[:-4] + "AAAA"
    for headers in (
        {},
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": f"Bearer {forged}"},
    ):
        me = requests.get(fts.endpoint + "/whoami", headers=headers, timeout=10).json()
        assert me["user_dn"] == "anon" and me["method"] == "unauthenticated"
        assert me["level"] == [] and me["vos"] == [] and me["delegation_id"] is None


def test_list_limits_and_foreign_identities_are_checked(http):
    assert call(http, "GET", "/jobs?limit=501").json() == error(
        400, "Bad Request", "The limit must be positive and less or equal than 500"
    )
    assert call(http, "GET", "/jobs?user_dn=/CN=someone").json()["message"] == (
        "The provided DN and delegation id do not correspond to the same user"
    )
    other = call(http, "GET", "/jobs?dlg_id=0000000000000000")
    assert (other.status_code, other.json()["message"]) == (
        403,
        "The provided delegation id does not match your delegation id",
    )


def test_cancel_all_needs_root(http):
    reply = call(http, "DELETE", "/jobs/all")
    assert (reply.status_code, reply.json()) == (
        403,
        error(403, "Forbidden", "User does not have root privileges"),
    )


def test_file_cancel_of_a_multihop_job_is_refused(http):
    body = {
        "files": [
            {"sources": ["mock://a.example/f"], "destinations": ["mock://b.example/f"]},
            {"sources": ["mock://b.example/f"], "destinations": ["mock://c.example/f"]},
        ],
        "params": {"multihop": True},
    }
    job_id = call(http, "POST", "/jobs", json=body).json()["job_id"]
    reply = call(http, "DELETE", f"/jobs/{job_id}/files/1")
    assert reply.json() == error(
        400, "Bad Request", "Multihop or reuse jobs must be cancelled at once (H)"
    )


def test_invalid_priority_is_refused(http):
    job_id = call(http, "POST", "/jobs", json=GOOD).json()["job_id"]
    reply = call(http, "POST", f"/jobs/{job_id}", json={"params": {"priority": "high"}})
    assert reply.json() == error(400, "Bad Request", "Invalid priority value")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
submission_like = st.fixed_dictionaries(
    {},
    optional={
        "files": json_values
        | st.lists(
            st.dictionaries(
                st.sampled_from(
                    [
                        "sources",
                        "destinations",
                        "metadata",
                        "filesize",
                        "checksum",
                        "activity",
                        "scitag",
                        "source_tokens",
                    ]
                ),
                json_values,
            ),
            max_size=2,
        ),
        "params": json_values
        | st.dictionaries(
            st.sampled_from(
                [
                    "priority",
                    "retry",
                    "verify_checksum",
                    "overwrite",
                    "multihop",
                    "reuse",
                    "bring_online",
                    "max_time_in_queue",
                    "id_generator",
                    "sid",
                    "timeout",
                    "job_metadata",
                ]
            ),
            json_values,
        ),
        "delete": json_values,
    },
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=submission_like)
def test_no_submission_gets_a_server_error(fts_mock, body):
    token = fts_mock.token_for("alice", vo="dteam")
    reply = requests.post(
        fts_mock.endpoint + "/jobs",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert reply.status_code in (200, 400, 405), reply.text
    if reply.status_code != 200:
        assert set(reply.json()) == {"status", "message"}
