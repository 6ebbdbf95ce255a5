"""A loud banner at the end of any run that skipped tests, with each reason and its count.

pytest's own summary lists skips among other lines; a run that skipped the browser tests for
want of Chromium must not pass for a full run. It comes after every other section of the summary.
"""

from __future__ import annotations

from collections import Counter

import pytest


def skip_reason(report: pytest.TestReport) -> str:
    """Why a test was skipped, as pytest recorded it."""
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr)


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons = Counter(skip_reason(report) for report in skipped)
    terminalreporter.write_sep("!", f"{len(skipped)} TESTS WERE SKIPPED: NOT A FULL RUN", red=True)
    for reason, count in reasons.most_common():
        terminalreporter.write_line(f"{count:5d} skipped: {reason}", red=True, bold=True)
    terminalreporter.write_sep("!", "fix the reasons above and run again", red=True)
