"""Fairness gates for tests and CI.

One rule grammar (``"selection_rate.ratio >= 0.8"``, ``"findings.critical == 0"``)
shared by :func:`assert_fair`, the ``model-audit`` CLI (``--fail-on``), the
``[tool.model-audit]`` table of pyproject.toml and the pytest plugin.

Names load lazily so that the pytest plugin can register assertion rewriting first.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "assert_fair": "audit.gates._assert",
    "assert_no_findings": "audit.gates._assert",
    "default_rules": "audit.gates._assert",
    "facts_of": "audit.gates._assert",
    "check_rules": "audit.gates._check",
    "GateResult": "audit.gates._check",
    "RuleResult": "audit.gates._check",
    "Fact": "audit.facts",
    "Rule": "audit.gates._rules",
    "parse_rule": "audit.gates._rules",
    "GRAMMAR": "audit.gates._rules",
    "baseline_changes": "audit.gates._outputs",
    "compare_to_baseline": "audit.gates._outputs",
    "junit_xml": "audit.gates._outputs",
    "markdown_summary": "audit.gates._outputs",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'audit.gates' has no attribute {name!r}")
