"""The real globus_sdk.SearchClient against the double, in-process on the production URL."""

from __future__ import annotations

import globus_sdk
import pytest
from globus_sdk import SearchQueryV1, SearchScrollQuery
from globus_sdk.testing import get_response_set

from .conftest import ALICE_URN, BOB_URN, entry

# ------------------------------------------------------------------ indexes


def test_create_index_answers_the_recorded_document_shape(sc):
    created = sc.create_index("Awesome", "An index").data
    recorded = get_response_set("search.create_index").lookup("default")
    assert set(created) == set(recorded.json)
    assert (created["is_trial"], created["max_size_in_mb"], created["status"]) == (True, 1, "open")
    shown = sc.get_index(created["id"])
    assert shown["permissions"] == ["owner"] and shown["display_name"] == "Awesome"


def test_index_list_shows_the_callers_indexes_with_their_roles(sc, bob_sc, index):
    bob_index = bob_sc.create_index("Bob's", "")["id"]
    sc.create_role(index, {"role_name": "writer", "principal": BOB_URN})
    listed = {i["id"]: i["permissions"] for i in bob_sc.index_list()}
    assert listed == {bob_index: ["owner"], index: ["writer"]}
    assert [i["id"] for i in bob_sc.index_list(filter_roles=["writer"])] == [index]


def test_a_fourth_trial_index_is_refused_with_the_recorded_error(sc):
    for n in range(3):
        sc.create_index(f"i{n}", "")
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        sc.create_index("one too many", "")
    recorded = get_response_set("search.create_index").lookup("trial_limit")
    err = caught.value
    assert (err.http_status, err.code, err.message) == (
        409,
        "Conflict.LimitExceeded",
        "Role limit exceeded",
    )
    assert err.error_data == recorded.json["error_data"]
    assert len(err.request_id) == 32


def test_update_index_by_a_stranger_is_the_recorded_403(sc, bob_sc, index):
    assert sc.update_index(index, display_name="Renamed")["display_name"] == "Renamed"
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        bob_sc.update_index(index, description="mine now")
    recorded = get_response_set("search.update_index").lookup("forbidden")
    err = caught.value
    assert (err.http_status, err.code, err.message) == (
        403,
        "Forbidden.Generic",
        recorded.json["message"],
    )
    assert err.error_data == recorded.json["error_data"]


def test_delete_then_reopen_and_the_recorded_conflicts(double, sc, index):
    assert sc.delete_index(index).data == {"index_id": index, "acknowledged": True}
    assert sc.get_index(index)["status"] == "delete-pending"
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        sc.delete_index(index)
    pending = get_response_set("search.delete_index").lookup("delete_pending")
    assert (caught.value.code, caught.value.message) == (
        pending.json["code"],
        pending.json["message"],
    )
    assert sc.reopen_index(index)["acknowledged"] is True
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        sc.reopen_index(index)
    already = get_response_set("search.reopen_index").lookup("already_open")
    assert (caught.value.code, caught.value.message) == (
        already.json["code"],
        already.json["message"],
    )


def test_a_deleted_trial_index_is_purged_on_the_clock(double, sc, index):
    sc.delete_index(index)
    double.advance(double.search.settings.trial_purge_seconds + 1)
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        sc.get_index(index)
    assert (caught.value.http_status, caught.value.code) == (404, "NotFound.NoSuchIndex")


def test_unknown_index_is_404_no_such_index(anon):
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        anon.search("3c3f8b7e-0000-4000-8000-000000000000", "*")
    err = caught.value
    assert (err.http_status, err.code) == (404, "NotFound.NoSuchIndex")
    assert err.message == 'There is no search index named "3c3f8b7e-0000-4000-8000-000000000000"'


# ------------------------------------------------------------------ roles


def test_roles_create_list_delete(sc, index):
    role = sc.create_role(index, {"role_name": "writer", "principal": BOB_URN}).data
    recorded = get_response_set("search.create_role").lookup("default")
    assert set(role) == set(recorded.json)
    assert (role["principal_type"], role["role_name"]) == ("identity", "writer")
    names = sorted((r["role_name"], r["principal"]) for r in sc.get_role_list(index)["role_list"])
    assert names == [("owner", ALICE_URN), ("writer", BOB_URN)]
    deleted = sc.delete_role(index, role["id"]).data
    assert deleted == {"deleted": role, "success": True}


def test_the_last_owner_cannot_be_deleted(sc, index):
    owner = sc.get_role_list(index)["role_list"][0]
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        sc.delete_role(index, owner["id"])
    assert caught.value.http_status == 409


def test_a_writer_may_ingest_but_not_manage_roles(double, sc, bob_sc, index, ingest):
    sc.create_role(index, {"role_name": "writer", "principal": BOB_URN})
    assert ingest(entry("b", {"x": "y"}), client=bob_sc)["state"] == "SUCCESS"
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        bob_sc.get_role_list(index)
    assert (caught.value.http_status, caught.value.code) == (403, "Forbidden.Generic")


# ------------------------------------------------------------------ ingest and tasks


def test_ingest_task_goes_pending_progress_success_on_the_clock(double, sc, index):
    task_id = sc.ingest(
        index,
        {"ingest_type": "GMetaEntry", "ingest_data": entry("s", {"title": "hello"})},
    )["task_id"]
    states = [sc.get_task(task_id)["state"]]
    double.advance(1.0)
    states.append(sc.get_task(task_id)["state"])
    double.advance(1.0)
    done = sc.get_task(task_id)
    states.append(done["state"])
    assert states == ["PENDING", "PROGRESS", "SUCCESS"]
    assert done["completion_date"] is not None and done["index_id"] == index
    assert sc.search(index, "hello")["total"] == 1
    assert [t["task_id"] for t in sc.get_task_list(index)["tasks"]] == [task_id]


def test_entries_are_not_searchable_before_their_task_ran(double, sc, index):
    sc.ingest(index, {"ingest_type": "GMetaEntry", "ingest_data": entry("s", {"t": "early"})})
    assert sc.search(index, "early")["total"] == 0
    double.advance(2.0)
    assert sc.search(index, "early")["total"] == 1


def test_a_type_conflict_fails_the_task_and_writes_nothing(sc, index, ingest):
    assert ingest(entry("a", {"n": 1}))["state"] == "SUCCESS"
    failed = ingest(entry("b", {"n": "not a number"}), entry("c", {"n": 3}))
    assert failed["state"] == "FAILED" and "'n'" in failed["message"]
    assert sc.post_search(index, {"q": "*"})["total"] == 1


def test_widening_stores_an_int_in_a_double_field(sc, index, ingest):
    ingest(entry("a", {"x": 1.5}))
    assert ingest(entry("b", {"x": 2}))["state"] == "SUCCESS"
    found = sc.post_search(
        index,
        {"filters": [{"type": "range", "field_name": "x", "values": [{"from": 1.9, "to": 2.1}]}]},
    )
    assert [g["subject"] for g in found["gmeta"]] == ["b"]


def test_later_ingest_replaces_the_entry_with_the_same_subject_and_id(sc, index, ingest):
    ingest(entry("s", {"title": "first"}))
    ingest(entry("s", {"title": "second"}))
    result = sc.get_subject(index, "s")
    assert [e["content"] for e in result["entries"]] == [{"title": "second"}]


def test_an_ingest_missing_visible_to_is_the_cli_recorded_validation_error(sc, index):
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        sc.ingest(
            index,
            {
                "ingest_type": "GMetaEntry",
                "ingest_data": {"subject": "x", "content": {}, "id": "e"},
            },
        )
    err = caught.value
    assert (err.http_status, err.code) == (400, "BadRequest.ValidationError")
    assert err.error_data == {
        "messages": {"json": {"ingest_data": {"visible_to": ["Missing data for required field."]}}}
    }


def test_an_anonymous_caller_cannot_ingest(anon, index):
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        anon.ingest(index, {"ingest_type": "GMetaEntry", "ingest_data": entry("s", {})})
    assert caught.value.http_status == 401


# ------------------------------------------------------------------ queries


def test_relevance_ranks_the_entry_matching_more_terms_first(sc, index, ingest):
    ingest(
        entry("one", {"text": "a report about climate"}),
        entry("three", {"text": "climate ocean temperature measurements"}),
        entry("two", {"text": "ocean and climate"}),
        entry("none", {"text": "unrelated words"}),
    )
    found = sc.search(index, "climate ocean temperature")
    assert [g["subject"] for g in found["gmeta"]] == ["three", "two", "one"]
    assert found["total"] == 3


def test_words_are_tokenised_not_substrings(sc, index, ingest):
    ingest(entry("a", {"t": "Catalogue of Cats"}), entry("b", {"t": "concatenate"}))
    assert [g["subject"] for g in sc.search(index, "cats")["gmeta"]] == ["a"]
    assert [g["subject"] for g in sc.search(index, "cat*")["gmeta"]] == ["a"]


def test_a_quoted_phrase_matches_words_in_order(sc, index, ingest):
    ingest(entry("a", {"t": "big red dog"}), entry("b", {"t": "red big dog"}))
    assert [g["subject"] for g in sc.search(index, '"big red"')["gmeta"]] == ["a"]


def test_advanced_queries_fields_booleans_and_ranges(sc, index, ingest):
    ingest(
        entry("a", {"author": "Ada Lovelace", "year": 1843, "tags": ["math", "engine"]}),
        entry("b", {"author": "Charles Babbage", "year": 1837, "tags": ["engine"]}),
        entry("c", {"author": "Alan Turing", "year": 1936, "tags": ["math"]}),
    )

    def subjects(q: str) -> list[str]:
        return sorted(g["subject"] for g in sc.search(index, q, advanced=True)["gmeta"])

    assert subjects('author:"Ada Lovelace"') == ["a"]
    assert subjects("tags:engine AND NOT author:ada") == ["b"]
    assert subjects("year:[1840 TO 1950]") == ["a", "c"]
    assert subjects("year:>1900 OR author:charles") == ["b", "c"]
    assert subjects("tags:math -year:<1900") == ["c"]
    assert subjects("(alan OR ada) AND tags:math") == ["a", "c"]


@pytest.mark.parametrize("q", ["a AND", "(unclosed", 'unterminated "quote', "x OR OR y", "f:"])
def test_a_bad_advanced_query_is_400_and_simple_mode_never_fails(sc, index, ingest, q):
    ingest(entry("a", {"t": "x"}))
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        sc.search(index, q, advanced=True)
    assert (caught.value.http_status, caught.value.code) == (400, "BadRequest.InvalidQuery")
    assert sc.search(index, q)["count"] >= 0


def test_a_query_longer_than_256_characters_is_refused(sc, index):
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        sc.search(index, "x" * 257)
    assert caught.value.http_status == 400


CATALOG = [
    entry("a", {"kind": "dataset", "size": 10, "date": "2020-01-15", "tags": ["x", "y"]}),
    entry("b", {"kind": "dataset", "size": 200, "date": "2020-06-01", "tags": ["y"]}),
    entry("c", {"kind": "paper", "size": 50, "date": "2021-02-03", "tags": ["x", "z"]}),
    entry("d", {"kind": "paper", "date": "2022-12-31"}),
]


@pytest.fixture
def catalog(ingest):
    ingest(*CATALOG)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([{"type": "match_any", "field_name": "tags", "values": ["z", "y"]}], "abc"),
        ([{"type": "match_all", "field_name": "tags", "values": ["x", "y"]}], "a"),
        ([{"type": "range", "field_name": "size", "values": [{"from": 20, "to": "*"}]}], "bc"),
        (
            [
                {
                    "type": "range",
                    "field_name": "date",
                    "values": [{"from": "2020-05-01", "to": "2021-12-31"}],
                }
            ],
            "bc",
        ),
        ([{"type": "range", "field_name": "size", "values": [{"lt": 20}, {"gt": 100}]}], "ab"),
        ([{"type": "exists", "field_name": "size"}], "abc"),
        ([{"type": "not", "filter": {"type": "exists", "field_name": "size"}}], "d"),
        ([{"type": "like", "field_name": "kind", "value": "pap*"}], "cd"),
        (
            [
                {
                    "type": "or",
                    "filters": [
                        {"type": "match_any", "field_name": "kind", "values": ["paper"]},
                        {
                            "type": "and",
                            "filters": [
                                {"type": "match_any", "field_name": "tags", "values": ["y"]},
                                {
                                    "type": "not",
                                    "filter": {
                                        "type": "match_any",
                                        "field_name": "tags",
                                        "values": ["x"],
                                    },
                                },
                            ],
                        },
                    ],
                }
            ],
            "bcd",
        ),
        (
            [
                {"type": "match_any", "field_name": "kind", "values": ["dataset"]},
                {"type": "range", "field_name": "size", "values": [{"from": 100, "to": "*"}]},
            ],
            "b",
        ),
    ],
)
def test_filters(sc, index, catalog, filters, expected):
    found = sc.post_search(index, SearchQueryV1(q="*", filters=filters))
    assert "".join(sorted(g["subject"] for g in found["gmeta"])) == expected


def test_an_unknown_filter_type_is_a_validation_error(sc, index, catalog):
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        sc.post_search(index, {"q": "*", "filters": [{"type": "nearby", "field_name": "x"}]})
    assert (caught.value.http_status, caught.value.code) == (400, "BadRequest.ValidationError")


def test_facets(sc, index, catalog):
    found = sc.post_search(
        index,
        SearchQueryV1(
            q="*",
            facets=[
                {"type": "terms", "field_name": "kind"},
                {"type": "terms", "field_name": "tags", "name": "top tag", "size": 1},
                {"type": "sum", "field_name": "size"},
                {"type": "avg", "field_name": "size", "name": "mean size"},
                {"type": "date_histogram", "field_name": "date", "date_interval": "year"},
                {
                    "type": "numeric_histogram",
                    "field_name": "size",
                    "name": "sizes",
                    "size": 2,
                    "histogram_range": {"low": 0, "high": 200},
                },
            ],
            post_facet_filters=[{"type": "match_any", "field_name": "kind", "values": ["paper"]}],
        ),
    )
    facets = {f["name"]: f for f in found["facet_results"]}
    assert facets["kind"]["buckets"] == [
        {"value": "dataset", "count": 2},
        {"value": "paper", "count": 2},
    ]
    assert facets["top tag"]["buckets"] == [{"value": "x", "count": 2}]
    assert facets["size"]["value"] == 260
    assert facets["mean size"]["value"] == pytest.approx(260 / 3)
    assert [(b["value"][:4], b["count"]) for b in facets["date"]["buckets"]] == [
        ("2020", 2),
        ("2021", 1),
        ("2022", 1),
    ]
    assert facets["sizes"]["buckets"] == [
        {"value": {"from": 0.0, "to": 100.0}, "count": 2},
        {"value": {"from": 100.0, "to": 200.0}, "count": 0},
    ]
    # post_facet_filters narrow the results, not the facet counts
    assert sorted(g["subject"] for g in found["gmeta"]) == ["c", "d"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ([{"field_name": "size", "order": "asc"}], "acbd"),
        ([{"field_name": "size", "order": "desc"}], "bcad"),
        ([{"field_name": "date", "order": "desc"}], "dcba"),
        ([{"field_name": "kind", "order": "asc"}, {"field_name": "size", "order": "desc"}], "bacd"),
    ],
)
def test_sort(sc, index, catalog, sort, expected):
    found = sc.post_search(index, SearchQueryV1(q="*", sort=sort))
    assert "".join(g["subject"] for g in found["gmeta"]) == expected


def test_a_boost_reorders_by_the_boosted_field(sc, index, ingest):
    ingest(
        entry("in-title", {"title": "galaxy", "body": "stars"}),
        entry("in-body", {"title": "stars", "body": "galaxy galaxy"}),
    )
    plain = sc.post_search(index, {"q": "galaxy"})
    boosted = sc.post_search(
        index, {"q": "galaxy", "boosts": [{"field_name": "title", "factor": 20}]}
    )
    assert [g["subject"] for g in plain["gmeta"]][0] == "in-body"
    assert [g["subject"] for g in boosted["gmeta"]][0] == "in-title"


def test_offset_limit_paging_and_the_paginator(sc, index, ingest):
    ingest(*[entry(f"s{n:02}", {"n": n}) for n in range(25)])
    page = sc.post_search(
        index, {"q": "*", "sort": [{"field_name": "n", "order": "asc"}]}, offset=20, limit=10
    )
    assert (page["total"], page["count"], page["offset"], page["has_next_page"]) == (
        25,
        5,
        20,
        False,
    )
    assert [g["subject"] for g in page["gmeta"]] == [f"s{n}" for n in range(20, 25)]
    first = sc.search(index, "*", limit=10)
    assert (first["count"], first["has_next_page"]) == (10, True)
    every = [g["subject"] for g in sc.paginated.search(index, "*").items()]
    assert sorted(every) == [f"s{n:02}" for n in range(25)]


def test_offset_plus_limit_beyond_10000_is_refused(sc, index):
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        sc.post_search(index, {"q": "*"}, offset=9_995, limit=10)
    assert caught.value.http_status == 400


def test_scroll_pages_with_markers_until_the_end(sc, index, ingest):
    ingest(*[entry(f"s{n}", {"n": n}) for n in range(7)])
    first = sc.scroll(index, SearchScrollQuery("*", limit=3))
    assert (first["count"], first["total"], first["has_next_page"]) == (3, 7, True)
    second = sc.scroll(index, SearchScrollQuery("*", limit=3), marker=first["marker"])
    assert second["count"] == 3 and second["marker"] != first["marker"]
    every = [
        g["subject"] for g in sc.paginated.scroll(index, SearchScrollQuery("*", limit=3)).items()
    ]
    assert sorted(every) == [f"s{n}" for n in range(7)]
    last = sc.scroll(index, SearchScrollQuery("*", limit=7))
    assert (last["has_next_page"], last["marker"]) == (False, None)


def test_a_forged_marker_is_refused(sc, index):
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        sc.scroll(index, SearchScrollQuery("*"), marker="not-a-marker")
    assert caught.value.http_status == 400


# ------------------------------------------------------------------ visibility


@pytest.fixture
def mixed(ingest):
    ingest(
        entry("public", {"t": "shared data"}),
        entry("alice-only", {"t": "shared data"}, visible_to=[ALICE_URN]),
        entry("bob-only", {"t": "shared data"}, visible_to=[BOB_URN]),
        entry("signed-in", {"t": "shared data"}, visible_to=["all_authenticated_users"]),
        entry("multi", {"t": "shared data"}, visible_to=[BOB_URN], entry_id="bob"),
        entry("multi", {"t": "shared data"}, visible_to=["public"], entry_id="all"),
    )


def _subjects(result) -> list[str]:
    return sorted(g["subject"] for g in result["gmeta"])


def test_anonymous_sees_public_entries_only(anon, index, mixed):
    assert _subjects(anon.search(index, "shared")) == ["multi", "public"]


def test_each_user_sees_their_own_identitys_entries(sc, bob_sc, index, mixed):
    assert _subjects(sc.search(index, "shared")) == ["alice-only", "multi", "public", "signed-in"]
    bobs = bob_sc.post_search(index, {"q": "shared"})
    assert _subjects(bobs) == ["bob-only", "multi", "public", "signed-in"]
    multi = next(g for g in bobs["gmeta"] if g["subject"] == "multi")
    assert [e["entry_id"] for e in multi["entries"]] == ["all", "bob"]


def test_entries_hidden_from_the_caller_are_dropped_from_a_subject(sc, index, mixed):
    multi = sc.get_subject(index, "multi")
    assert [e["entry_id"] for e in multi["entries"]] == ["all"]
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        sc.get_subject(index, "bob-only")
    assert caught.value.http_status == 404


def test_bypass_visible_to_is_for_admins_and_owners(sc, bob_sc, index, mixed):
    seen = sc.search(index, "shared", query_params={"bypass_visible_to": "true"})
    assert seen["total"] == 5
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        bob_sc.search(index, "shared", query_params={"bypass_visible_to": "true"})
    assert caught.value.http_status == 403


def test_fields_asks_for_visible_to(sc, index, mixed):
    found = sc.post_search(index, {"q": "shared", "fields": ["visible_to"]})
    item = found["gmeta"][0]["entries"][0]
    assert "visible_to" in item and "content" not in item


def test_get_entry_returns_exactly_one_entry(anon, index, mixed):
    got = anon.get_entry(index, "multi", entry_id="all")
    assert got["subject"] == "multi" and [e["entry_id"] for e in got["entries"]] == ["all"]
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        anon.get_entry(index, "multi", entry_id="bob")
    assert caught.value.http_status == 404


# ------------------------------------------------------------------ deletes


def test_delete_subject_entry_by_query_and_batch_are_tasks(double, sc, index, ingest):
    ingest(
        entry("a", {"k": "keep"}),
        entry("b", {"k": "drop"}),
        entry("c", {"k": "x"}, entry_id="1"),
        entry("c", {"k": "x"}, entry_id="2"),
        entry("d", {"k": "x"}),
        entry("e", {"k": "x"}, visible_to=[BOB_URN]),
    )
    wait = double.search.wait_for_task
    assert wait(sc.delete_subject(index, "a")["task_id"])["state"] == "SUCCESS"
    assert wait(sc.delete_entry(index, "c", entry_id="1")["task_id"])["state"] == "SUCCESS"
    task = sc.delete_by_query(index, {"q": "drop"})
    assert sc.get_task(task["task_id"])["state"] == "PENDING"
    assert wait(task["task_id"])["state"] == "SUCCESS"
    assert wait(sc.batch_delete_by_subject(index, ["d", "e"])["task_id"])["state"] == "SUCCESS"
    left = sc.search(index, "*", query_params={"bypass_visible_to": "true"})
    assert [(g["subject"], [e["entry_id"] for e in g["entries"]]) for g in left["gmeta"]] == [
        ("c", ["2"])
    ]
    assert sc.get_index(index)["num_entries"] == 1


# ------------------------------------------------------------------ tokens


def test_a_transfer_token_is_refused_with_401(double, index):
    transfer_token = double.token_for("alice@globusid.org")  # resource server: Transfer
    sc = globus_sdk.SearchClient(authorizer=globus_sdk.AccessTokenAuthorizer(transfer_token))
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        sc.search(index, "*")
    err = caught.value
    assert (err.http_status, err.code) == (401, "Unauthorized.Generic")
    assert "search.api.globus.org" in err.message


def test_a_search_token_is_refused_by_transfer(double):
    token = double.token_for("alice@globusid.org", resource_server="search.api.globus.org")
    tc = globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))
    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        tc.endpoint_search("Tutorial")
    assert caught.value.http_status == 401


def test_unknown_search_route_answers_in_the_search_shape(sc):
    with pytest.raises(globus_sdk.SearchAPIError) as caught:
        sc.get("/v1/index/abc/nothing_here")
    err = caught.value
    assert err.http_status == 404 and err.raw_json["@datatype"] == "GError"
    assert "closest route" in err.message
