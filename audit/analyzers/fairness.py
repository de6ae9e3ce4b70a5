"""Fairness analyzer: per-group metrics and disparities from the fast count-table engine.

With several sensitive attributes the main result is the intersectional table
(``sex × race``); each attribute on its own is computed too (``extras["marginals"]``)
and judged, since a disparity by one attribute can hide among small intersections.
The facts (``selection_rate.ratio``, ...) are the intersectional table's, from
:meth:`audit.fairness.GroupMetrics.facts`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from audit.analyzers._base import AnalyzerOutput, skipped
from audit.context import AuditContext
from audit.policy import Policy

__all__ = ["analyze", "context_group_metrics", "fairness_output", "group_metrics_key"]


def context_group_metrics(ctx: AuditContext, sensitive: Any = None) -> Any:
    """Group metrics of the audited model, with the context's targets, weights, seed and policy.

    ``sensitive`` defaults to every sensitive attribute of the context (their
    intersections); pass a subset of its columns for a marginal table. A
    quantity of the context (``("group_metrics", columns)``): computed on the
    first ask, the same object for every analyzer that asks (fairness,
    calibration, thresholds).
    """
    frame = ctx.sensitive if sensitive is None else sensitive
    key = group_metrics_key(frame.columns)
    return ctx.derived(key, lambda: _group_metrics(ctx, frame))


def group_metrics_key(columns: Any) -> tuple[str, tuple[str, ...]]:
    """The context's key of the group metrics over these sensitive columns.

    A caller that computed them already (on every row of a table too large for
    memory, :func:`audit.audit_large`) hands them to the context under this key
    (:func:`audit.context.provided_quantities`), and every analyzer reads those.
    """
    return ("group_metrics", tuple(str(c) for c in columns))


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


def fairness_output(gm: Any, marginals: Mapping[str, Any], policy: Policy) -> AnalyzerOutput:
    """The fairness analyzer's output from its group metrics: findings, facts, marginals.

    ``gm`` is the intersectional table, ``marginals`` one table per sensitive
    attribute (empty with one attribute). Every audit that judges group
    metrics (:func:`analyze` on a model's context, the audit of logged
    predictions) builds its output here, so the findings and facts of one
    count table are the same whoever computed it.
    """
    findings = list(gm.findings(policy))
    for col, marginal in marginals.items():
        for f in marginal.findings(policy):
            findings.append(
                dataclasses.replace(f, title=f"[{col}] {f.title}", subject=f"{col}: {f.subject}")
            )
    return AnalyzerOutput(
        "fairness",
        "ran",
        result=gm,
        findings=tuple(findings),
        facts=gm.facts(),
        extras={"marginals": dict(marginals)},
    )


def analyze(ctx: AuditContext) -> AnalyzerOutput:
    """Compute group metrics for the context's sensitive features and judge them by the policy."""
    if ctx.sensitive is None:
        return skipped("fairness", "No sensitive_features were given, so no groups to compare.")
    if ctx.y_true is None:
        return skipped("fairness", "No true labels (y) were given; group metrics need them.")
    gm = context_group_metrics(ctx)
    marginals: dict[str, Any] = {}
    if ctx.sensitive.shape[1] > 1:
        for col in ctx.sensitive.columns:
            marginals[col] = context_group_metrics(ctx, ctx.sensitive[[col]])
    return fairness_output(gm, marginals, ctx.policy)
