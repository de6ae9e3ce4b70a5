"""The ``thresholds`` analyzer: glue between the audit context and :mod:`audit.thresholds`.

Binary classifiers with scores only. A what-if: per-group thresholds on the
model's positive-class score that would equalize selection rate, TPR or both
TPR and FPR, and the accuracy each would cost against the model's own
predictions; nothing is applied to the model. The baseline and the evidence
verdicts are the context's group metrics (the fairness analyzer's table).
Settings (``analyzer_options={"thresholds": {...}}``): ``constraints`` (any of
``demographic_parity``, ``true_positive_rate_parity``, ``equalized_odds``) and
``grid_size`` (default 1000).
"""

from __future__ import annotations

from audit.analyzers._base import AnalyzerOutput, skipped
from audit.analyzers.calibration import applies
from audit.analyzers.fairness import context_group_metrics
from audit.context import AuditContext

__all__ = ["NAME", "analyze"]

NAME = "thresholds"


def analyze(ctx: AuditContext) -> AnalyzerOutput:
    """Per-group thresholds for each parity constraint and their cost in accuracy.

    Returns
    -------
    AnalyzerOutput
        ``ran`` with an :class:`audit.thresholds.ThresholdResult` (no findings:
        a what-if is not a verdict), or ``skipped`` with the reason.
    """
    reason = applies(ctx, "Threshold trade-offs")
    if reason:
        return skipped(NAME, reason)
    from audit.thresholds import check_threshold_options, row_codes, tradeoffs_from_rows

    settings = check_threshold_options(ctx.options_for(NAME))
    gm = context_group_metrics(ctx)
    assert ctx.sensitive is not None and ctx.y_score is not None
    assert ctx.targets.y_true01 is not None
    result = tradeoffs_from_rows(
        ctx.targets.y_true01,
        ctx.y_score,
        row_codes(gm.by_group.index, ctx.sensitive),
        gm,
        sample_weight=ctx.sample_weight,
        constraints=settings["constraints"],
        grid_size=settings["grid_size"],
    )
    return AnalyzerOutput(NAME, "ran", result=result)
