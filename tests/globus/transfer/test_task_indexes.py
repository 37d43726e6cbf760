"""The task list read from the indexes answers exactly what filtering every task would."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockcore.state import ServiceState
from mockglobus.transfer import Caller, TransferModel
from mockglobus.transfer.seed import TUTORIAL_COLLECTION_1 as T1
from mockglobus.transfer.seed import TUTORIAL_COLLECTION_2 as T2
from mockglobus.transfer.task_queries import STATUSES
from mockglobus.transfer.tasks import TRANSITIONS, Task

from .conftest import ALICE, ALICE_ID, BOB, BOB_ID, StubAuth

CALLERS = (Caller(ALICE_ID, ALICE), Caller(BOB_ID, BOB))

op = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(CALLERS), st.sampled_from(["TRANSFER", "DELETE"])),
    st.tuples(st.just("move"), st.integers(0, 10_000), st.integers(0, 3)),
    st.tuples(st.just("remove"), st.integers(0, 10_000), st.just(0)),
)
status_filter = st.one_of(
    st.none(),
    st.lists(st.sampled_from(STATUSES), max_size=4).map(lambda s: "status:" + ",".join(s)),
)


def fake_task(model: TransferModel, caller: Caller, kind: str) -> Task:
    seq = next(model.t.seq)
    return Task(
        task_id=f"00000000-0000-4000-8000-{seq:012d}",
        seq=seq,
        type=kind,
        owner_id=caller.identity_id,
        username=caller.username,
        owner_string=caller.username,
        submission_id=f"sub-{seq}",
        request_time=float(seq),
        deadline=float(seq) + 86_400,
        explicit_deadline=False,
        label=f"task {seq}",
        source_id=T1,
        destination_id=T2 if kind == "TRANSFER" else None,
        options={},
        items=[],
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(op, max_size=60),
    who=st.sampled_from(CALLERS),
    filter=status_filter,
    offset=st.integers(0, 40),
    limit=st.integers(1, 25),
)
def test_indexed_task_list_matches_a_filter_over_every_task(ops, who, filter, offset, limit):
    model = TransferModel(ServiceState(), StubAuth())
    made: list[Task] = []
    for name, a, b in ops:
        if name == "add":
            task = fake_task(model, a, b)
            model.t.add_task(task)
            made.append(task)
        elif made:
            task = made[a % len(made)]
            if name == "remove":
                model.t.remove_task(task)
            elif TRANSITIONS[task.status]:
                moves = sorted(TRANSITIONS[task.status])
                model.t.move_task(task, moves[b % len(moves)])
    wanted = set(filter[len("status:") :].split(",")) if filter is not None else set(STATUSES)
    expected = [
        t.task_id
        for t in sorted(model.t.tasks.values(), key=lambda t: -t.seq)
        if t.owner_id == who.identity_id and t.status in wanted
    ]
    got = model.task_queries.task_list(who, offset=str(offset), limit=str(limit), filter=filter)
    assert got["total"] == len(expected)
    assert [d["task_id"] for d in got["DATA"]] == expected[offset : offset + limit]
    assert got["length"] == len(got["DATA"])
