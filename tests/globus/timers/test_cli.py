"""globus-cli's ``timer`` commands against the live double in client-identity mode,
with only the environment the double prints (``GlobusDouble.env()``)."""

from __future__ import annotations

import json

import pytest

from mockglobus.transfer.seed import RESEARCH_COLLECTION_ID
from tests.globus.timers.conftest import GODATA, T1, T2

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(globus_cli):
    return globus_cli


def test_timer_create_transfer_then_list_show_and_runs(cli, globus_server):
    out = cli(
        "timer",
        "create",
        "transfer",
        f"{T1}:{GODATA}file2.txt",
        f"{T2}:/~/copy.txt",
        "--interval",
        "1h",
        "--stop-after-runs",
        "2",
        "--name",
        "from cli",
        "-F",
        "json",
    ).stdout
    created = json.loads(out)  # the CLI prints response["timer"]
    assert (created["name"], created["status"]) == ("from cli", "new")
    assert created["schedule"]["end"] == {"count": 2}
    job_id = created["job_id"]

    listing = cli("timer", "list").stdout
    assert job_id in listing and "from cli" in listing and "Transfer" in listing

    globus_server.advance(3 * 3600)
    shown = cli("timer", "show", job_id).stdout
    assert "Number of Runs:" in shown
    fields = dict(line.split(":", 1) for line in shown.splitlines() if ":" in line)
    assert fields["Number of Runs"].strip() == "2"
    assert fields["Status"].strip() == "ended"
    assert "copy.txt" in cli("ls", f"{T2}:/~/").stdout.split()


def test_timer_on_a_mapped_collection_gets_its_data_access_consent_and_runs(cli, globus_server):
    # in client-identity mode the CLI asks for timer[transfer[data_access]] itself
    out = cli(
        "timer", "create", "transfer",
        f"{RESEARCH_COLLECTION_ID}:/projects/climate/README.txt", f"{T2}:/~/readme.txt",
        "--stop-after-runs", "1",
        "-F", "json",
    ).stdout  # fmt: skip
    job_id = json.loads(out)["job_id"]
    globus_server.advance(60)
    shown = json.loads(cli("timer", "show", job_id, "-F", "json").stdout)
    assert (shown["status"], shown["n_runs"], shown["n_errors"]) == ("ended", 1, 0)
    assert "readme.txt" in cli("ls", f"{T2}:/~/").stdout.split()
