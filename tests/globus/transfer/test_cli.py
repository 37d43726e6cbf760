"""globus-cli 3.43 against the live double in client-identity mode, with only the
environment the double prints (``GlobusDouble.env()``) and a throwaway HOME."""

from __future__ import annotations

import contextlib
import json
import threading

import pytest

from mockglobus.transfer.seed import DEMO_GCP_ID, TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2

T1, T2 = TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(globus_cli):
    return globus_cli


@contextlib.contextmanager
def ticking(double, step: float = 5.0):
    """Let virtual time pass while a CLI command polls (its clock is manual)."""
    stop = threading.Event()

    def tick():
        while not stop.wait(0.05):
            double.advance(step)

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def test_ls_mkdir_and_rename(cli):
    assert cli("ls", f"{T1}:/home/share/godata/").stdout.split() == [
        "file1.txt",
        "file2.txt",
        "file3.txt",
    ]
    assert "created successfully" in cli("mkdir", f"{T1}:/~/made").stdout
    cli("rename", T1, "/~/made", "/~/renamed")
    assert cli("ls", f"{T1}:/~/").stdout.split() == ["renamed/"]
    failed = cli("mkdir", f"{T1}:/~/renamed", expect=1)
    assert "ExternalError.MkdirFailed.Exists" in failed.stderr


def test_transfer_wait_show_list_and_events(cli):
    out = cli(
        "transfer",
        f"{T1}:/home/share/godata/",
        f"{T2}:/~/copy/",
        "-r",
        "--label",
        "from cli",
        "-F",
        "json",
    ).stdout
    task_id = json.loads(out)["task_id"]
    with ticking(cli.double):
        cli("task", "wait", task_id, "--timeout", "30", "--polling-interval", "1")
    shown = json.loads(cli("task", "show", task_id, "-F", "json").stdout)
    assert (shown["status"], shown["files_transferred"], shown["label"]) == (
        "SUCCEEDED",
        3,
        "from cli",
    )
    listed = json.loads(cli("task", "list", "-F", "json").stdout)
    assert [t["task_id"] for t in listed["DATA"]] == [task_id]
    events = json.loads(cli("task", "event-list", task_id, "-F", "json").stdout)
    assert [e["code"] for e in events["DATA"]] == ["SUCCEEDED", "STARTED"]
    listing = cli("ls", "-l", f"{T2}:/~/copy/").stdout
    assert "file1.txt" in listing and "4" in listing


def test_delete_and_rm(cli):
    cli("mkdir", f"{T1}:/~/doomed")
    cli("mkdir", f"{T1}:/~/doomed/inner")
    task_id = json.loads(cli("delete", f"{T1}:/~/doomed", "-r", "-F", "json").stdout)["task_id"]
    with ticking(cli.double):
        cli("task", "wait", task_id, "--timeout", "30", "--polling-interval", "1")
    cli("mkdir", f"{T1}:/~/also")
    with ticking(cli.double):
        cli("rm", "-r", f"{T1}:/~/also", "--timeout", "30")
    assert cli("ls", f"{T1}:/~/").stdout.split() == []


def test_endpoint_search_and_show(cli):
    found = json.loads(cli("endpoint", "search", "tutorial", "-F", "json").stdout)
    assert {T1, T2} <= {e["id"] for e in found["DATA"]}
    shown = cli("endpoint", "show", DEMO_GCP_ID).stdout
    assert "Demo Laptop" in shown
    cli("endpoint", "show", T1, expect=3)  # a GCSv5 collection, not an endpoint


def test_bookmark_commands(cli):
    cli("bookmark", "create", f"{T1}:/home/share/godata/", "godata")
    assert "godata" in cli("bookmark", "list").stdout
    shown = cli("bookmark", "show", "godata").stdout.strip()
    assert shown == f"{T1}:/home/share/godata/"
    cli("bookmark", "rename", "godata", "tutorial-data")
    assert "tutorial-data" in cli("bookmark", "list").stdout
    cli("bookmark", "delete", "tutorial-data")
    assert "tutorial-data" not in cli("bookmark", "list").stdout
