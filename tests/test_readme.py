"""The README's generated route tables match what the apps serve (``make readme``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_route_tables_are_current():
    spec = importlib.util.spec_from_file_location(
        "readme_tables", ROOT / "scripts" / "readme_tables.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = (ROOT / "README.md").read_text()
    for name, table in module.tables().items():
        assert f"<!-- {name} -->\n{table}\n<!-- /{name} -->" in readme, (
            f"run `make readme` ({name})"
        )
