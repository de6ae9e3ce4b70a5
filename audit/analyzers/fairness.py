"""Fairness analyzer: per-group metrics and disparities from the fast count-table engine.

With several sensitive attributes the main result is the intersectional table
(``sex × race``); each attribute on its own is computed too (``extras["marginals"]``)
and judged, since a disparity by one attribute can hide among small intersections.
The facts (``selection_rate.ratio``, ...) are the intersectional table's, from
:meth:`audit.fairness.GroupMetrics.facts`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from audit.analyzers._base import AnalyzerOutput, skipped
from audit.context import AuditContext

__all__ = ["analyze", "context_group_metrics"]


def context_group_metrics(ctx: AuditContext, sensitive: Any = None) -> Any:
    """Group metrics of the audited model, with the context's targets, weights, seed and policy.

    ``sensitive`` defaults to every sensitive attribute of the context (their
    intersections); pass a subset of its columns for a marginal table. A
    quantity of the context (``("group_metrics", columns)``): computed on the
    first ask, the same object for every analyzer that asks (fairness,
    calibration, thresholds).
    """
    frame = ctx.sensitive if sensitive is None else sensitive
    columns = tuple(str(c) for c in frame.columns)
    return ctx.derived(("group_metrics", columns), lambda: _group_metrics(ctx, frame))


def _group_metrics(ctx: AuditContext, sensitive: Any) -> Any:
    from audit.fairness import group_metrics

    targets = ctx.targets
    if ctx.task == "binary":
        y_true, y_pred, y_score = targets.y_true01, targets.y_pred01, targets.score
    else:
        y_true, y_pred, y_score = targets.y_true, targets.y_pred, None
    policy = ctx.policy
    return group_metrics(
        y_true,
        y_pred,
        sensitive_features=sensitive,
        y_score=y_score,
        sample_weight=ctx.sample_weight,
        n_boot=policy.n_boot,
        ci=policy.ci,
        random_state=ctx.random_state,
        min_count=policy.min_count,
        task=ctx.task,
    )


def analyze(ctx: AuditContext) -> AnalyzerOutput:
    """Compute group metrics for the context's sensitive features and judge them by the policy."""
    if ctx.sensitive is None:
        return skipped("fairness", "No sensitive_features were given, so no groups to compare.")
    if ctx.y_true is None:
        return skipped("fairness", "No true labels (y) were given; group metrics need them.")
    gm = context_group_metrics(ctx)
    findings = list(gm.findings(ctx.policy))
    marginals: dict[str, Any] = {}
    if ctx.sensitive.shape[1] > 1:
        for col in ctx.sensitive.columns:
            marginal = context_group_metrics(ctx, ctx.sensitive[[col]])
            marginals[col] = marginal
            for f in marginal.findings(ctx.policy):
                findings.append(
                    dataclasses.replace(
                        f, title=f"[{col}] {f.title}", subject=f"{col}: {f.subject}"
                    )
                )
    return AnalyzerOutput(
        "fairness",
        "ran",
        result=gm,
        findings=tuple(findings),
        facts=gm.facts(),
        extras={"marginals": marginals},
    )
