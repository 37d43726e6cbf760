"""``mockfts serve --state PATH`` / ``mockglobus serve --state PATH`` in a subprocess,
for the tests that kill it with SIGKILL and start it again on the same file.

The clock runs at a thousandth of real time, so documents read before the kill and
after the restart are comparable as they are.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class StateServer:
    process: subprocess.Popen
    url: str
    token: str  # FTS: minted and printed at startup; Globus: from POST /_mock/token

    def kill(self) -> None:
        """SIGKILL: no shutdown, no checkpoint."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


def start(kind: str, path: Path) -> StateServer:
    argv = [
        sys.executable,
        "-m",
        f"mock{kind}",
        "serve",
        "--port",
        "0",
        "--speed",
        "0.001",
        "--state",
        str(path),
    ]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    url = token = None
    for line in process.stdout:
        if " serving on " in line:  # mockfts 3.14 serving on http://127.0.0.1:PORT
            url = line.split(" serving on ")[1].strip()
        elif line.startswith("token for alice"):
            token = line.rsplit(" ", 1)[1].strip()
        elif line.startswith("# mockglobus: Globus"):  # ... on http://127.0.0.1:PORT/ (...)
            url = line.split(" on ")[1].split()[0].rstrip("/")
        if "state kept in" in line:
            break
    if url is None:
        process.kill()
        raise RuntimeError(f"mock{kind} serve --state did not start (exit {process.wait()})")
    if token is None:
        token = requests.post(url + "/_mock/token", timeout=10).json()["access_token"]
    return StateServer(process, url, token)


def logged_requests(path: Path) -> int:
    """Requests in the file's log (answered since its last snapshot)."""
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM log").fetchone()[0]
