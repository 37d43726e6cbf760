"""The submission schema the double serves, and how the server's checks relate to it.

Property: every generated valid submission validates against the served schema and
is accepted; every generated near-miss is rejected by the schema and refused by the
server with the real message. The real server is more lenient than its schema in
known places; those are pinned below so a change in either shows up.
"""

from __future__ import annotations

import jsonschema
import pytest
import requests
from hypothesis import HealthCheck, given, settings

from mockfts.strategies import near_misses, valid_submissions

FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def served_schema(fts):
    reply = requests.get(fts.endpoint + "/api-docs/schema/submit", timeout=10)
    assert reply.status_code == 200
    schema = reply.json()
    jsonschema.Draft4Validator.check_schema(schema)
    return schema


def _post(fts, body):
    token = fts.token_for("alice", vo="dteam")
    return requests.post(
        fts.endpoint + "/jobs", json=body, timeout=10, headers={"Authorization": f"Bearer {token}"}
    )


def test_schema_is_the_real_one(served_schema):
    assert served_schema["title"] == "Job submission"
    params = served_schema["properties"]["params"]["properties"]
    assert "destination_spacetoken" in params and "spacetoken" not in params
    assert served_schema["properties"]["files"]["items"]["required"] == ["sources", "destinations"]


def test_schema_catches_the_documented_mistake(served_schema):
    # The example of the seed: verify_checksum must be boolean or null.
    with pytest.raises(jsonschema.ValidationError, match="is not of type"):
        jsonschema.validate({"params": {"verify_checksum": 1234}}, served_schema)


@FAST
@given(body=valid_submissions())
def test_valid_submissions_pass_the_schema_and_are_accepted(fts, served_schema, body):
    jsonschema.validate(body, served_schema)
    reply = _post(fts, body)
    assert reply.status_code == 200, reply.text
    assert set(reply.json()) == {"job_id"}


@FAST
@given(case=near_misses())
def test_near_misses_fail_the_schema_and_are_refused(fts, served_schema, case):
    body, message = case
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, served_schema)
    reply = _post(fts, body)
    assert (reply.status_code, reply.json()) == (
        400,
        {"status": "400 Bad Request", "message": message},
    )


@pytest.mark.parametrize(
    "body",
    [
        {
            "files": [{"sources": ["mock://a.example/f"], "destinations": ["mock://b.example/f"]}],
            "params": {"verify_checksum": "both"},
        },
        {
            "files": [
                {
                    "sources": ["mock://a.example/f"],
                    "destinations": ["mock://b.example/f"],
                    "metadata": "a label",
                    "filesize": -5,
                }
            ]
        },
    ],
)
def test_server_accepts_what_its_schema_refuses(fts, served_schema, body):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, served_schema)
    assert _post(fts, body).status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {
                "files": [
                    {"sources": ["mock://a.example/f"], "destinations": ["mock://b.example/f"]}
                ],
                "params": None,
            },
            "Malformed request: 'NoneType' object is not iterable",
        ),
        (
            {"files": [{"sources": ["nohost"], "destinations": ["mock://b.example/f"]}]},
            "Invalid value within the request: Missing scheme (nohost)",
        ),
    ],
)
def test_server_refuses_what_its_schema_allows(fts, served_schema, body, message):
    jsonschema.validate(body, served_schema)
    assert _post(fts, body).json()["message"] == message


def test_legacy_profile_serves_the_spacetoken_parameter(fts_mock):
    from mockfts import FtsDouble

    legacy = FtsDouble(profile="legacy")
    with legacy.intercept(["https://old-fts.example:8446"]):
        schema = requests.get(
            "https://old-fts.example:8446/api-docs/schema/submit", timeout=5
        ).json()
    params = schema["properties"]["params"]["properties"]
    assert "spacetoken" in params and "destination_spacetoken" not in params
