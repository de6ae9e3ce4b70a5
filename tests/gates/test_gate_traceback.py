"""A failing gate in a user's pytest test shows the user's line and the table, not our source.

``assert_fair`` and ``assert_no_findings`` set ``__tracebackhide__``, so pytest's
report of a failed gate is the test's own ``assert_fair(...)`` line and the
AssertionError's table. ``--full-trace`` still shows the library's frames (the
control that proves the checks below would see them).
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

USER_TESTS = """
import numpy as np

from audit.fairness import group_metrics
from audit.gates import assert_fair, assert_no_findings


def _unfair():
    rng = np.random.default_rng(0)
    group = np.repeat(["A", "B"], 200)
    y_true = rng.integers(0, 2, 400)
    y_pred = np.r_[np.ones(200, dtype=int), (rng.random(200) < 0.3).astype(int)]
    return group_metrics(y_true, y_pred, sensitive_features=group, n_boot=0)


def test_user_gate():
    gm = _unfair()
    assert_fair(gm, ["selection_rate.ratio >= 0.8"])


def test_user_findings():
    record = {"findings": [{"severity": "critical", "code": "selection_rate_ratio",
                            "subject": "sex", "title": "Selection rates differ"}]}
    assert_no_findings(record, severity="critical")
"""

# Lines of audit/gates/_assert.py that a frame of assert_fair / assert_no_findings would print.
LIBRARY_SOURCE = (
    "def assert_fair(",
    "def assert_no_findings(",
    "raise AssertionError(",
    "facts = facts_of(subject)",
    "result = check_rules(rule_list, facts, policy)",
    "_FAILED.format(",
    "__tracebackhide__",
    "audit/gates/_assert.py",
)


@pytest.fixture
def user_tests(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_user_gates=USER_TESTS)
    return pytester


@pytest.mark.parametrize("tb", [None, "long", "short"])
def test_failing_gate_shows_the_table_and_the_users_line_only(user_tests, tb):
    args = ["-p", "no:cacheprovider"] + ([f"--tb={tb}"] if tb else [])
    result = user_tests.runpytest_subprocess(*args)
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            '*assert_fair(gm, ?"selection_rate.ratio >= 0.8"?)*',
            "*Fairness gate failed: 1 of 1 rule(s) failed*",
            "*selection_rate.ratio*FAIL*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            '*assert_no_findings(record, severity="critical")*',
            "*1 finding(s) of severity 'critical' or worse*",
            "*critical*selection_rate_ratio*sex: Selection rates differ*",
        ]
    )
    shown = [s for s in LIBRARY_SOURCE if s in out]
    assert not shown, f"the library's source is in the failure report: {shown}\n{out}"


def test_full_trace_still_shows_the_library_frames(user_tests):
    result = user_tests.runpytest_subprocess("-p", "no:cacheprovider", "--full-trace")
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert "def assert_fair(" in out and "def assert_no_findings(" in out
