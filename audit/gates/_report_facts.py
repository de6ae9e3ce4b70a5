"""All the facts of an AuditReport, for gates and the JSON record."""

from __future__ import annotations

import math
from typing import Any

from audit.gates._facts import Fact, facts_from_findings
from audit.gates._fairness import group_metrics_facts

__all__ = ["report_facts"]


def _number(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _published(prefix: str, result: Any) -> dict[str, Fact]:
    """Facts an analyzer result publishes through ``gate_facts() -> {name: number}``."""
    if result is None or not hasattr(result, "gate_facts"):
        return {}
    out = {}
    for name, value in result.gate_facts().items():
        path = f"{prefix}.{name}"
        out[path] = Fact(path, _number(value))
    return out


def report_facts(report: Any) -> dict[str, Fact]:
    """Findings counts, fairness facts and every analyzer's published numbers."""
    facts = facts_from_findings(report.findings)
    if report.fairness is not None:
        facts.update(group_metrics_facts(report.fairness))
    for name in ("weights", "attributions", "importance", "proxies"):
        out = report.outputs.get(name)
        if out is not None and out.status == "ran":
            facts.update(_published(name, out.result))
    return facts
