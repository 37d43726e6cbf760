"""The route table names real globus_sdk methods and renders the docs' coverage table."""

from __future__ import annotations

import globus_sdk

from mockglobus.transfer.routes import ROUTE_TABLE, coverage_markdown


def test_every_sdk4_method_named_by_a_route_exists_on_transfer_client():
    named = [sdk for _, _, sdk in ROUTE_TABLE if sdk and "SDK 3" not in sdk]
    missing = [name for name in named if not hasattr(globus_sdk.TransferClient, name)]
    assert named and missing == []


def test_coverage_table_lists_every_route():
    table = coverage_markdown()
    assert table.count("\n") == len(ROUTE_TABLE) + 2
    assert "| GET | `/v0.10/operation/endpoint/<endpoint_id>/ls` | operation_ls |" in table
