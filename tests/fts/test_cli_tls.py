"""The official CLI over TLS with a minted proxy, as a grid user runs it against
``mockfts serve --tls``: the seeds' flow of whoami, delegate, submit, status, list,
cancel, and the deletion submission today's servers refuse."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    pki = tmp_path_factory.mktemp("pki")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockfts",
            "serve",
            "--tls",
            "--port",
            "0",
            "--speed",
            "50",
            "--pki",
            str(pki),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = [proc.stdout.readline() for _ in range(4)]
    url = lines[0].split()[-1]
    env = dict(os.environ, HOME=str(pki))
    for line in lines:
        if line.startswith("export "):
            key, _, value = line[7:].strip().partition("=")
            env[key] = value
    yield url, env
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=10)


def run(tls_server, command: str, *args: str) -> subprocess.CompletedProcess:
    url, env = tls_server
    return subprocess.run(
        [str(BIN / command), "-s", url, *args], capture_output=True, text=True, timeout=60, env=env
    )


def test_serve_tls_prints_the_exports(tls_server):
    url, env = tls_server
    assert url.startswith("https://127.0.0.1:")
    assert Path(env["X509_USER_PROXY"]).is_file() and Path(env["X509_CERT_DIR"]).is_dir()


def test_whoami_over_tls(tls_server):
    done = run(tls_server, "fts-rest-whoami")
    assert done.returncode == 0, done.stderr
    assert "User DN: /DC=org/DC=example/OU=Users/CN=Grid User" in done.stdout
    assert "VO: dteam" in done.stdout


def test_delegate_submit_status_list_cancel(tls_server):
    delegated = run(tls_server, "fts-rest-delegate")
    assert delegated.returncode == 0, delegated.stderr
    submitted = run(
        tls_server,
        "fts-rest-transfer-submit",
        "mock://a.example/f?size=10",
        "mock://b.example/f?size_post=10&time=600",
    )
    assert submitted.returncode == 0, submitted.stderr
    job_id = re.search(r"Job id: (\S+)", submitted.stdout).group(1)
    status = run(tls_server, "fts-rest-transfer-status", job_id)
    assert re.search(r"Status: (SUBMITTED|READY|ACTIVE)", status.stdout), status.stdout
    assert job_id in run(tls_server, "fts-rest-transfer-list").stdout
    canceled = run(tls_server, "fts-rest-transfer-cancel", job_id)
    assert canceled.stdout.strip() == "CANCELED"


def test_multihop_and_deterministic_submissions(tls_server, tmp_path):
    import json

    bulk = tmp_path / "bulk.json"
    bulk.write_text(
        json.dumps(
            {
                "files": [
                    {
                        "sources": ["mock://a.example/f?size=1"],
                        "destinations": ["mock://b.example/f?size_post=1"],
                    },
                    {
                        "sources": ["mock://b.example/f?size=1"],
                        "destinations": ["mock://c.example/f?size_post=1"],
                    },
                ],
                "params": {"id_generator": "deterministic", "sid": "tls-test-1"},
            }
        )
    )
    run(tls_server, "fts-rest-delegate")
    done = run(tls_server, "fts-rest-transfer-submit", "-f", str(bulk), "--multi-hop")
    assert done.returncode == 0, done.stderr
    job_id = re.search(r"Job id: (\S+)", done.stdout).group(1)
    base = uuid.UUID("01874efb-4735-4595-bc9c-591aef8240c9")
    assert job_id == str(uuid.uuid5(uuid.uuid5(base, "dteam"), "tls-test-1"))
    status = run(tls_server, "fts-rest-transfer-status", job_id)
    assert f"Request ID: {job_id}" in status.stdout
    again = run(tls_server, "fts-rest-transfer-submit", "-f", str(bulk), "--multi-hop")
    assert again.returncode != 0 and "409" in again.stderr + again.stdout


def test_deletion_submission_is_refused(tls_server):
    run(tls_server, "fts-rest-delegate")
    done = run(tls_server, "fts-rest-delete-submit", "mock://a.example/f")
    assert done.returncode != 0
    assert "Deletion jobs are no longer supported by FTS" in done.stderr + done.stdout


def test_operator_bans_and_checks_the_server(tls_server):
    url, env = tls_server
    host = Path(env["X509_CERT_DIR"]).parent / "host"
    as_root = ["--cert", str(host / "hostcert.pem"), "--key", str(host / "hostkey.pem")]
    banned = run(
        tls_server, "fts-rest-ban", *as_root, "--storage", "mock://b.example", "--status", "wait"
    )
    assert banned.returncode == 0, banned.stderr
    assert "No jobs affected" in banned.stdout or "Affected jobs" in banned.stdout
    unbanned = run(tls_server, "fts-rest-ban", *as_root, "--storage", "mock://b.example", "--unban")
    assert unbanned.returncode == 0, unbanned.stderr
    status = run(tls_server, "fts-rest-server-status", *as_root)
    assert status.returncode == 0, status.stderr
    user = run(tls_server, "fts-rest-ban", "--storage", "mock://b.example")
    assert user.returncode != 0 and "Not enough permissions" in user.stderr + user.stdout


def test_submit_with_a_checksum_to_verify(tls_server):
    run(tls_server, "fts-rest-delegate")
    done = run(
        tls_server,
        "fts-rest-transfer-submit",
        "-K",
        "mock://a.example/f?size=10&checksum=0000abcd",
        "mock://b.example/f?size_post=10&time=2&checksum=abcd",
        "ADLER32:abcd",
    )
    assert done.returncode == 0, done.stderr
    job_id = re.search(r"Job id: (\S+)", done.stdout).group(1)
    import json

    shown = run(tls_server, "fts-rest-transfer-status", "-j", job_id)
    job = json.loads(shown.stdout)
    assert job["verify_checksum"] == "b"
    assert job["files"][0]["checksum"] == "ADLER32:abcd"
