"""Tasks on the virtual clock: what they do to files, their states, counters and events."""

from __future__ import annotations

import threading

import pytest

from mockglobus.transfer import errors as E
from mockglobus.transfer.seed import TUTORIAL_COLLECTION_1 as T1
from mockglobus.transfer.seed import TUTORIAL_COLLECTION_2 as T2
from mockglobus.transfer.vfs import checksum_of


def submit(model, caller, items, **options):
    sid = model.task_ops.get_submission_id(caller)["value"]
    body = {
        "DATA_TYPE": "transfer",
        "submission_id": sid,
        "source_endpoint": T1,
        "destination_endpoint": T2,
        "DATA": items,
        **options,
    }
    return model.task_ops.submit_transfer(caller, body)["task_id"]


def delete(model, caller, paths, endpoint=T2, **options):
    sid = model.task_ops.get_submission_id(caller)["value"]
    body = {
        "DATA_TYPE": "delete",
        "submission_id": sid,
        "endpoint": endpoint,
        "DATA": [{"DATA_TYPE": "delete_item", "path": p} for p in paths],
        **options,
    }
    return model.task_ops.submit_delete(caller, body)["task_id"]


def item(src, dst, recursive=False, **extra):
    return {
        "DATA_TYPE": "transfer_item",
        "source_path": src,
        "destination_path": dst,
        "recursive": recursive,
        **extra,
    }


def put(model, caller, collection, path, data):
    """Write a file into caller's view of a collection (test setup)."""
    coll = model.t.collections[collection]
    mount = model.file_access.mount(coll, caller)
    parts = model.file_access.parts(mount, path)
    coll.volume.put_file(
        "/" + "/".join(parts), data, user=mount.user.name, mtime=model.lookups.now()
    )


def test_recursive_transfer_copies_the_tree_with_sizes_and_checksums(model, alice):
    task_id = submit(
        model, alice, [item("/home/share/godata/", "/~/copy/", True)], verify_checksum=True
    )
    doc = model.wait_for_task(task_id)
    assert doc["status"] == "SUCCEEDED"
    assert (
        doc["files"],
        doc["directories"],
        doc["subtasks_total"],
        doc["subtasks_succeeded"],
        doc["files_transferred"],
        doc["bytes_transferred"],
    ) == (3, 1, 5, 5, 3, 12)
    source = model.file_tree(T1)
    copied = model.file_tree(T2)
    for name in ("file1.txt", "file2.txt", "file3.txt"):
        assert copied[f"/home/alice/copy/{name}"] == source[f"/home/share/godata/{name}"]
    rows = model.task_queries.task_successful_transfers(alice, task_id)["DATA"]
    assert {r["checksum"] for r in rows} == {
        checksum_of(b"abc\n", "MD5"),
        checksum_of(b"def\n", "MD5"),
        checksum_of(b"ghi\n", "MD5"),
    }


def test_single_file_transfer_counts_two_subtasks(model, alice):
    doc = model.wait_for_task(
        submit(model, alice, [item("/home/share/godata/file1.txt", "/~/one.txt")])
    )
    assert (
        doc["files"],
        doc["directories"],
        doc["subtasks_total"],
        doc["subtasks_succeeded"],
        doc["bytes_transferred"],
    ) == (1, 0, 2, 2, 4)


def test_task_is_active_and_queued_before_it_starts(model, alice):
    task_id = submit(model, alice, [item("/home/share/godata/file1.txt", "/~/x")])
    doc = model.task_queries.get_task(alice, task_id)
    assert (doc["status"], doc["nice_status"], doc["completion_time"], doc["is_ok"]) == (
        "ACTIVE",
        "Queued",
        None,
        True,
    )


def test_bytes_progress_with_virtual_time_at_the_configured_throughput(model, alice):
    model.settings.bytes_per_second = 1000.0
    model.settings.file_overhead_s = 0.0
    put(model, alice, T1, "/~/big.bin", b"x" * 10_000)
    task_id = submit(model, alice, [item("/~/big.bin", "/~/big.bin")])
    model.state.advance(1 + 4)  # startup delay, then 4 s of copying
    doc = model.task_queries.get_task(alice, task_id)
    assert doc["status"] == "ACTIVE"
    assert doc["bytes_transferred"] == 4000
    model.state.advance(6)
    doc = model.task_queries.get_task(alice, task_id)
    assert (doc["status"], doc["bytes_transferred"]) == ("SUCCEEDED", 10_000)
    assert doc["effective_bytes_per_second"] == 10_000 // 11


def test_missing_source_fails_the_task_with_file_not_found(model, alice):
    doc = model.wait_for_task(submit(model, alice, [item("/~/nope.txt", "/~/nope.txt")]))
    assert doc["status"] == "FAILED"
    assert doc["fatal_error"]["code"] == "FILE_NOT_FOUND"
    assert doc["nice_status"] is None and doc["completion_time"] is not None


def test_missing_source_is_skipped_with_skip_source_errors(model, alice):
    task_id = submit(
        model,
        alice,
        [item("/~/nope.txt", "/~/nope.txt"), item("/home/share/godata/file2.txt", "/~/two.txt")],
        skip_source_errors=True,
    )
    doc = model.wait_for_task(task_id)
    assert doc["status"] == "SUCCEEDED"
    assert (doc["subtasks_skipped_errors"], doc["files_transferred"]) == (1, 1)
    (skipped,) = model.task_queries.task_skipped_errors(alice, task_id)["DATA"]
    assert (skipped["error_code"], skipped["source_path"]) == ("FILE_NOT_FOUND", "/~/nope.txt")
    events = model.task_queries.task_event_list(alice, task_id, limit="100")["DATA"]
    codes = [e["code"] for e in events]
    assert "SKIPPED_ERRORS" in codes


def test_external_checksum_mismatch_fails_the_task(model, alice):
    task_id = submit(
        model,
        alice,
        [
            item(
                "/home/share/godata/file1.txt",
                "/~/f",
                external_checksum="deadbeef",
                checksum_algorithm="MD5",
            )
        ],
    )
    doc = model.wait_for_task(task_id)
    assert (doc["status"], doc["fatal_error"]["code"]) == ("FAILED", "EXTERNAL_CHECKSUM_MISMATCH")


def test_external_checksum_that_matches_succeeds(model, alice):
    good = checksum_of(b"abc\n", "SHA256")
    doc = model.wait_for_task(
        submit(
            model,
            alice,
            [
                item(
                    "/home/share/godata/file1.txt",
                    "/~/f",
                    external_checksum=good,
                    checksum_algorithm="SHA256",
                )
            ],
        )
    )
    assert doc["status"] == "SUCCEEDED"


def test_corrupted_copy_is_caught_by_verify_checksum_and_retried(model, alice):
    model.building.inject_fault(T2, "VERIFY_CHECKSUM", path_glob="*/f", times=1)
    task_id = submit(
        model, alice, [item("/home/share/godata/file1.txt", "/~/f")], verify_checksum=True
    )
    model.state.advance(3)
    doc = model.task_queries.get_task(alice, task_id)
    assert (doc["status"], doc["nice_status"], doc["faults"], doc["is_ok"]) == (
        "ACTIVE",
        "VERIFY_CHECKSUM",
        1,
        False,
    )
    doc = model.wait_for_task(task_id)
    assert (doc["status"], doc["faults"]) == ("SUCCEEDED", 1)
    assert model.file_tree(T2)["/home/alice/f"][2] == checksum_of(b"abc\n", "MD5")
    errors = model.task_queries.task_event_list(alice, task_id, filter="is_error:1")["DATA"]
    assert [e["code"] for e in errors] == ["VERIFY_CHECKSUM"]


def test_corruption_goes_unnoticed_without_verify_checksum(model, alice):
    model.building.inject_fault(T2, "VERIFY_CHECKSUM", path_glob="*/f", times=1)
    doc = model.wait_for_task(submit(model, alice, [item("/home/share/godata/file1.txt", "/~/f")]))
    assert doc["status"] == "SUCCEEDED"
    assert model.file_tree(T2)["/home/alice/f"][2] != checksum_of(b"abc\n", "MD5")


@pytest.mark.parametrize(
    ("level", "dest", "copied"),
    [
        (0, b"zzzz", False),  # exists
        (1, b"zzzz", False),  # same size
        (1, b"longer", True),  # size differs
        (3, b"zzzz", True),  # checksum differs
        (3, b"abc\n", False),  # checksum same
    ],
)
def test_sync_level_decides_what_is_copied(model, alice, level, dest, copied):
    put(model, alice, T2, "/~/f", dest)
    task_id = submit(model, alice, [item("/home/share/godata/file1.txt", "/~/f")], sync_level=level)
    doc = model.wait_for_task(task_id)
    assert doc["status"] == "SUCCEEDED"
    assert (doc["files_transferred"], doc["files_skipped"]) == ((1, 0) if copied else (0, 1))
    assert doc["subtasks_succeeded"] == doc["subtasks_total"] == 2


def test_sync_level_mtime_copies_only_newer_sources(model, alice, state):
    put(model, alice, T2, "/~/f", b"old!")  # written now, newer than the seeded source
    doc = model.wait_for_task(
        submit(model, alice, [item("/home/share/godata/file1.txt", "/~/f")], sync_level=2)
    )
    assert doc["files_skipped"] == 1


def test_preserve_timestamp_keeps_the_source_mtime(model, alice):
    model.wait_for_task(
        submit(
            model, alice, [item("/home/share/godata/file1.txt", "/~/f")], preserve_timestamp=True
        )
    )
    stat = model.file_ops.operation_stat(alice, T2, "/~/f")
    assert stat["last_modified"] == "2023-12-18 16:52:50+00:00"


def test_filter_rules_exclude_matching_files(model, alice):
    doc = model.wait_for_task(
        submit(
            model,
            alice,
            [item("/home/share/godata/", "/~/c/", True)],
            filter_rules=[
                {"DATA_TYPE": "filter_rule", "method": "exclude", "name": "file2*", "type": "file"}
            ],
        )
    )
    assert doc["files"] == 2
    assert sorted(p for p in model.file_tree(T2) if p.startswith("/home/alice/c/")) == [
        "/home/alice/c/file1.txt",
        "/home/alice/c/file3.txt",
    ]


def test_delete_destination_extra_removes_what_the_source_lacks(model, alice):
    put(model, alice, T2, "/~/c/stale.txt", b"old")
    model.wait_for_task(
        submit(
            model,
            alice,
            [item("/home/share/godata/", "/~/c/", True)],
            delete_destination_extra=True,
        )
    )
    assert "/home/alice/c/stale.txt" not in model.file_tree(T2)
    assert "/home/alice/c/file1.txt" in model.file_tree(T2)


def test_delete_destination_extra_needs_a_recursive_item(model, alice):
    with pytest.raises(E.ClientBadRequest):
        submit(
            model,
            alice,
            [item("/home/share/godata/file1.txt", "/~/f")],
            delete_destination_extra=True,
        )


def test_transfer_without_items_is_refused(model, alice):
    with pytest.raises(E.NoTransferItems) as caught:
        submit(model, alice, [])
    assert caught.value.message == "A transfer requires at least one item"


def test_same_submission_id_creates_one_task_even_under_concurrent_retries(model, alice):
    sid = model.task_ops.get_submission_id(alice)["value"]
    body = {
        "DATA_TYPE": "transfer",
        "submission_id": sid,
        "source_endpoint": T1,
        "destination_endpoint": T2,
        "DATA": [item("/home/share/godata/file1.txt", "/~/f")],
    }
    results: list[dict] = []

    def go():
        results.append(model.task_ops.submit_transfer(alice, dict(body)))

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r["task_id"] for r in results}) == 1
    assert sorted(r["code"] for r in results) == ["Accepted"] + ["Duplicate"] * 7
    assert model.task_queries.task_list(alice)["total"] == 1


def test_delete_removes_files_and_directories_recursively(model, alice):
    put(model, alice, T2, "/~/d/a.txt", b"a")
    put(model, alice, T2, "/~/d/sub/b.txt", b"b")
    doc = model.wait_for_task(delete(model, alice, ["/~/d"], recursive=True))
    assert doc["status"] == "SUCCEEDED"
    assert (doc["files"], doc["directories"], doc["subtasks_total"]) == (2, 2, 4)
    assert not any(p.startswith("/home/alice/d") for p in model.file_tree(T2))


def test_delete_of_a_directory_without_recursive_fails(model, alice):
    put(model, alice, T2, "/~/d/a.txt", b"a")
    doc = model.wait_for_task(delete(model, alice, ["/~/d"]))
    assert doc["status"] == "FAILED"
    assert "/home/alice/d/a.txt" in model.file_tree(T2)


def test_delete_of_a_missing_path_fails_unless_ignore_missing(model, alice):
    doc = model.wait_for_task(delete(model, alice, ["/~/missing"]))
    assert (doc["status"], doc["fatal_error"]["code"], doc["subtasks_failed"]) == (
        "FAILED",
        "FILE_NOT_FOUND",
        1,
    )
    doc = model.wait_for_task(delete(model, alice, ["/~/missing"], ignore_missing=True))
    assert doc["status"] == "SUCCEEDED"


def test_delete_with_interpret_globs_expands_the_last_component(model, alice):
    for name in ("a.txt", "b.txt", "c.csv", "all*.txt"):
        put(model, alice, T2, f"/~/g/{name}", b"x")
    model.wait_for_task(delete(model, alice, ["/~/g/?.txt"], interpret_globs=True))
    left = sorted(p for p in model.file_tree(T2) if p.startswith("/home/alice/g/"))
    assert left == ["/home/alice/g/all*.txt", "/home/alice/g/c.csv"]
    model.wait_for_task(delete(model, alice, ["/~/g/all\\*.txt"], interpret_globs=True))
    left = sorted(p for p in model.file_tree(T2) if p.startswith("/home/alice/g/"))
    assert left == ["/home/alice/g/c.csv"]


def test_cancel_of_an_active_task_fails_it_with_canceled(model, alice):
    task_id = submit(model, alice, [item("/home/share/godata/file1.txt", "/~/f")])
    assert model.task_ops.cancel_task(alice, task_id)["code"] == "Canceled"
    doc = model.task_queries.get_task(alice, task_id)
    assert (doc["status"], doc["fatal_error"]["code"], doc["subtasks_canceled"]) == (
        "FAILED",
        "CANCELED",
        2,
    )
    events = model.task_queries.task_event_list(alice, task_id)["DATA"]
    assert events[0]["code"] == "CANCELED"
    assert events[0]["details"] == "Canceled by the task owner"


def test_cancel_of_finished_task_answers_task_complete(model, alice):
    task_id = submit(model, alice, [item("/home/share/godata/file1.txt", "/~/f")])
    model.wait_for_task(task_id)
    assert model.task_ops.cancel_task(alice, task_id)["code"] == "TaskComplete"
    assert model.task_queries.get_task(alice, task_id)["status"] == "SUCCEEDED"


def test_other_users_tasks_are_not_found(model, alice, bob):
    task_id = submit(model, alice, [item("/home/share/godata/file1.txt", "/~/f")])
    with pytest.raises(E.NotFound):
        model.task_queries.get_task(bob, task_id)
    with pytest.raises(E.NotFound):
        model.task_ops.cancel_task(bob, task_id)
    assert model.task_queries.task_list(bob)["total"] == 0


def test_deadline_expiry_fails_the_task_with_expired(model, alice, state):
    model.settings.bytes_per_second = 1.0
    put(model, alice, T1, "/~/slow.bin", b"x" * 1000)
    deadline = state.clock.now().timestamp() + 60
    from datetime import datetime, timezone

    task_id = submit(
        model,
        alice,
        [item("/~/slow.bin", "/~/slow.bin")],
        deadline=datetime.fromtimestamp(deadline, timezone.utc).isoformat(),
    )
    doc = model.wait_for_task(task_id)
    assert (doc["status"], doc["fatal_error"]["code"], doc["subtasks_expired"]) == (
        "FAILED",
        "EXPIRED",
        1,
    )
    assert doc["completion_time"] == doc["deadline"]


def test_update_changes_label_and_deadline_only_while_running(model, alice):
    task_id = submit(model, alice, [item("/home/share/godata/file1.txt", "/~/f")])
    model.task_ops.update_task(
        alice,
        task_id,
        {"DATA_TYPE": "task", "label": "renamed", "deadline": "2099-01-01T00:00:00+00:00"},
    )
    doc = model.task_queries.get_task(alice, task_id)
    assert (doc["label"], doc["deadline"]) == ("renamed", "2099-01-01T00:00:00+00:00")
    with pytest.raises(E.BadRequest):
        model.task_ops.update_task(alice, task_id, {"sync_level": 3})
    model.wait_for_task(task_id)
    with pytest.raises(E.Conflict):
        model.task_ops.update_task(alice, task_id, {"label": "late"})


def test_at_most_three_transfers_per_user_run_at_once(model, alice):
    model.settings.bytes_per_second = 10.0
    put(model, alice, T1, "/~/f.bin", b"x" * 100)
    ids = [submit(model, alice, [item("/~/f.bin", f"/~/f{i}.bin")]) for i in range(4)]
    model.state.advance(2)
    nice = [model.task_queries.get_task(alice, t)["nice_status"] for t in ids]
    assert nice == ["OK", "OK", "OK", "Queued"]
    assert model.wait_for_task(ids[3])["status"] == "SUCCEEDED"


def test_transient_fault_is_retried_and_counted(model, alice):
    model.building.inject_fault(T2, "CONNECTION_RESET", times=2)
    task_id = submit(model, alice, [item("/home/share/godata/file1.txt", "/~/f")])
    doc = model.wait_for_task(task_id)
    assert (doc["status"], doc["faults"]) == ("SUCCEEDED", 2)


def test_auth_fault_makes_the_task_inactive_until_reactivated(model, alice):
    model.building.inject_fault(T2, "AUTH", path_glob="*/f")
    task_id = submit(model, alice, [item("/home/share/godata/file1.txt", "/~/f")])
    doc = model.wait_for_task(task_id)
    assert (doc["status"], doc["nice_status"], doc["is_ok"]) == ("INACTIVE", "AUTH", False)
    model.building.reactivate_task(task_id)
    assert model.wait_for_task(task_id)["status"] == "SUCCEEDED"


def test_quota_exceeded_fails_with_fail_on_quota_errors(model, alice):
    model.t.collections[T2].volume.quota_bytes = model.t.collections[T2].volume.used_bytes + 2
    doc = model.wait_for_task(
        submit(
            model, alice, [item("/home/share/godata/file1.txt", "/~/f")], fail_on_quota_errors=True
        )
    )
    assert (doc["status"], doc["fatal_error"]["code"]) == ("FAILED", "QUOTA_EXCEEDED")


def test_task_list_filters_orders_and_pages(model, alice):
    ids = [
        submit(model, alice, [item("/home/share/godata/file1.txt", f"/~/f{i}")], label=f"job {i}")
        for i in range(5)
    ]
    model.wait_for_task(ids[-1])
    page = model.task_queries.task_list(alice, limit="2", offset="1", orderby="label ASC")
    assert [t["label"] for t in page["DATA"]] == ["job 1", "job 2"]
    assert (page["total"], page["length"], page["offset"]) == (5, 2, 1)
    listed = model.task_queries.task_list(alice, limit="10")["DATA"]
    assert [t["task_id"] for t in listed] == ids[::-1]
    labelled = model.task_queries.task_list(alice, filter="label:~job [34]/type:TRANSFER")
    assert {t["label"] for t in labelled["DATA"]} == {"job 3", "job 4"}
    done = model.task_queries.task_list(alice, filter="status:SUCCEEDED")
    assert done["total"] == 5
    by_id = model.task_queries.task_list(alice, filter=f"task_id:{ids[1]},{ids[2]}")
    assert {t["task_id"] for t in by_id["DATA"]} == {ids[1], ids[2]}
    with pytest.raises(E.BadRequest):
        model.task_queries.task_list(alice, filter="status:DONE")


def test_pause_rule_pauses_matching_tasks_and_deleting_it_resumes_them(model, alice):
    from mockglobus.transfer.seed import TUTORIAL_ADMIN

    model.settings.bytes_per_second = 1.0
    put(model, alice, T1, "/~/p.bin", b"x" * 10)
    task_id = submit(model, alice, [item("/~/p.bin", "/~/p.bin")])
    model.state.advance(2)
    rule = model.pause_rules.endpoint_manager_create_pause_rule(
        TUTORIAL_ADMIN,
        {
            "DATA_TYPE": "pause_rule",
            "endpoint_id": T2,
            "message": "maintenance",
            "pause_task_transfer_write": True,
        },
    )
    doc = model.task_queries.get_task(alice, task_id)
    assert (doc["status"], doc["is_paused"], doc["nice_status"]) == ("ACTIVE", True, "PAUSED")
    info = model.task_queries.task_pause_info(alice, task_id)
    assert [r["message"] for r in info["pause_rules"]] == ["maintenance"]
    model.state.advance(3600)
    assert model.task_queries.get_task(alice, task_id)["status"] == "ACTIVE"
    model.pause_rules.endpoint_manager_delete_pause_rule(TUTORIAL_ADMIN, rule["id"])
    assert model.wait_for_task(task_id)["status"] == "SUCCEEDED"
    events = model.task_queries.task_event_list(alice, task_id, limit="50")["DATA"]
    codes = [e["code"] for e in events]
    assert "PAUSED" in codes and "UNPAUSED" in codes


def test_pause_rule_needs_the_activity_manager_role(model, alice):
    with pytest.raises(E.PermissionDenied):
        model.pause_rules.endpoint_manager_create_pause_rule(
            alice, {"endpoint_id": T2, "message": "no", "pause_task_transfer_write": True}
        )


def test_admin_cancel_sets_canceled_by_admin(model, alice):
    from mockglobus.transfer.seed import TUTORIAL_ADMIN

    task_id = submit(model, alice, [item("/home/share/godata/file1.txt", "/~/f")])
    done = model.admin_actions.endpoint_manager_cancel_tasks(
        TUTORIAL_ADMIN, {"message": "stop", "task_id_list": [task_id]}
    )
    assert (done["DATA_TYPE"], done["done"], done["task_id_list"]) == (
        "admin_cancel",
        True,
        [task_id],
    )
    doc = model.task_queries.get_task(alice, task_id)
    assert (doc["status"], doc["canceled_by_admin"], doc["canceled_by_admin_message"]) == (
        "FAILED",
        "BOTH",
        "stop",
    )


def test_endpoint_manager_task_list_pages_with_last_key(model, alice, bob):
    from mockglobus.transfer.seed import TUTORIAL_ADMIN

    ids = [
        submit(model, who, [item("/home/share/godata/file1.txt", f"/~/f{i}")])
        for i, who in enumerate([alice, bob, alice])
    ]
    task_list = model.endpoint_manager.endpoint_manager_task_list
    first = task_list(TUTORIAL_ADMIN, {"filter_endpoint": T2, "limit": "2"})
    assert [t["task_id"] for t in first["DATA"]] == ids[:0:-1]
    assert first["has_next_page"] is True
    rest = task_list(
        TUTORIAL_ADMIN, {"filter_endpoint": T2, "limit": "2", "last_key": first["last_key"]}
    )
    assert [t["task_id"] for t in rest["DATA"]] == ids[:1]
    assert rest["has_next_page"] is False
    assert rest["DATA"][0]["owner_string"] == alice.username
    with pytest.raises(E.BadRequest):
        model.endpoint_manager.endpoint_manager_task_list(TUTORIAL_ADMIN, {})
    with pytest.raises(E.PermissionDenied):
        task_list(alice, {"filter_endpoint": T2})
    active = task_list(TUTORIAL_ADMIN, {"filter_status": "ACTIVE,INACTIVE"})
    assert len(active["DATA"]) == 3
