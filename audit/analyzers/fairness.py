"""Fairness analyzer: per-group metrics and disparities from the fast count-table engine.

With several sensitive attributes the main result is the intersectional table
(``sex × race``); each attribute on its own is computed too (``extras["marginals"]``)
and judged, since a disparity by one attribute can hide among small intersections.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from audit.analyzers._base import AnalyzerOutput, skipped
from audit.context import AuditContext

__all__ = ["analyze"]


def _run(ctx: AuditContext, sensitive: Any) -> Any:
    from audit.fairness import group_metrics

    if ctx.task == "binary":
        y_true, y_pred = ctx.binary_labels()
        y_score = ctx.y_score
    else:
        y_true, y_pred, y_score = ctx.y_true, ctx.y_pred, None
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


def analyze(ctx: AuditContext, prior: Mapping[str, AnalyzerOutput]) -> AnalyzerOutput:
    """Compute group metrics for the context's sensitive features and judge them by the policy."""
    if ctx.sensitive is None:
        return skipped("fairness", "No sensitive_features were given, so no groups to compare.")
    if ctx.y_true is None:
        return skipped("fairness", "No true labels (y) were given; group metrics need them.")
    gm = _run(ctx, ctx.sensitive)
    findings = list(gm.findings(ctx.policy))
    marginals: dict[str, Any] = {}
    if ctx.sensitive.shape[1] > 1:
        for col in ctx.sensitive.columns:
            marginal = _run(ctx, ctx.sensitive[[col]])
            marginals[col] = marginal
            for f in marginal.findings(ctx.policy):
                findings.append(
                    dataclasses.replace(
                        f, title=f"[{col}] {f.title}", subject=f"{col}: {f.subject}"
                    )
                )
    return AnalyzerOutput(
        "fairness", "ran", result=gm, findings=tuple(findings), extras={"marginals": marginals}
    )
