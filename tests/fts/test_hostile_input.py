"""Hostile input, found by the fuzz suite (tests/fuzz): each is a 400 in FTS's own shape,
never a 500, and a refused ``/_mock`` control changes nothing. Both transports."""

from __future__ import annotations

import json

import pytest
import requests

from mockcore.clock import ManualClock
from mockcore.controls import HORIZON
from mockfts import FtsDouble
from mockfts.double import DEFAULT_ENDPOINT
from tests.fts.conftest import transfer

SUBMISSION = {"files": [{"sources": [transfer()[0]], "destinations": [transfer()[1]]}]}
BAD_JSON = {"status": "400 Bad Request", "message": "Badly formatted JSON request"}
MALFORMED = {"status": "400 Bad Request", "message": "Malformed input"}
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def call(fts):
    token = fts.token_for("alice", vo="dteam")

    def request(method, path, **kwargs):
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return requests.request(method, fts.endpoint + path, headers=headers, timeout=30, **kwargs)

    return request


@pytest.fixture
def admin(fts_mock):
    """A certificate user with the lcgadmin role (the X.509-only config routes)."""
    fts_mock.identity = fts_mock.certificate_user("/DC=org/CN=Admin", ["/dteam/Role=lcgadmin"])
    return lambda method, path, **kw: requests.request(
        method, fts_mock.endpoint + path, timeout=30, **kw
    )


def answer(reply) -> tuple[int, dict]:
    return reply.status_code, reply.json()


def with_param(name: str, literal: str) -> bytes:
    """The good submission with ``params.<name>`` written as the JSON text ``literal``."""
    return json.dumps({**SUBMISSION, "params": {name: "@"}}).replace('"@"', literal).encode()


# --- the one JSON decoder (mockcore.jsonbody) -----------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # was a RecursionError
        b'{"files": ' + b"[" * 65 + b"]" * 65 + b"}",
        b'{"files": [{"sources": ["\xff"]}]}',  # not UTF-8
    ],
    ids=["nesting-100000", "nesting-65", "bad-utf8"],
)
def test_unreadable_json_is_badly_formatted(call, body):
    assert answer(call("POST", "/jobs", data=body, headers=JSON)) == (400, BAD_JSON)


@pytest.mark.parametrize(
    "name",
    [
        "priority",
        "retry",
        "bring_online",
        "copy_pin_lifetime",
        "max_time_in_queue",
        "retry_delay",
        "archive_timeout",
        "timeout",
        "nostreams",
        "buffer_size",
    ],
)
@pytest.mark.parametrize("literal", ["1e400", "-1e400", "NaN", "Infinity", str(10**309)])
def test_numbers_no_float_can_hold_are_badly_formatted(call, name, literal):
    """Each was an OverflowError (``int(inf)``) or a NaN stored in the job."""
    reply = call("POST", "/jobs", data=with_param(name, literal), headers=JSON)
    assert answer(reply) == (400, BAD_JSON)


@pytest.mark.parametrize(
    "name",
    [
        "priority",
        "retry",
        "bring_online",
        "max_time_in_queue",
        "timeout",
        "nostreams",
        "buffer_size",
    ],
)
@pytest.mark.parametrize(
    "literal, shown",
    [
        (str(2**63), "9223372036854775808"),
        ("1e300", "1e+300"),
        (str(-(10**30)), "-1000000000000000000..."),
    ],
)
def test_integer_parameters_beyond_a_bigint_are_invalid_values(call, name, literal, shown):
    reply = call("POST", "/jobs", data=with_param(name, literal), headers=JSON)
    message = f"Invalid value within the request: {shown} is out of range"
    assert answer(reply) == (400, {"status": "400 Bad Request", "message": message})


def test_a_huge_filesize_is_badly_formatted(call):
    body = json.dumps(SUBMISSION).replace('"destinations"', '"filesize": 1e400, "destinations"')
    assert answer(call("POST", "/jobs", data=body, headers=JSON)) == (400, BAD_JSON)


def test_a_64_bit_integer_is_still_accepted(call):
    reply = call("POST", "/jobs", data=with_param("retry", str(2**63 - 1)), headers=JSON)
    assert reply.status_code == 200 and "job_id" in reply.json()


def test_metadata_may_carry_any_integer_a_float_can_hold(call):
    body = {**SUBMISSION, "params": {"job_metadata": {"big": 10**300}}}
    job_id = call("POST", "/jobs", json=body).json()["job_id"]
    assert call("GET", f"/jobs/{job_id}").json()["job_metadata"]["big"] == 10**300


def test_banning_reads_json_with_the_same_decoder(call):
    reply = call(
        "POST", "/ban/se", data=b'{"storage": ' + b"[" * 5000 + b"]" * 5000 + b"}", headers=JSON
    )
    assert answer(reply) == (400, MALFORMED)


def test_voms_and_form_routes_refuse_deep_json_too(call):
    reply = call("POST", "/optimizer/current", data=b"[" * 100_000 + b"]" * 100_000, headers=JSON)
    assert answer(reply) == (400, BAD_JSON)


# --- fields of the wrong JSON type ---------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"storage": ["mock://dst.example"]},  # was TypeError: unhashable type: 'list'
        {"storage": {"a": 1}},
        {"storage": "mock://dst.example", "message": ["why"]},
    ],
)
def test_a_storage_ban_with_a_non_text_field_is_malformed(call, body):
    assert answer(call("POST", "/ban/se", json=body)) == (400, MALFORMED)


def test_a_user_ban_with_a_non_text_dn_is_malformed(call):
    assert answer(call("POST", "/ban/dn", json={"user_dn": ["bob"]})) == (400, MALFORMED)


def test_an_activity_share_for_a_list_of_vos_is_refused(admin):
    reply = admin("POST", "/config/activity_shares", json={"vo": ["dteam"], "share": {"High": 80}})
    assert answer(reply) == (
        400,
        {"status": "400 Bad Request", "message": "Field vo is expected to be str"},
    )


def test_a_grant_of_a_list_of_operations_is_refused(admin):
    reply = admin("POST", "/config/authorize", json={"dn": "/DC=org/CN=x", "operation": ["config"]})
    assert answer(reply) == (
        400,
        {"status": "400 Bad Request", "message": "Field operation is expected to be str"},
    )


# --- /_mock controls: refused inputs change nothing -----------------------------------------


@pytest.mark.parametrize(
    "seconds", ["nan", "NaN", "inf", "-inf", "1e400", "-1", "-1000", "abc", "1e12"]
)
def test_advance_refuses_what_is_not_a_sane_number_of_seconds(fts, seconds):
    before = fts.clock.time()
    reply = requests.post(f"{fts.endpoint}/_mock/advance?seconds={seconds}", timeout=30)
    assert reply.status_code == 400
    assert reply.json()["status"] == "400 Bad Request"
    assert reply.json()["message"].startswith("Invalid value within the request: seconds ")
    assert fts.clock.time() == before


def test_after_a_refused_advance_the_double_still_works(fts, call):
    requests.post(f"{fts.endpoint}/_mock/advance?seconds=nan", timeout=30)
    assert call("POST", "/jobs", json=SUBMISSION).status_code == 200
    reply = requests.post(f"{fts.endpoint}/_mock/advance", json={"seconds": 30}, timeout=30)
    assert reply.status_code == 200 and fts.clock.time() > 0


def test_advance_refuses_to_go_past_the_horizon():
    double = FtsDouble(clock=ManualClock(HORIZON - 10))  # not the session's: its clock stays
    with double.intercept():
        reply = requests.post(f"{DEFAULT_ENDPOINT}/_mock/advance?seconds=11", timeout=30)
    assert reply.status_code == 400 and "past 9000-01-01" in reply.json()["message"]
    assert double.clock.time() == HORIZON - 10


@pytest.mark.parametrize(
    "query, field",
    [
        ("lifetime=1e400", "lifetime"),
        ("lifetime=nan", "lifetime"),
        ("lifetime=0", "lifetime"),
        ("lifetime=-5", "lifetime"),
        ("user=%00", "user"),
        ("vo=" + "x" * 300, "vo"),
    ],
)
def test_token_refuses_bad_lifetimes_and_names(fts, query, field):
    reply = requests.post(f"{fts.endpoint}/_mock/token?{query}", timeout=30)
    assert reply.status_code == 400
    assert reply.json()["message"].startswith(f"Invalid value within the request: {field} ")


def test_token_refuses_a_body_that_is_not_an_object(fts):
    reply = requests.post(f"{fts.endpoint}/_mock/token", json=[1], timeout=30)
    assert answer(reply) == (
        400,
        {"status": "400 Bad Request", "message": "Expecting a dictionary"},
    )


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/config/global", {"vo_name": {}, "retry": 2}),
        ("/config/links", {"symbolicname": ["x"], "source": "mock://a", "destination": "mock://b"}),
        ("/config/links", {"symbolicname": "x", "source": {}, "destination": "mock://b"}),
        (
            "/config/shares",
            {"source": "mock://a", "destination": "mock://b", "vo": [1], "share": 1},
        ),
        ("/config/activity_shares", {"vo": {"a": 1}, "share": {"x": 1}}),
        ("/optimizer/current", {"source_se": [[{}]], "dest_se": "mock://b", "active": 4}),
    ],
)
def test_a_key_that_is_not_text_is_a_400_not_a_500(path, body):
    """Found by a longer fuzz run: configuration keys are dictionary keys in the double
    (the real server fails in its database); any non-text key is refused."""
    from mockfts import FtsDouble

    fts = FtsDouble()
    fts.identity = fts.root()
    with fts.intercept():
        reply = requests.post(f"https://fts3.mock:8446{path}", json=body, timeout=10)
    assert reply.status_code == 400, reply.text
    assert not fts.errors
