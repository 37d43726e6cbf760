"""The seeds' curl examples (CERN/EGI docs), run with curl against ``serve_tls`` and a
minted proxy, printing the documented fields. The legacy profile is used, as the seeds
show that generation (``/snapshot`` included)."""

from __future__ import annotations

import json
import shutil
import subprocess

import fts3.rest.client.easy as easy
import pytest

from tests.fts.conftest import SNAPSHOT_KEYS

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")

DN = "/DC=org/DC=terena/DC=tcs/C=NL/O=Stichting EGI/CN=Andrea Manzi"


@pytest.fixture(scope="module")
def site():
    from mockfts import FtsDouble

    double = FtsDouble(profile="legacy")
    proxy = double.proxy(DN, vo="dteam")
    with double.serve_tls() as server:
        yield double, server.url, proxy


def curl(site, path: str, *args: str, cert=None) -> tuple[int, object]:
    double, url, proxy = site
    cert_args = ["-E", str(proxy.path)] if cert is None else cert
    done = subprocess.run(
        [
            "curl",
            "-s",
            "-w",
            "\n%{http_code}",
            *cert_args,
            "--cacert",
            str(double.pki.ca_bundle),
            *args,
            url + path,
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    body, _, code = done.stdout.rpartition("\n")
    return int(code), (json.loads(body) if body.strip() else None)


def test_checking_how_the_server_sees_us(site):
    code, me = curl(site, "/whoami")
    assert code == 200
    assert me["delegation_id"] == "9ab8068853808c6b" and me["user_dn"] == DN
    assert me["dn"][0] == DN and me["vos"] == ["dteam"]
    assert me["voms_cred"] == ["/dteam/Role=NULL/Capability=NULL"]
    assert {"level", "roles", "is_root", "base_id", "vos_id", "method"} <= set(me)


def test_submit_list_by_vo_files_cancel_and_delegation_expiry(site):
    double, url, proxy = site
    ctx = easy.Context(
        url, ucert=str(proxy.path), ukey=str(proxy.path), capath=str(double.pki.capath)
    )
    easy.delegate(ctx)
    code, expiry = curl(site, f"/delegation/{proxy.delegation_id}")
    assert code == 200 and set(expiry) == {"termination_time", "voms_attrs"}

    body = json.dumps(
        {
            "files": [
                {
                    "sources": ["mock://src.example/f?size=10"],
                    "destinations": ["mock://dst.example/f?size_post=10&time=900"],
                }
            ]
        }
    )
    code, submitted = curl(
        site, "/jobs", "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", body
    )
    assert code == 200
    job_id = submitted["job_id"]
    code, listed = curl(site, "/jobs?vo_name=dteam")
    job = next(j for j in listed if j["job_id"] == job_id)
    assert {"source_space_token", "space_token", "overwrite_flag", "verify_checksum"} <= set(job)
    code, files = curl(site, f"/jobs/{job_id}/files")
    assert code == 200 and files[0]["source_surl"] == "mock://src.example/f?size=10"
    code, canceled = curl(site, f"/jobs/{job_id}", "-X", "DELETE")
    assert code == 200 and canceled["job_state"] == "CANCELED"


def test_ban_and_unban_a_storage_as_an_operator(site):
    double, url, _ = site
    host = double.pki.directory / "host"
    root = ["-E", str(host / "hostcert.pem"), "--key", str(host / "hostkey.pem")]
    code, affected = curl(
        site,
        "/ban/se",
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        '{"storage": "gsiftp://banned.example"}',
        cert=root,
    )
    assert code == 200 and affected == []
    code, bans = curl(site, "/ban/se", cert=root)
    assert [b["se"] for b in bans] == ["gsiftp://banned.example"]
    code, nothing = curl(site, "/ban/se?storage=gsiftp://banned.example", "-X", "DELETE", cert=root)
    assert code == 204 and nothing is None


def test_optimizer_values_can_be_set_and_read(site):
    values = json.dumps(
        {
            "source_se": "source-test",
            "dest_se": "dest-test",
            "active": 4,
            "nostreams": 1,
            "ema": 3.4,
            "rationale": "my_reason",
        }
    )
    code, stored = curl(
        site,
        "/optimizer/current",
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        values,
    )
    assert code == 200
    code, current = curl(site, "/optimizer/current?source_se=source-test&dest_se=dest-test")
    assert current[0]["active"] == 4 and current[0]["ema"] == 3.4
    code, evolution = curl(site, "/optimizer/evolution?source_se=source-test&dest_se=dest-test")
    assert evolution[0]["rationale"] == "my_reason"


def test_pair_snapshot_has_the_documented_fields(site):
    double, url, proxy = site
    ctx = easy.Context(
        url, ucert=str(proxy.path), ukey=str(proxy.path), capath=str(double.pki.capath)
    )
    easy.submit(
        ctx,
        easy.new_job(
            [
                easy.new_transfer(
                    "mock://snap-src.example/f?size=1",
                    "mock://snap-dst.example/f?size_post=1&time=999",
                )
            ]
        ),
    )
    code, pairs = curl(site, "/snapshot?vo_name=dteam&source_se=mock://snap-src.example")
    assert code == 200 and len(pairs) == 1
    assert (pairs[0]["source_se"], pairs[0]["dest_se"]) == (
        "mock://snap-src.example",
        "mock://snap-dst.example",
    )
    for pair in pairs:
        assert set(pair) == SNAPSHOT_KEYS


def test_submit_schema(site):
    code, schema = curl(site, "/api-docs/schema/submit")
    assert code == 200 and "spacetoken" in schema["properties"]["params"]["properties"]
