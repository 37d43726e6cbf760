"""The Search route table names real globus_sdk methods and the views named after them."""

from __future__ import annotations

import globus_sdk

from mockglobus.search.routes import ROUTES, coverage_markdown


def test_every_route_names_a_search_client_method_served_by_the_same_name():
    named = [r.upstream.removeprefix("SearchClient.") for r in ROUTES]
    assert [n for n in named if not hasattr(globus_sdk.SearchClient, n)] == []
    assert [
        r.rule for r in ROUTES if r.view.__name__ != r.upstream.removeprefix("SearchClient.")
    ] == []


def test_coverage_table_lists_every_route_and_what_is_not_served():
    table = coverage_markdown()
    assert "| GET | `/v1/index/<index_id>/search` | SearchClient.search |" in table
    assert "not implemented" in table
