"""``mockfts serve``: a user starts it, reads the URL it prints, uses it, stops it."""

from __future__ import annotations

import signal
import subprocess
import sys

import requests


def test_serve_prints_its_url_answers_and_stops_on_sigterm():
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockfts", "serve", "--port", "0", "--speed", "100"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = proc.stdout.readline()
        assert banner.startswith("mockfts 3.14 serving on http://127.0.0.1:")
        url = banner.split()[-1]
        token = proc.stdout.readline().split()[-1]
        headers = {"Authorization": f"Bearer {token}"}
        assert requests.get(f"{url}/whoami", headers=headers, timeout=5).json()["vos"] == ["dteam"]
        body = {
            "files": [
                {
                    "sources": ["mock://a.example/f?size=1"],
                    "destinations": ["mock://b.example/f?size_post=1&time=1"],
                }
            ]
        }
        job_id = requests.post(f"{url}/jobs", json=body, headers=headers, timeout=5).json()[
            "job_id"
        ]
        assert requests.get(f"{url}/jobs/{job_id}", headers=headers, timeout=5).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out.strip().endswith("mockfts stopped")


def test_help_lists_the_commands():
    done = subprocess.run(
        [sys.executable, "-m", "mockfts", "--help"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0 and "serve" in done.stdout
