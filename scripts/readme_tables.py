"""Rewrite the README's route coverage tables from the apps' own route tables.

``make readme`` runs it; ``tests/test_readme.py`` fails when the README lags.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from mockfts.catalogue import coverage_markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def tables() -> dict[str, str]:
    globus = subprocess.run(
        [sys.executable, "-m", "mockglobus", "routes"], check=True, capture_output=True, text=True
    ).stdout.strip()
    return {"fts-routes": coverage_markdown(), "globus-routes": globus}


def main() -> int:
    text = README.read_text()
    for name, table in tables().items():
        text = re.sub(
            rf"(<!-- {name} -->\n)(?:.*?\n)?(<!-- /{name} -->)",
            lambda m, t=table: m.group(1) + t + "\n" + m.group(2),
            text,
            flags=re.S,
        )
    README.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
