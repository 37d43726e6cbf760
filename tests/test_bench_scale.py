"""``python -m bench.scale --quick`` runs and gives every measure a verdict.

Timings are not asserted (a loaded CI machine would make that flaky): only that each
line says ``MET`` or ``MISSED``, so ``make bench-scale`` keeps reporting every goal.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_bench_scale_gives_every_measure_a_verdict():
    run = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    header, measures, footer = lines[0], lines[1:-1], lines[-1]
    assert header.startswith("bench-scale (quick sizes)")
    assert footer.startswith("bench-scale took")
    assert len(measures) >= 14, run.stdout
    unjudged = [line for line in measures if line.split()[0] not in ("MET", "MISSED")]
    assert not unjudged, run.stdout
