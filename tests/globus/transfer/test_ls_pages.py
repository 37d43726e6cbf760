"""A page of ``ls`` ordered by name, read from the sorted names, is what sorting every
entry would give."""

from __future__ import annotations

import pickle

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockcore.state import ServiceState
from mockglobus.transfer import Caller, TransferModel
from mockglobus.transfer.seed import TUTORIAL_COLLECTION_1 as T1
from mockglobus.transfer.vfs import Children, Dir

from .conftest import ALICE, ALICE_ID, StubAuth

ALICE_CALLER = Caller(ALICE_ID, ALICE)
DIR = "/home/share/many"
name = st.text(st.sampled_from(list("ab.-_Z0~é")), min_size=1, max_size=4).filter(
    lambda n: n not in (".", "..")
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    added=st.lists(name, max_size=40),
    removed=st.lists(st.integers(0, 100), max_size=10),
    listed_once_before=st.booleans(),
    hidden=st.sampled_from([None, "true", "false"]),
    desc=st.booleans(),
    offset=st.integers(0, 45),
    limit=st.integers(1, 50),
)
def test_ls_page_by_name_matches_sorting_every_entry(
    added, removed, listed_once_before, hidden, desc, offset, limit
):
    model = TransferModel(ServiceState(), StubAuth())
    volume = model.t.collections[T1].volume
    directory = volume.put_dir(DIR)

    def ls(**kw):
        return model.file_ops.operation_ls(
            ALICE_CALLER, T1, path=DIR + "/", show_hidden=hidden, **kw
        )

    for i, entry in enumerate(added):
        volume.put_file(f"{DIR}/{entry}", b"x" * i)
        if listed_once_before and i == len(added) // 2:
            ls()  # the sorted names now exist and must follow every later change
    for r in removed:
        if directory.children:
            victim = sorted(directory.children)[r % len(directory.children)]
            if r % 2:
                del directory.children[victim]
            else:
                directory.children.pop(victim)
    way = "DESC" if desc else "ASC"
    got = ls(orderby=f"name {way}", offset=str(offset), limit=str(limit))
    # a second key the fast path does not take: every entry rendered and sorted
    brute = ls(orderby=f"name {way}, type ASC", offset=str(offset), limit=str(limit))
    assert got == brute


def test_directory_entries_survive_a_snapshot_without_their_sorted_names():
    directory = Dir("d", "root", "root", 0o755, 0.0)
    for entry in ("b", "a", "c"):
        directory.children[entry] = Dir(entry, "root", "root", 0o755, 0.0)
    assert isinstance(directory.children, Children)
    assert directory.children.sorted_names() == ["a", "b", "c"]
    copy = pickle.loads(pickle.dumps(directory))
    assert copy.children._sorted is None
    copy.children["0"] = Dir("0", "root", "root", 0o755, 0.0)
    assert copy.children.sorted_names() == ["0", "a", "b", "c"]
