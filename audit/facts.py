"""Facts: the named numbers that gates check and reports show.

A fact is core data like a :class:`~audit.findings.Finding`: the analyzer that
computes a number publishes it as a fact (``selection_rate.ratio``,
``weights.top_share``, ...), and the HTML report, the JSON record, the gates and
the Python API all read that one fact, so they cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Fact",
    "fact",
    "facts_from_findings",
    "facts_from_record",
    "fact_to_dict",
    "fact_from_dict",
]


@dataclass(frozen=True)
class Fact:
    """One named number a rule can test.

    Attributes
    ----------
    path : str
        ``subject.statistic``, e.g. ``"selection_rate.ratio"``.
    value : float or None
        The number; None when it could not be computed (e.g. fewer than two
        groups with enough evidence).
    groups : str
        The groups the value compares (e.g. ``"Female vs Male"``).
    ci : tuple of float or None
        Bootstrap interval of the value, where CIs were computed.
    insufficient : tuple of str
        Groups left out because their denominator was below ``min_count``.
    """

    path: str
    value: float | None
    groups: str = ""
    ci: tuple[float, float] | None = None
    insufficient: tuple[str, ...] = field(default_factory=tuple)


def fact(path: str, value: Any, **kwargs: Any) -> Fact:
    """A :class:`Fact` whose value is a finite float, or None (NaN, inf and non-numbers)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    return Fact(path, number if math.isfinite(number) else None, **kwargs)


def fact_to_dict(fact: Fact) -> dict[str, Any]:
    """A fact as plain JSON data."""
    value = fact.value if fact.value is None or math.isfinite(fact.value) else None
    ci = None if fact.ci is None else [float(fact.ci[0]), float(fact.ci[1])]
    if ci is not None and not all(math.isfinite(c) for c in ci):
        ci = None
    return {
        "value": value,
        "groups": fact.groups,
        "ci": ci,
        "insufficient": list(fact.insufficient),
    }


def fact_from_dict(path: str, data: Mapping[str, Any]) -> Fact:
    """Rebuild a fact from :func:`fact_to_dict` output."""
    ci = data.get("ci")
    value = data.get("value")
    return Fact(
        path=path,
        value=None if value is None else float(value),
        groups=str(data.get("groups", "")),
        ci=None if not ci else (float(ci[0]), float(ci[1])),
        insufficient=tuple(data.get("insufficient", ())),
    )


def facts_from_findings(findings: list[Any]) -> dict[str, Fact]:
    """Facts ``findings.<critical|warning|info|total|insufficient_evidence>``."""
    counts = {"critical": 0, "warning": 0, "info": 0}
    insufficient = 0
    for f in findings:
        sev = f["severity"] if isinstance(f, Mapping) else f.severity
        code = f["code"] if isinstance(f, Mapping) else f.code
        counts[sev] += 1
        insufficient += code == "insufficient_evidence"
    out = {f"findings.{k}": Fact(f"findings.{k}", float(v)) for k, v in counts.items()}
    out["findings.total"] = Fact("findings.total", float(sum(counts.values())))
    out["findings.insufficient_evidence"] = Fact(
        "findings.insufficient_evidence", float(insufficient)
    )
    return out


def facts_from_record(record: Mapping[str, Any]) -> dict[str, Fact]:
    """Facts of a saved audit (the dict of ``report.to_json()``)."""
    facts = facts_from_findings(list(record.get("findings", [])))
    for path, data in record.get("facts", {}).items():
        facts[path] = fact_from_dict(path, data)
    return facts
