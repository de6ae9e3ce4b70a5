"""Findings: the plain-data verdicts every analyzer emits.

A :class:`Finding` is what the HTML report, the JSON record, the pytest plugin
and the CLI all read, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from audit._jsonable import to_jsonable

__all__ = ["SEVERITIES", "Finding", "Severity", "count_by_severity", "sort_findings"]

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[Severity, ...] = ("critical", "warning", "info")
_RANK = {"critical": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One verdict of an analyzer, with the numbers that justify it.

    Parameters
    ----------
    code : str
        Stable machine-readable code, e.g. ``"imbalanced_weights"``.
    severity : {"info", "warning", "critical"}
        How serious the finding is.
    title : str
        One-line plain-language headline.
    message : str
        A sentence or two explaining what was found and why it matters.
    subject : str, default=""
        What the finding is about (a feature, a metric, a group pair).
    evidence : mapping, default={}
        The numbers behind the verdict (values, thresholds, groups, CIs).
    analyzer : str, default=""
        Name of the analyzer that produced the finding.
    """

    code: str
    severity: Severity
    title: str
    message: str
    subject: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    analyzer: str = ""

    def __post_init__(self) -> None:
        if self.severity not in _RANK:
            raise ValueError(
                f"Finding severity must be one of {list(_RANK)}; got {self.severity!r}."
            )

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as a JSON-serialisable dict."""
        return {
            "code": self.code,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
            "subject": self.subject,
            "analyzer": self.analyzer,
            "evidence": to_jsonable(dict(self.evidence)),
        }


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Return findings most severe first; ties keep a stable, deterministic order."""
    return sorted(findings, key=lambda f: (_RANK[f.severity], f.analyzer, f.code, f.subject))


def count_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    """Count findings per severity, always with the three keys."""
    counts = {s: 0 for s in SEVERITIES}
    for f in findings:
        counts[f.severity] += 1
    return counts
