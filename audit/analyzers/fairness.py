"""Fairness analyzer: per-group metrics and disparities from the fast count-table engine."""

from __future__ import annotations

from collections.abc import Mapping

from audit.analyzers._base import AnalyzerOutput, skipped
from audit.context import AuditContext

__all__ = ["analyze"]


def analyze(ctx: AuditContext, prior: Mapping[str, AnalyzerOutput]) -> AnalyzerOutput:
    """Compute group metrics for the context's sensitive features and judge them by the policy."""
    from audit.fairness import group_metrics

    if ctx.sensitive is None:
        return skipped("fairness", "No sensitive_features were given, so no groups to compare.")
    if ctx.y_true is None:
        return skipped("fairness", "No true labels (y) were given; group metrics need them.")
    if ctx.task == "binary":
        y_true, y_pred = ctx.binary_labels()
        y_score = ctx.y_score
    else:
        y_true, y_pred, y_score = ctx.y_true, ctx.y_pred, None
    policy = ctx.policy
    gm = group_metrics(
        y_true,
        y_pred,
        sensitive_features=ctx.sensitive,
        y_score=y_score,
        sample_weight=ctx.sample_weight,
        n_boot=policy.n_boot,
        ci=policy.ci,
        random_state=ctx.random_state,
        min_count=policy.min_count,
    )
    return AnalyzerOutput("fairness", "ran", result=gm, findings=tuple(gm.findings(policy)))
