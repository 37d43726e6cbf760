"""The official client's command-line tools against the live double, run as a user
runs them: subprocesses, exit codes, printed output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
SRC = "mock://src.example/data/f?size=10"
DST = "mock://dst.example/data/f?size_post=10&time=5"


def job_id_of(done: subprocess.CompletedProcess) -> str:
    return re.search(r"Job id: (\S+)", done.stdout).group(1)


@pytest.fixture
def cli(fts_server):
    token = fts_server.token_for("alice", vo="dteam")

    def run(command: str, *args: str, tokens: bool = False) -> subprocess.CompletedProcess:
        argv = [str(BIN / command), "-s", fts_server.endpoint, "--fts-access-token", token]
        if tokens:
            argv += ["--src-access-token", token, "--dst-access-token", token]
        return subprocess.run(
            argv + list(args),
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "HOME": str(Path.cwd())},
        )

    return run


def test_whoami_prints_dn_vo_and_ids(cli):
    done = cli("fts-rest-whoami")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "User DN: alice",
        "VO: dteam",
        "VO id: 6b10f4e4-8fdc-5555-baa2-7d4850d4f406",
        "Delegation id: ea8de339c942b118",
        "Base id: 01874efb-4735-4595-bc9c-591aef8240c9",
    ]


def test_submit_status_list_and_cancel(fts_server, cli):
    submitted = cli("fts-rest-transfer-submit", SRC, DST, tokens=True)
    assert submitted.returncode == 0, submitted.stderr
    assert submitted.stdout.startswith("Job successfully submitted.")
    job_id = job_id_of(submitted)
    job = fts_server.state.job(job_id)
    assert job.verify_checksum == "n" and job.retry == 0  # the CLI's defaults

    status = cli("fts-rest-transfer-status", job_id)
    assert status.returncode == 0, status.stderr
    assert f"Request ID: {job_id}" in status.stdout and "Status: SUBMITTED" in status.stdout
    assert "VO Name: dteam" in status.stdout and "Client DN: alice" in status.stdout

    listed = cli("fts-rest-transfer-list")
    assert f"Request ID: {job_id}" in listed.stdout

    canceled = cli("fts-rest-transfer-cancel", job_id)
    assert canceled.returncode == 0 and canceled.stdout.strip() == "CANCELED"


def test_status_of_a_finished_job_after_virtual_time_passes(fts_server, cli):
    job_id = job_id_of(cli("fts-rest-transfer-submit", SRC, DST, tokens=True))
    fts_server.run_job(job_id)
    assert "Status: FINISHED" in cli("fts-rest-transfer-status", job_id).stdout


def test_status_of_an_unknown_job_fails(cli):
    done = cli("fts-rest-transfer-status", "00000000-0000-0000-0000-000000000000")
    assert done.returncode != 0
    assert "00000000-0000-0000-0000-000000000000" in done.stderr + done.stdout
