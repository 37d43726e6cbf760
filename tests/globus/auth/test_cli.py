"""globus-cli in client-identity mode against the live double, and `mockglobus serve`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.globus.auth.conftest import ALICE, BOB, CLI_CLIENT

GLOBUS = str(Path(sys.executable).with_name("globus"))


def _globus(env: dict[str, str], home: Path, *args: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("GLOBUS_")}
    full.update(env, HOME=str(home), GLOBUS_CLI_INTERACTIVE="0")
    return subprocess.run([GLOBUS, *args], env=full, capture_output=True, text=True, timeout=60)


def test_cli_whoami_get_identities_and_session_show(globus_server, tmp_path):
    env = globus_server.env()
    whoami = _globus(env, tmp_path, "whoami")
    assert whoami.returncode == 0, whoami.stderr
    assert whoami.stdout.strip() == f"{CLI_CLIENT}@clients.auth.globus.org"

    found = _globus(env, tmp_path, "get-identities", ALICE, BOB, "-Fjson")
    assert found.returncode == 0, found.stderr
    assert [i["username"] for i in json.loads(found.stdout)["identities"]] == [ALICE, BOB]

    session = _globus(env, tmp_path, "session", "show", "-Fjson")
    assert session.returncode == 0, session.stderr
    assert json.loads(session.stdout) == {"session_id": None, "authentications": {}}
    # every command logged in with client credentials; the tokens came from this double
    grants = [e for e in globus_server.journal.entries if e.path == "/v2/oauth2/token"]
    assert grants and all(e.status == 200 for e in grants)


def test_cli_reports_bad_client_credentials(globus_server, tmp_path):
    env = globus_server.env(client_secret="wrong-secret")
    result = _globus(env, tmp_path, "whoami")
    assert result.returncode != 0
    assert globus_server.journal.last.status == 401


@pytest.mark.slow
def test_serve_prints_the_environment_and_stops_on_sigterm(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockglobus", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        env: dict[str, str] = {}
        while "GLOBUS_CLI_CLIENT_SECRET" not in env:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            if line.startswith("export "):
                name, _, value = line[len("export ") :].strip().partition("=")
                env[name] = value
        assert env["GLOBUS_SDK_SERVICE_URL_AUTH"] == env["GLOBUS_SDK_SERVICE_URL_TRANSFER"]
        assert env["GLOBUS_SDK_SERVICE_URL_AUTH"].startswith("http://127.0.0.1:")
        whoami = _globus(env, tmp_path, "whoami")
        assert whoami.returncode == 0, whoami.stderr
        assert whoami.stdout.strip() == f"{env['GLOBUS_CLI_CLIENT_ID']}@clients.auth.globus.org"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read().strip().endswith("stopped")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
