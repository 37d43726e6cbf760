"""Every repository path the contributor docs name exists, so the docs cannot drift.

A path is an inline code span (one pair of backticks, outside fenced blocks) that holds
a single path-like word: a ``/`` in it, or a name ending in ``.py`` or ``.md``. Spans
starting with ``/`` are HTTP routes, not files. URLs, globs (``api/*.py``), spans with
spaces and placeholders (``<area>``) are skipped. Paths are relative to the repository
root; a trailing ``/`` means a directory.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("ARCHITECTURE.md", "CONTRIBUTING.md")

_FENCE = re.compile(r"^```.*?^```", re.S | re.M)
_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_PATHLIKE = re.compile(r"[\w.\-/]+")


def _is_path(span: str) -> bool:
    if not _PATHLIKE.fullmatch(span) or span.startswith("/") or "://" in span:
        return False
    return "/" in span or span.endswith((".py", ".md"))


def _exists(path: str) -> bool:
    target = ROOT / path
    return target.is_dir() if path.endswith("/") else target.exists()


def named_paths(text: str) -> list[str]:
    """The repository paths named in backticks in ``text`` (in order, once each)."""
    spans = _SPAN.findall(_FENCE.sub("", text))
    return list(dict.fromkeys(span for span in spans if _is_path(span)))


def test_path_extraction_keeps_files_and_skips_routes_globs_and_urls():
    text = (
        "`mockcore/clock.py`, `README.md`, `tests/fuzz/`, `/_mock/token`, "
        "`mockfts/api/*.py`, `https://auth.globus.org`, `mockfts/api/<area>.py`, "
        "`make test`, `mockcore.routes.Route`\n```\n`inside/a/fence.py`\n```\n"
    )
    assert named_paths(text) == ["mockcore/clock.py", "README.md", "tests/fuzz/"]


@pytest.mark.parametrize("doc", DOCS)
def test_every_path_a_doc_names_exists(doc):
    paths = named_paths((ROOT / doc).read_text())
    assert len(paths) >= 10, f"{doc}: too few paths found; is the extraction broken?"
    missing = [p for p in paths if not _exists(p)]
    assert missing == [], f"{doc} names paths that do not exist: {missing}"
