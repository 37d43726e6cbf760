"""Submission rules of fts-rest-flask's ``lib/JobBuilder.py``: the overwrite-on-disk
destination check (``_validate_overwrite_disk_destination``, the final hop only for
multihop jobs) and the string column lengths the double enforces on submitted values,
in each generation (``mockfts.profiles``)."""

from __future__ import annotations

import pytest
import requests

from mockfts import FtsDouble

BASE = "https://fts3.profiles.mock:8446"
DN = "/DC=org/CN=Tape User"
DISK = "davs://disk.example/data/f"
TAPE = "root://tape.example/data/f"


@pytest.fixture(params=["3.14", "3.13", "legacy"])
def submit(request):
    """POST /jobs as a certificate user (tokens may not archive) of one generation."""
    double = FtsDouble(profile=request.param)
    double.identity = double.certificate_user(DN, ["/dteam/Role=NULL"])
    with double.intercept([BASE]):

        def post(files, **params):
            body = {"files": files, "params": params}
            return requests.post(BASE + "/jobs", json=body, timeout=5)

        post.profile = request.param  # type: ignore[attr-defined]
        yield post


def hops(*urls: str) -> list[dict]:
    return [{"sources": [a], "destinations": [b]} for a, b in zip(urls[:-1], urls[1:], strict=True)]


Q = {"multihop": True, "overwrite_hop": True, "overwrite_when_only_on_disk": True}
HTTPS_ONLY = (
    "'overwrite-when-only-on-disk' requires destination to be HTTPs endpoint "
    "(Tape REST API required)"
)


def test_multihop_q_checks_only_the_final_hop(submit):
    reply = submit(hops("gsiftp://a.example/f", TAPE, DISK), archive_timeout=3600, **Q)
    assert reply.status_code == 200, reply.text
    job = requests.get(f"{BASE}/jobs/{reply.json()['job_id']}", timeout=5).json()
    assert job["overwrite_flag"] == (False if submit.profile == "legacy" else "Q")


@pytest.mark.parametrize("final", [TAPE, "HTTPS://disk.example/f", "gsiftp://disk.example/f"])
def test_multihop_q_refuses_a_final_hop_not_on_https(submit, final):
    reply = submit(hops("davs://a.example/f", DISK, final), archive_timeout=3600, **Q)
    assert (reply.status_code, reply.json()["message"]) == (400, HTTPS_ONLY)


def test_without_multihop_every_destination_is_checked(submit):
    files = [
        {"sources": [TAPE], "destinations": [DISK]},
        {"sources": [TAPE], "destinations": [TAPE]},
    ]
    reply = submit(files, archive_timeout=3600, overwrite_when_only_on_disk=True)
    assert (reply.status_code, reply.json()["message"]) == (400, HTTPS_ONLY)


def test_the_disk_check_comes_before_the_urls_are_validated(submit):
    # JobBuilder checks the raw destinations before it builds (and validates) the files
    files = [{"sources": ["no scheme"], "destinations": ["root:/"]}]
    reply = submit(files, archive_timeout=3600, overwrite_when_only_on_disk=True)
    assert (reply.status_code, reply.json()["message"]) == (400, HTTPS_ONLY)


# --- column lengths ------------------------------------------------------------------------


def long_url(length: int) -> str:
    prefix = "mock://src.example/"
    return prefix + "p" * (length - len(prefix))


@pytest.mark.parametrize(
    "entry, params, message",
    [
        ({"sources": [long_url(1101)]}, {}, "Length 1101 exceeds allowed 1100"),
        ({"destinations": [long_url(1101)]}, {}, "Length 1101 exceeds allowed 1100"),
        ({"activity": "a" * 256}, {}, "Length 256 exceeds allowed 255"),
        ({"checksum": "adler32:" + "0" * 93}, {}, "Length 101 exceeds allowed 100"),
        ({"selection_strategy": "s" * 256}, {}, "Length 256 exceeds allowed 255"),
        ({}, {"source_spacetoken": "t" * 256}, "Length 256 exceeds allowed 255"),
    ],
)
def test_overlong_submitted_values_are_refused(submit, entry, params, message):
    files = [{"sources": [long_url(1100)], "destinations": ["mock://dst.example/f"], **entry}]
    reply = submit(files, **params)
    assert reply.status_code == 400
    assert reply.json()["message"] == f"Invalid value within the request: {message}"


def test_the_longest_urls_are_accepted(submit):
    files = [{"sources": [long_url(1100)], "destinations": [long_url(1100)]}]
    assert submit(files).status_code == 200


def test_an_overlong_destination_space_token_is_refused_in_each_generation(submit):
    name = "spacetoken" if submit.profile == "legacy" else "destination_spacetoken"
    files = [{"sources": ["mock://a.example/f"], "destinations": ["mock://b.example/f"]}]
    reply = submit(files, **{name: "t" * 256})
    assert reply.json()["message"].endswith("Length 256 exceeds allowed 255")


def test_an_overlong_deletion_surl_is_refused():
    legacy = FtsDouble(profile="legacy")
    with legacy.intercept([BASE]):
        token = legacy.token_for("a", "dteam")
        reply = requests.post(
            BASE + "/jobs",
            json={"delete": [long_url(901)]},
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
    assert reply.json()["message"] == (
        "Invalid value within the request: Length 901 exceeds allowed 900"
    )
