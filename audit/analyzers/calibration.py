"""The ``calibration`` analyzer: glue between the audit context and :mod:`audit.calibration`.

Binary classifiers with scores only. The group metrics are the context's
quantity :func:`audit.analyzers.fairness.context_group_metrics` (the fairness
analyzer's very table), so the ECE, Brier score, PPV and NPV this analysis
shows are those numbers; the reliability curves and calibration-in-the-large
come from the same count table (:func:`audit.calibration.calibration_from_metrics`).
With several sensitive attributes, each on its own is analysed too
(``extras["marginals"]``), as the fairness analyzer does. Settings
(``analyzer_options={"calibration": {...}}``): ``n_bins`` (reliability bins, a
divisor of 100; default 10).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from audit.analyzers._base import AnalyzerOutput, skipped
from audit.analyzers.fairness import context_group_metrics
from audit.context import AuditContext

__all__ = ["NAME", "analyze", "applies"]

NAME = "calibration"
NO_SENSITIVE = "No sensitive_features were given, so no groups to compare."
NO_LABELS = "No true labels (y) were given; calibration compares scores with outcomes."
NOT_BINARY = "{name} applies to binary classifiers; this model's task is {task}."
NO_SCORES = (
    "The model gives no probabilities (no predict_proba), so there are no scores to calibrate."
)


def applies(ctx: AuditContext, name: str) -> str:
    """Why an analysis of a binary scorer's groups does not apply ("" when it does)."""
    if ctx.sensitive is None:
        return NO_SENSITIVE
    if ctx.y_true is None:
        return NO_LABELS
    if ctx.task != "binary":
        return NOT_BINARY.format(name=name, task=ctx.task)
    if ctx.y_score is None:
        return NO_SCORES
    return ""


def analyze(ctx: AuditContext) -> AnalyzerOutput:
    """Reliability curves, calibration-in-the-large, ECE, Brier, PPV and NPV per group.

    Returns
    -------
    AnalyzerOutput
        ``ran`` with an :class:`audit.calibration.CalibrationResult`, a
        ``calibration_gap`` finding when a comparable group's gap exceeds
        ``policy.calibration_gap`` and the facts ``calibration_gap.max`` /
        ``calibration_gap.difference``; ``skipped`` (with the reason) for a model
        without scores, labels or sensitive features, or not binary.
    """
    reason = applies(ctx, "Calibration by group")
    if reason:
        return skipped(NAME, reason)
    from audit.calibration import calibration_from_metrics, check_calibration_options

    settings = check_calibration_options(ctx.options_for(NAME))

    def run(gm: Any) -> Any:
        return calibration_from_metrics(
            gm, n_bins=settings["n_bins"], n_boot=ctx.policy.n_boot, random_state=ctx.random_state
        )

    result = run(context_group_metrics(ctx))
    findings = list(result.findings(ctx.policy))
    marginals: dict[str, Any] = {}
    assert ctx.sensitive is not None
    if ctx.sensitive.shape[1] > 1:
        for col in ctx.sensitive.columns:
            marginal = run(context_group_metrics(ctx, ctx.sensitive[[col]]))
            marginals[str(col)] = marginal
            for f in marginal.findings(ctx.policy):
                findings.append(
                    dataclasses.replace(
                        f, title=f"[{col}] {f.title}", subject=f"{col}: {f.subject}"
                    )
                )
    return AnalyzerOutput(
        NAME,
        "ran",
        result=result,
        findings=tuple(findings),
        facts=result.facts(),
        extras={"marginals": marginals},
    )
