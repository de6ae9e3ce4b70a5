"""What every analyzer returns, and the runner that keeps one failure from sinking the audit."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from audit.context import AuditContext
from audit.facts import Fact
from audit.findings import Finding

__all__ = ["Analyzer", "AnalyzerOutput", "run_analyzer", "skipped"]

Status = Literal["ran", "skipped", "failed"]


@dataclass(frozen=True)
class AnalyzerOutput:
    """The outcome of one analyzer: one protocol for every analyzer.

    Attributes
    ----------
    name : str
        Analyzer name (``"fairness"``, ``"weights"``, ...).
    status : {"ran", "skipped", "failed"}
        ``skipped`` when the analyzer does not apply (``reason`` says why);
        ``failed`` when it raised (the audit goes on; ``reason`` holds the error).
    result : object or None
        The analyzer's own frozen result object.
    findings : tuple of Finding
        The analyzer's verdicts.
    facts : mapping of str to Fact
        The named numbers this analyzer owns (``selection_rate.ratio``,
        ``weights.top_share``, ...): what gates check and reports show.
    reason : str
        Why it was skipped or failed.
    extras : mapping
        Further results for the report (e.g. per-attribute fairness metrics).
    seconds : float
        Wall time it took.
    """

    name: str
    status: Status
    result: Any = None
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    facts: Mapping[str, Fact] = field(default_factory=dict)
    reason: str = ""
    extras: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Status summary (the result itself is serialised by the report)."""
        return {
            "name": self.name,
            "status": self.status,
            "reason": self.reason,
            "n_findings": len(self.findings),
        }


Analyzer = Callable[[AuditContext], AnalyzerOutput]
"""``analyze(ctx)``: reads the context (and the quantities it derives), nothing else."""


def skipped(name: str, reason: str) -> AnalyzerOutput:
    """An output saying the analyzer does not apply, and why."""
    return AnalyzerOutput(name=name, status="skipped", reason=reason)


def run_analyzer(name: str, analyzer: Analyzer | None, ctx: AuditContext) -> AnalyzerOutput:
    """Run one analyzer; an exception becomes a ``failed`` output with a warning finding.

    With ``analyzer=None`` the analyzer registered under ``name`` is imported inside
    the guard, so an import error is reported like any other failure. Errors in
    the user's settings are not failures of the analysis: they were checked
    before any work (:func:`audit.analyzers.check_analyzer_options`).
    """
    start = time.perf_counter()
    try:
        if analyzer is None:
            from audit.analyzers import get_analyzer

            analyzer = get_analyzer(name)
        out = analyzer(ctx)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        finding = Finding(
            code="analyzer_failed",
            severity="warning",
            title=f"The {name} analysis could not run",
            message=f"The {name} analyzer raised an error, so its checks are missing: {reason}",
            subject=name,
            evidence={"error": reason},
            analyzer=name,
        )
        out = AnalyzerOutput(name=name, status="failed", findings=(finding,), reason=reason)
    seconds = time.perf_counter() - start
    return AnalyzerOutput(
        name=out.name,
        status=out.status,
        result=out.result,
        findings=tuple(out.findings),
        facts=dict(out.facts),
        reason=out.reason,
        extras=dict(out.extras),
        seconds=seconds,
    )
