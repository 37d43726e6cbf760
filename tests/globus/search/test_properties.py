"""Filters and advanced queries against plain-Python oracles over random entries."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockcore.state import ServiceState
from mockglobus.search import SearchCaller, SearchModel

from .conftest import ALICE, ALICE_ID, StubAuth

ALICE_CALLER = SearchCaller(ALICE_ID, ALICE, frozenset({ALICE_ID}))
TAGS = ["red", "green", "blue", "cyan"]
DATES = ["2020-01-01", "2020-06-15", "2021-03-03", "2022-12-31"]
WORDS = ["alpha", "beta", "gamma", "delta", "omega"]


def _model_with(entries: list[dict[str, Any]]) -> tuple[SearchModel, str]:
    model = SearchModel(ServiceState(), StubAuth())
    index = model.indexes.create_index(ALICE_CALLER, {"display_name": "p", "description": ""})
    if entries:
        body = {
            "ingest_type": "GMetaList",
            "ingest_data": {
                "gmeta": [
                    {"subject": f"s{n}", "visible_to": ["public"], "content": content}
                    for n, content in enumerate(entries)
                ]
            },
        }
        task = model.ingest.ingest(ALICE_CALLER, index["id"], body)
        assert model.wait_for_task(task["task_id"])["state"] == "SUCCESS"
    return model, index["id"]


def _subjects(model: SearchModel, index_id: str, doc: dict[str, Any]) -> set[str]:
    found = model.queries.post_search(ALICE_CALLER, index_id, {"limit": 1000, **doc})
    return {g["subject"] for g in found["gmeta"]}


# ------------------------------------------------------------------ filters

contents = st.fixed_dictionaries(
    {},
    optional={
        "n": st.integers(-5, 5),
        "tag": st.lists(st.sampled_from(TAGS), max_size=3),
        "flag": st.booleans(),
        "when": st.sampled_from(DATES),
    },
)

bound = st.one_of(st.just("*"), st.integers(-6, 6))
leaf_filters = st.one_of(
    st.builds(
        lambda kind, name, values: {"type": kind, "field_name": name, "values": values},
        st.sampled_from(["match_any", "match_all"]),
        st.just("tag"),
        st.lists(st.sampled_from(TAGS), min_size=1, max_size=3),
    ),
    st.builds(
        lambda kind, values: {"type": kind, "field_name": "n", "values": values},
        st.sampled_from(["match_any", "match_all"]),
        st.lists(st.integers(-5, 5), min_size=1, max_size=2),
    ),
    st.builds(lambda v: {"type": "match_any", "field_name": "flag", "values": [v]}, st.booleans()),
    st.builds(
        lambda ranges: {"type": "range", "field_name": "n", "values": ranges},
        st.lists(st.fixed_dictionaries({"from": bound, "to": bound}), min_size=1, max_size=2),
    ),
    st.builds(
        lambda low, high: {
            "type": "range",
            "field_name": "when",
            "values": [{"from": low, "to": high}],
        },
        st.sampled_from(["*", *DATES]),
        st.sampled_from(["*", *DATES]),
    ),
    st.builds(
        lambda name: {"type": "exists", "field_name": name},
        st.sampled_from(["n", "tag", "flag", "when", "absent"]),
    ),
)
filters = st.recursive(
    leaf_filters,
    lambda inner: st.one_of(
        st.builds(lambda f: {"type": "not", "filter": f}, inner),
        st.builds(
            lambda kind, fs: {"type": kind, "filters": fs},
            st.sampled_from(["and", "or"]),
            st.lists(inner, min_size=1, max_size=3),
        ),
    ),
    max_leaves=6,
)


def _values(content: dict[str, Any], name: str) -> list[Any]:
    raw = content.get(name)
    if raw is None:
        return []
    return raw if isinstance(raw, list) else [raw]


def oracle(f: dict[str, Any], content: dict[str, Any]) -> bool:
    kind = f["type"]
    if kind == "not":
        return not oracle(f["filter"], content)
    if kind == "and":
        return all(oracle(g, content) for g in f["filters"])
    if kind == "or":
        return any(oracle(g, content) for g in f["filters"])
    values = _values(content, f["field_name"])
    if kind == "exists":
        return bool(values)
    if kind == "match_any":
        return any(v in values for v in f["values"])
    if kind == "match_all":
        return bool(values) and all(v in values for v in f["values"])
    # range: "from" and "to" inclusive, "*" open; several ranges OR together
    return any(
        (r["from"] == "*" or v >= r["from"]) and (r["to"] == "*" or v <= r["to"])
        for r in f["values"]
        for v in values
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(contents, max_size=10), st.lists(filters, min_size=1, max_size=2))
def test_filters_select_what_the_oracle_selects(entries, chosen):
    model, index_id = _model_with(entries)
    expected = {f"s{n}" for n, c in enumerate(entries) if all(oracle(f, c) for f in chosen)}
    assert _subjects(model, index_id, {"q": "*", "filters": chosen}) == expected


# ------------------------------------------------------------------ advanced queries

words = st.sampled_from(WORDS)
trees = st.recursive(
    words,
    lambda inner: st.one_of(
        st.tuples(st.just("NOT"), inner),
        st.tuples(st.sampled_from(["AND", "OR"]), inner, inner),
    ),
    max_leaves=5,
)


def render(tree: Any) -> str:
    if isinstance(tree, str):
        return tree
    if tree[0] == "NOT":
        return f"(NOT {render(tree[1])})"
    return f"({render(tree[1])} {tree[0]} {render(tree[2])})"


def holds(tree: Any, text: set[str]) -> bool:
    if isinstance(tree, str):
        return tree in text
    if tree[0] == "NOT":
        return not holds(tree[1], text)
    if tree[0] == "AND":
        return holds(tree[1], text) and holds(tree[2], text)
    return holds(tree[1], text) or holds(tree[2], text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(words, min_size=1, max_size=4), min_size=1, max_size=8), trees)
def test_advanced_boolean_queries_match_the_oracle(texts, tree):
    model, index_id = _model_with([{"text": " ".join(t)} for t in texts])
    expected = {f"s{n}" for n, t in enumerate(texts) if holds(tree, set(t))}
    assert _subjects(model, index_id, {"q": render(tree), "advanced": True}) == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(words, min_size=1, max_size=4), min_size=1, max_size=8),
    st.lists(words, min_size=1, max_size=3),
)
def test_simple_queries_match_entries_holding_any_of_the_words(texts, query):
    model, index_id = _model_with([{"text": " ".join(t)} for t in texts])
    expected = {f"s{n}" for n, t in enumerate(texts) if set(t) & set(query)}
    assert _subjects(model, index_id, {"q": " ".join(query)}) == expected
