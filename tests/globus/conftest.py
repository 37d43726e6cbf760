"""What every Globus test folder shares: globus-cli against the live double."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GLOBUS = shutil.which("globus", path=str(Path(sys.executable).parent)) or "globus"


@pytest.fixture
def globus_cli(globus_server, tmp_path):
    """``run(*args, expect=0)``: globus-cli in client-identity mode with only the
    environment the double prints (``GlobusDouble.env()``) and a throwaway HOME;
    ``run.double`` is the double."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLOBUS_")}
    env.update(globus_server.env(), HOME=str(tmp_path), GLOBUS_CLI_INTERACTIVE="0")

    def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess:
        done = subprocess.run([GLOBUS, *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == expect, (args, done.stdout, done.stderr)
        return done

    run.double = globus_server  # type: ignore[attr-defined]
    return run
