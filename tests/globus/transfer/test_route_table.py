"""The route table names real globus_sdk methods and renders the docs' coverage table."""

from __future__ import annotations

import globus_sdk

from mockglobus.transfer.routes import ROUTE_TABLE, ROUTES, coverage_markdown


def test_every_sdk4_method_named_by_a_route_exists_on_transfer_client():
    named = [
        r.upstream.removeprefix("TransferClient.")
        for r in ROUTES
        if r.upstream and "SDK 3" not in r.note
    ]
    missing = [name for name in named if not hasattr(globus_sdk.TransferClient, name)]
    assert named and missing == []


def test_every_route_is_served_by_the_part_method_named_like_its_sdk_method():
    unlike = [
        (r.rule, r.view.__name__)
        for r in ROUTES
        if r.upstream and r.upstream != f"TransferClient.{r.view.__name__}"
    ]
    assert unlike == []


def test_coverage_table_lists_every_route():
    table = coverage_markdown()
    assert table.count("\n") == len(ROUTE_TABLE) + 2
    assert (
        "| GET | `/v0.10/operation/endpoint/<endpoint_id>/ls` | TransferClient.operation_ls |"
    ) in table
