"""The fuzz suite's summary line: ``fuzz: N requests to <service>, M findings``."""

from __future__ import annotations

from tests.fuzz import harness


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's reporter
    for target in harness.TARGETS:
        terminalreporter.write_line(target.summary())
