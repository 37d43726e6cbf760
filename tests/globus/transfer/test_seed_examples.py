"""The usage patterns the Globus SDK documentation teaches, run against the double:
a breadth-first recursive ls, relative task deadlines, and retried submissions that
are executed once."""

from __future__ import annotations

from collections import deque
from datetime import timedelta

import globus_sdk

from mockglobus.transfer.seed import TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2

T1, T2 = TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2


def walk(tc, endpoint, path, max_depth=3):
    """Breadth-first listing: (relative name, type) of everything under ``path``."""
    todo = deque([(path, "", 0)])
    while todo:
        absolute, relative, depth = todo.popleft()
        listing = tc.operation_ls(endpoint, path=absolute)
        for entry in listing["DATA"]:
            name = f"{relative}/{entry['name']}" if relative else entry["name"]
            yield name, entry["type"]
            if entry["type"] == "dir" and depth < max_depth:
                todo.append((listing["path"] + entry["name"], name, depth + 1))


def test_recursive_ls_helper_sees_the_whole_tree(served, tc):
    tc.operation_mkdir(T1, "/~/top")
    tc.operation_mkdir(T1, "/~/top/mid")
    tc.operation_mkdir(T1, "/~/top/mid/low")
    volume = served.model.t.collections[T1].volume
    volume.put_file("/home/alice/top/mid/low/leaf.txt", b"leaf", user="alice")
    assert sorted(walk(tc, T1, "/~/")) == [
        ("top", "dir"),
        ("top/mid", "dir"),
        ("top/mid/low", "dir"),
        ("top/mid/low/leaf.txt", "file"),
    ]
    assert list(walk(tc, T1, "/~/", max_depth=1)) == [("top", "dir"), ("top/mid", "dir")]


def test_relative_deadline_cancels_a_task_still_running_at_it(served, tc):
    served.model.settings.bytes_per_second = 10.0
    served.model.t.collections[T1].volume.put_file(
        "/home/alice/big.bin", b"x" * 10_000, user="alice"
    )
    now = served.double.clock.now().replace(tzinfo=None)  # the double's "utcnow()"
    tdata = globus_sdk.TransferData(T1, T2, deadline=str(now + timedelta(minutes=1)))
    tdata.add_item("/~/big.bin", "/~/big.bin")
    task_id = tc.submit_transfer(tdata)["task_id"]
    served.double.advance(59)
    assert tc.get_task(task_id)["status"] == "ACTIVE"
    served.double.advance(2)
    task = tc.get_task(task_id)
    assert (task["status"], task["fatal_error"]["code"]) == ("FAILED", "EXPIRED")


def submit_with_retries(tc, data, attempts=5):
    """Retry a submission on network and API errors; the submission_id in ``data``
    makes every attempt the same submission."""
    for attempt in range(attempts):
        try:
            return tc.submit_transfer(data)
        except (globus_sdk.NetworkError, globus_sdk.GlobusAPIError):
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def test_retried_submission_runs_once(served, tc):
    served.double.faults.drop(r"/v0.10/transfer", method="POST", times=2)
    served.double.faults.fail(
        r"/v0.10/transfer",
        500,
        method="POST",
        after=0,
        times=1,
        body={
            "code": "ServerError",
            "message": "boom",
            "request_id": "abcdefghi",
            "resource": "/transfer",
        },
    )
    data = globus_sdk.TransferData(T1, T2, label="retried")
    data.add_item("/home/share/godata/file1.txt", "/~/once.txt")
    first = submit_with_retries(tc, data)
    again = submit_with_retries(tc, data)  # e.g. the caller never saw the first reply
    assert first["task_id"] == again["task_id"]
    assert (first["code"], again["code"]) == ("Accepted", "Duplicate")
    assert [t["label"] for t in tc.task_list()] == ["retried"]
    posts = served.double.journal.find("POST", r"/v0.10/transfer")
    assert len(posts) == 5
