"""Scenario documents: YAML or JSON describing the world a double starts with.

A scenario is named by a path, by the name of a file in one of a service's folders
(``rucio-site-pair`` for ``<folder>/rucio-site-pair.yaml``), or given as a dict. A file
is parsed once per process while it is unchanged (parsing YAML costs more than seeding
from it); callers get the shared mapping from :func:`read_scenario` and must not change
it, or a copy from :func:`scenario_copy`.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

_SUFFIXES = (".yaml", ".yml", ".json")


def find_scenario(scenario: str | Path, folders: Sequence[Path]) -> Path:
    """The file ``scenario`` names: a path, or a bare name looked up in ``folders``."""
    path = Path(scenario)
    if not path.suffix and not path.exists():
        for candidate in (
            folder / f"{scenario}{suffix}" for folder in folders for suffix in _SUFFIXES
        ):
            if candidate.exists():
                return candidate
    if not path.exists():
        where = " or ".join(str(folder) for folder in folders)
        raise FileNotFoundError(
            f"no scenario {str(scenario)!r}: give a path, a dict, or the name of a file in {where}"
        )
    return path


def read_scenario(scenario: str | Path | dict | None, folders: Sequence[Path]) -> dict[str, Any]:
    """The scenario as a mapping ({} for None); a file's is shared: do not change it."""
    if scenario is None:
        return {}
    if isinstance(scenario, dict):
        return scenario
    path = find_scenario(scenario, folders)
    stat = path.stat()
    return _parsed(path, stat.st_mtime_ns, stat.st_size)


def scenario_copy(scenario: str | Path | dict | None, folders: Sequence[Path]) -> dict[str, Any]:
    """The scenario as a mapping the caller may change."""
    data = read_scenario(scenario, folders)
    return data if scenario is None or isinstance(scenario, dict) else copy.deepcopy(data)


@functools.lru_cache(maxsize=32)
def _parsed(path: Path, mtime_ns: int, size: int) -> dict[str, Any]:  # noqa: ARG001 - keys
    text = path.read_text()
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"scenario {path} must hold a mapping at the top level")
    return data


__all__ = ["find_scenario", "read_scenario", "scenario_copy"]
