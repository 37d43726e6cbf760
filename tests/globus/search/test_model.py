"""The Search model without HTTP: groups in visible_to and roles, tasks, the engine's
survival across snapshots, and the Auth adapter."""

from __future__ import annotations

import pickle
import threading

import cloudpickle
import pytest

from mockglobus import GlobusDouble
from mockglobus.auth.for_search import AuthForSearch
from mockglobus.auth.scopes import SEARCH_RS
from mockglobus.search import SearchCaller
from mockglobus.search import errors as E
from mockglobus.search.engine import FullText, phrase
from mockglobus.search.identity import ANONYMOUS

from .conftest import ALICE, ALICE_ID, BOB, BOB_ID

GROUP = "7c1f0000-0000-4000-8000-00000000a0a0"
GROUP_URN = f"urn:globus:groups:id:{GROUP}"


def _index(model, caller) -> str:
    return model.indexes.create_index(caller, {"display_name": "m", "description": ""})["id"]


def _ingest(model, caller, index_id, *entries) -> dict:
    body = {"ingest_type": "GMetaList", "ingest_data": {"gmeta": list(entries)}}
    return model.wait_for_task(model.ingest.ingest(caller, index_id, body)["task_id"])


def _subjects(model, caller, index_id, q="*") -> list[str]:
    return sorted(
        g["subject"] for g in model.queries.post_search(caller, index_id, {"q": q})["gmeta"]
    )


def test_a_group_member_sees_entries_visible_to_the_group(model, alice):
    member = SearchCaller(BOB_ID, BOB, frozenset({BOB_ID}), frozenset({GROUP}))
    stranger = SearchCaller(BOB_ID, BOB, frozenset({BOB_ID}))
    index = _index(model, alice)
    _ingest(
        model,
        alice,
        index,
        {"subject": "lab", "visible_to": [GROUP_URN], "content": {"t": "x"}},
        {"subject": "open", "visible_to": ["public"], "content": {"t": "x"}},
    )
    assert _subjects(model, member, index) == ["lab", "open"]
    assert _subjects(model, stranger, index) == ["open"]
    assert _subjects(model, alice, index) == ["open"]  # the owner is not in the group


def test_a_role_held_by_a_group_grants_its_members(model, alice):
    member = SearchCaller(BOB_ID, BOB, frozenset({BOB_ID}), frozenset({GROUP}))
    index = _index(model, alice)
    with pytest.raises(E.Forbidden):
        model.ingest.ingest(member, index, {"ingest_type": "GMetaEntry", "ingest_data": {}})
    role = model.roles.create_role(alice, index, {"role_name": "writer", "principal": GROUP_URN})
    assert role["principal_type"] == "group"
    done = _ingest(model, member, index, {"subject": "s", "visible_to": ["public"], "content": {}})
    assert done["state"] == "SUCCESS"


def test_principal_sets_are_matched_and_filtered(model, alice):
    index = _index(model, alice)
    alice_urn = f"urn:globus:auth:identity:{ALICE_ID}"
    _ingest(
        model,
        alice,
        index,
        {
            "subject": "a",
            "visible_to": ["public"],
            "content": {"t": "x"},
            "principal_sets": {"mine": [alice_urn], "theirs": ["urn:globus:groups:id:nobody"]},
        },
        {"subject": "b", "visible_to": ["public"], "content": {"t": "x"}},
    )
    found = model.queries.post_search(alice, index, {"q": "*", "filter_principal_sets": ["mine"]})
    assert [g["subject"] for g in found["gmeta"]] == ["a"]
    assert found["gmeta"][0]["entries"][0]["matched_principal_sets"] == ["mine"]


def test_tasks_of_one_index_run_in_submission_order(model, alice):
    index = _index(model, alice)
    first = model.ingest.ingest(
        alice,
        index,
        {
            "ingest_type": "GMetaEntry",
            "ingest_data": {"subject": "s", "visible_to": ["public"], "content": {"v": "one"}},
        },
    )
    second = model.ingest.ingest(
        alice,
        index,
        {
            "ingest_type": "GMetaEntry",
            "ingest_data": {"subject": "s", "visible_to": ["public"], "content": {"v": "two"}},
        },
    )
    model.state.advance(1.5)
    states = [model.ingest.get_task(alice, t["task_id"])["state"] for t in (first, second)]
    assert states == ["PROGRESS", "PENDING"]
    model.wait_for_task(second["task_id"])
    assert model.queries.get_subject(alice, index, {"subject": "s"})["entries"][0]["content"] == {
        "v": "two"
    }


def test_deleting_an_index_cancels_its_pending_tasks(model, alice):
    index = _index(model, alice)
    task = model.ingest.ingest(
        alice,
        index,
        {
            "ingest_type": "GMetaEntry",
            "ingest_data": {"subject": "s", "visible_to": ["public"], "content": {}},
        },
    )
    model.indexes.delete_index(alice, index)
    model.state.advance(10)
    assert model.ingest.get_task(alice, task["task_id"])["state"] == "CANCELLED"


def test_a_subject_holds_at_most_ten_entries(model, alice):
    index = _index(model, alice)
    entries = [
        {"subject": "s", "id": str(n), "visible_to": ["public"], "content": {}} for n in range(11)
    ]
    failed = _ingest(model, alice, index, *entries)
    assert failed["state"] == "FAILED" and "10 entries" in failed["message"]


def test_the_engine_rebuilds_itself_after_pickling(model, alice):
    index = _index(model, alice)
    _ingest(
        model, alice, index, {"subject": "s", "visible_to": ["public"], "content": {"t": "zebra"}}
    )
    engine = model.t.engine
    copy = pickle.loads(cloudpickle.dumps(engine))
    assert copy._conn is None and len(copy) == len(engine) == 1
    assert copy.match(index, phrase("zebra")).keys() == engine.match(index, phrase("zebra")).keys()


def test_a_snapshot_restores_searchable_entries_and_pending_tasks(globus_mock):
    model = globus_mock.state.search
    alice = SearchCaller(ALICE_ID, ALICE, frozenset({ALICE_ID}))
    index = _index(model, alice)
    _ingest(model, alice, index, _doc("kept", "apple"))
    body = {"ingest_type": "GMetaEntry", "ingest_data": _doc("pending", "apple")}
    pending = model.ingest.ingest(alice, index, body)["task_id"]
    blob = globus_mock.state.snapshot()
    _ingest(model, alice, index, _doc("later", "apple"))
    assert _subjects(model, alice, index, "apple") == ["kept", "later", "pending"]
    globus_mock.state.restore(blob)
    model = globus_mock.state.search
    assert _subjects(model, alice, index, "apple") == ["kept"]
    assert model.ingest.get_task(alice, pending)["state"] == "PENDING"
    globus_mock.advance(5)
    assert _subjects(model, alice, index, "apple") == ["kept", "pending"]


def _doc(subject: str, text: str) -> dict:
    return {"subject": subject, "visible_to": ["public"], "content": {"t": text}}


def test_the_engine_answers_many_threads_at_once():
    engine = FullText()
    for key in range(50):
        engine.put(key, "i", {"t": f"word{key % 5} common"})
    errors: list[BaseException] = []

    def hammer(n: int) -> None:
        try:
            for _ in range(50):
                assert len(engine.match("i", phrase(f"word{n % 5}"))) == 10
                engine.put(1000 + n, "j", {"t": "other"})
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_auth_adapter_maps_tokens_to_callers_and_refusals_to_401():
    double = GlobusDouble()
    adapter = AuthForSearch(double.auth, lambda identity_id: frozenset({GROUP}))
    assert adapter.caller_for_token(None) is ANONYMOUS
    caller = adapter.caller_for_token(double.token_for(ALICE, resource_server=SEARCH_RS))
    assert (caller.identity_id, caller.group_ids) == (ALICE_ID, frozenset({GROUP}))
    assert GROUP_URN in caller.principals and "all_authenticated_users" in caller.principals
    with pytest.raises(E.Unauthorized):
        adapter.caller_for_token(double.token_for(ALICE))  # a Transfer token
    with pytest.raises(E.Unauthorized):
        adapter.caller_for_token("forged")
