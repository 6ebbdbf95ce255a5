"""The reliability battery (reliability.md section 5): cases run, their outcome, what was lost.

A test joins the battery by its name (``test_s12_...``, ``test_h6_...``) or by the marker
``@pytest.mark.battery("F4", ...)``. Tests that count what a fault cost call the ``lost``
fixture, e.g. ``lost("reports", missing)``; they also assert it is zero. The table is printed at
the end of any run that included battery cases (`make battery` runs all of them).

Both travel in each test's report (user_properties), so the table also adds up the cases of a
run spread over pytest-xdist workers: their reports reach the controlling process, their
module state does not.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest

_NAMED = re.compile(r"^test_([shfal]\d+)_", re.IGNORECASE)
_GROUPS = {"S": "SSRF", "H": "hostile content", "F": "faults", "A": "auth and abuse", "L": "load"}
#: Cases of the plan that do not apply to this service, listed so that none is skipped silently.
NOT_APPLICABLE = {
    "F11": "no rq cron scheduler runs: the reconciler is a thread of every worker",
}

_outcomes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
_lost: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))


def cases_of(item: pytest.Item) -> list[str]:
    """The battery cases a test covers."""
    cases = [str(c).upper() for mark in item.iter_markers("battery") for c in mark.args]
    named = _NAMED.match(item.name)
    if named:
        cases.append(named.group(1).upper())
    return sorted(set(cases))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "battery(*cases): reliability battery cases this test covers"
    )


@pytest.fixture
def lost(request: pytest.FixtureRequest) -> Callable[[str, int], None]:
    """Record how many things of a kind a fault lost or duplicated (0 is the only good answer)."""

    def record(kind: str, count: int) -> None:
        request.node.user_properties.append(("lost", (kind, count)))

    return record


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" and not (report.when == "setup" and not report.passed):
        return
    properties: list[tuple[str, Any]] = [(name, value) for name, value in report.user_properties]
    cases: list[str] = next((value for name, value in properties if name == "battery"), [])
    losses: list[tuple[str, int]] = [value for name, value in properties if name == "lost"]
    for case in cases:
        _outcomes[case][report.outcome] += 1
        for kind, count in losses:
            _lost[case][kind] += count


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    cases = cases_of(item)
    if cases:
        item.user_properties.append(("battery", cases))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _outcomes:
        return
    write = terminalreporter.write_line
    write("")
    write("Reliability battery (reliability.md section 5)")
    write(
        f"{'case':<6} {'group':<16} {'tests':>5} {'passed':>6} {'failed':>6} {'skipped':>7}  lost"
    )
    order = {group: n for n, group in enumerate(_GROUPS)}
    total_lost = 0
    for case in sorted(
        _outcomes, key=lambda c: (order.get(c[0], 9), int(c[1:]) if c[1:].isdigit() else 0)
    ):
        counts = _outcomes[case]
        lost_here = sum(_lost[case].values())
        total_lost += lost_here
        tests = sum(counts.values())
        write(
            f"{case:<6} {_GROUPS.get(case[0], '?'):<16} {tests:>5} {counts['passed']:>6} "
            f"{counts['failed']:>6} {counts['skipped']:>7}  {lost_here}"
        )
    for case, reason in NOT_APPLICABLE.items():
        write(f"{case:<6} {_GROUPS[case[0]]:<16}   n/a: {reason}")
    passed = sum(1 for c in _outcomes.values() if c["failed"] == 0 and c["passed"] > 0)
    write(
        f"{len(_outcomes)} cases tried, {passed} refused or survived, "
        f"{len(NOT_APPLICABLE)} not applicable, lost {total_lost}"
    )
