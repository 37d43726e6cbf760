"""The container image's build steps and entrypoint, run outside Docker: the package
installs into a clean venv with ``container/build.sh``, and ``container/serve.sh`` serves
both doubles on the ports its environment names and stops on SIGTERM. Where a Docker
daemon answers, the image itself is built and probed too."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
import venv
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, timeout: float = 60.0) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _probe(fts_port: int, globus_port: int) -> None:
    """Both doubles, once up, answer as their services do."""
    fts, globus = f"http://127.0.0.1:{fts_port}", f"http://127.0.0.1:{globus_port}"
    _wait_for(f"{fts}/")
    _wait_for(f"{globus}/")
    token = requests.post(f"{fts}/_mock/token?user=ci&vo=dteam", timeout=10).json()["access_token"]
    me = requests.get(f"{fts}/whoami", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 200 and me.json()["vos"] == ["dteam"]
    for base in (fts, globus):  # the dashboard's page and its vendored chart library
        assert requests.get(f"{base}/_mock/ui", timeout=10).status_code == 200
        chart = requests.get(f"{base}/_mock/ui/static/chart.umd.min.js", timeout=10)
        assert chart.status_code == 200 and len(chart.content) > 100_000
    refused = requests.get(f"{globus}/v0.10/endpoint_search?filter_fulltext=x", timeout=10)
    assert refused.status_code == 401 and refused.json()["code"] == "AuthenticationFailed"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A clean venv with the package installed by the image's build steps."""
    home = tmp_path_factory.mktemp("container") / "venv"
    venv.EnvBuilder(with_pip=True).create(home)
    env = dict(os.environ, PATH=f"{home / 'bin'}{os.pathsep}{os.environ['PATH']}")
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        ["sh", str(ROOT / "container" / "build.sh"), str(ROOT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return home


def test_the_entrypoint_serves_both_doubles_on_its_ports_and_stops_on_sigterm(installed):
    fts_port, globus_port = _free_port(), _free_port()
    env = dict(
        os.environ,
        PATH=f"{installed / 'bin'}{os.pathsep}{os.environ['PATH']}",
        HOST="127.0.0.1",
        FTS_PORT=str(fts_port),
        GLOBUS_PORT=str(globus_port),
        FTS_ARGS="--scenario busy-link",
    )
    proc = subprocess.Popen(
        ["sh", str(ROOT / "container" / "serve.sh")],
        env=env,
        cwd=installed.parent,  # not the checkout: the installed package serves
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _probe(fts_port, globus_port)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "token for alice (scenario)" in out  # FTS_ARGS reached mockfts


def _docker() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return None
    ok = subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode == 0
    return docker if ok else None


def test_the_image_builds_and_serves_where_docker_runs():
    docker = _docker()
    if docker is None:
        pytest.skip("no Docker daemon here: the build steps are checked outside Docker")
    tag = f"transfer-doubles-test:{uuid.uuid4().hex[:8]}"
    subprocess.run([docker, "build", "-t", tag, str(ROOT)], check=True, timeout=1800)
    fts_port, globus_port = _free_port(), _free_port()
    container = subprocess.run(
        [docker, "run", "-d", "--rm", "-p", f"{fts_port}:8446", "-p", f"{globus_port}:8447", tag],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    try:
        _probe(fts_port, globus_port)
    finally:
        subprocess.run([docker, "stop", container], capture_output=True, timeout=60)
        subprocess.run([docker, "rmi", tag], capture_output=True, timeout=60)


def test_the_dockerfile_runs_the_checked_build_steps_and_entrypoint():
    text = (ROOT / "Dockerfile").read_text()
    assert "RUN sh /src/container/build.sh /src" in text
    assert 'ENTRYPOINT ["sh", "/src/container/serve.sh"]' in text
