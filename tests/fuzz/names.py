"""Names the fuzzer puts in bodies and query strings, read from a package's source: every
``.get("name")``/``["name"]`` is a field some handler or model reads, every
``args.get("name")`` a query parameter."""

from __future__ import annotations

import functools
import importlib
import pathlib
import re

_QUERY = re.compile(r"""(?:args|values|form)\.get(?:list)?\(\s*["']([\w.-]+)["']""")
_FIELD = re.compile(r"""(?:\.get\(\s*|\[\s*)["']([A-Za-z_][\w-]*)["']""")


@functools.cache
def harvested_names(package: str) -> dict[str, list[str]]:
    root = pathlib.Path(importlib.import_module(package).__file__).parent
    query: set[str] = set()
    fields: set[str] = set()
    for source in root.rglob("*.py"):
        text = source.read_text()
        query.update(_QUERY.findall(text))
        fields.update(_FIELD.findall(text))
    return {"query": sorted(query | {"x"}), "fields": sorted(fields | {"x"})}
