"""globus-cli's ``globus search`` against the live double in client-identity mode, with
only the environment the double prints (``GlobusDouble.env()``) and a throwaway HOME."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(globus_cli):
    return globus_cli


def test_index_create_ingest_task_and_query(cli, tmp_path):
    index = json.loads(
        cli("search", "index", "create", "CLI index", "made by the CLI", "-F", "json").stdout
    )
    assert index["status"] == "open"
    doc = tmp_path / "doc.json"
    doc.write_text(
        json.dumps(
            {
                "@datatype": "GMetaList",
                "gmeta": [
                    {"subject": "s1", "visible_to": ["public"], "content": {"t": "comet tail"}},
                    {"subject": "s2", "visible_to": ["public"], "content": {"t": "planet"}},
                ],
            }
        )
    )
    task = json.loads(cli("search", "ingest", index["id"], str(doc), "-F", "json").stdout)
    assert task["acknowledged"] is True
    cli.double.advance(5)
    assert "SUCCESS" in cli("search", "task", "show", task["task_id"]).stdout
    assert cli("search", "query", index["id"], "-q", "comet").stdout.split() == ["s1"]
    listed = cli("search", "index", "list").stdout
    assert index["id"] in listed and "owner" in listed


def test_query_of_an_unknown_index_prints_the_search_error(cli):
    failed = cli("search", "query", "3c3f8b7e-0000-4000-8000-000000000000", "-q", "*", expect=1)
    assert "NotFound.NoSuchIndex" in failed.stderr
    assert 'There is no search index named "3c3f8b7e-0000-4000-8000-000000000000"' in failed.stderr


def test_ingest_missing_visible_to_prints_the_validation_error(cli, tmp_path):
    index = json.loads(cli("search", "index", "create", "v", "", "-F", "json").stdout)["id"]
    doc = tmp_path / "bad.json"
    doc.write_text(
        json.dumps({"ingest_type": "GMetaEntry", "ingest_data": {"subject": "x", "content": {}}})
    )
    failed = cli("search", "ingest", index, str(doc), expect=1)
    assert "BadRequest.ValidationError" in failed.stderr
    assert "Missing data for required field" in failed.stderr
