"""The golden documents in fixtures/fts are what the double answers (``python -m
mockfts.golden`` rewrites them); they also keep the real documents' invariants."""

from __future__ import annotations

import json
import re

import pytest

from mockfts.golden import FIXTURES, documents
from mockfts.profiles import PROFILES

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_golden_documents_are_current(profile):
    for name, doc in documents(profile).items():
        stored = json.loads((FIXTURES / profile / f"{name}.json").read_text())
        assert stored == doc, (
            f"fixtures/fts/{profile}/{name}.json is stale: python -m mockfts.golden"
        )


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_golden_documents_keep_the_wire_conventions(profile):
    finished = json.loads((FIXTURES / profile / "job_finished.json").read_text())
    files = json.loads((FIXTURES / profile / "files_finished.json").read_text())
    assert finished["http_status"] == "200 Ok" and finished["job_state"] == "FINISHED"
    assert TIME.match(finished["submit_time"]) and TIME.match(finished["job_finished"])
    assert TIME.match(files[0]["finish_time"]) and files[0]["file_metadata"] == {"request_id": 42}
    missing = json.loads((FIXTURES / profile / "job_not_found.json").read_text())
    assert set(missing) == {"job_id", "http_status", "http_message"}
