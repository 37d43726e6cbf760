"""Golden documents: what the FTS3 double answers for a fixed scenario, per profile.

``fixtures/fts/<profile>/*.json`` hold them, so a test (or a downstream project) can
load real-shaped documents without running the double, and diff them against a real
server's answers. ``python -m mockfts.golden`` rewrites them; a test fails when the
double's answers drift from the files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import requests

from mockcore.clock import ManualClock
from mockfts.double import DEFAULT_ENDPOINT, FtsDouble
from mockfts.profiles import PROFILES

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fts"
START = 1_767_225_600  # 2026-01-01T00:00:00Z: fixed, so documents repeat exactly
SOURCE = "mock://src.example/data/file?size=1048576"
DESTINATION = "mock://dst.example/data/file?size_post=1048576&time=12"
TOKEN_ID_STAND_IN = "0123456789abcdef"


def documents(profile: str) -> dict[str, object]:
    """The scenario: alice (dteam) submits one transfer and it runs to the end."""
    double = FtsDouble(profile=profile, clock=ManualClock(START), seed=0)
    headers = {"Authorization": f"Bearer {double.token_for('alice', 'dteam')}"}
    body = {
        "files": [
            {
                "sources": [SOURCE],
                "destinations": [DESTINATION],
                "checksum": "ADLER32",
                "metadata": {"request_id": 42},
            }
        ],
        "params": {"retry": -1, "job_metadata": {"issuer": "golden"}},
    }
    with double.intercept([DEFAULT_ENDPOINT]):

        def get(path: str) -> Any:
            return requests.get(DEFAULT_ENDPOINT + path, headers=headers, timeout=5).json()

        job_id = requests.post(
            DEFAULT_ENDPOINT + "/jobs", json=body, headers=headers, timeout=5
        ).json()["job_id"]
        submitted = get(f"/jobs/{job_id}")
        double.run_job(job_id)
        files = get(f"/jobs/{job_id}/files")
        for file in files:
            # sha1 of a token signed with a per-process key: a fixed stand-in instead
            for key in ("src_token_id", "dst_token_id"):
                if file.get(key):
                    file[key] = TOKEN_ID_STAND_IN
        return {
            "root": get("/"),
            "whoami": get("/whoami"),
            "job_submitted": submitted,
            "job_finished": get(f"/jobs/{job_id}"),
            "files_finished": files,
            "job_not_found": get("/jobs/00000000-0000-0000-0000-000000000000"),
            "submit_schema": get("/api-docs/schema/submit"),
        }


def write() -> None:
    for profile in PROFILES:
        folder = FIXTURES / profile
        folder.mkdir(parents=True, exist_ok=True)
        for name, doc in documents(profile).items():
            (folder / f"{name}.json").write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    write()
    sys.exit(0)
