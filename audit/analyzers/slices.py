"""The ``slices`` analyzer: glue between the audit context and :mod:`audit.slices`.

It searches every column of X (and the sensitive attributes given apart from
X) for the slices where the model is worst, with the context's targets,
weights and policy: ``min_count`` and ``ci`` as for group fairness, the
Benjamini-Hochberg false discovery rate ``1 - ci``, and
``Policy.slice_difference`` as the threshold of a ``weak_slice`` finding.
Settings (``analyzer_options={"slices": {...}}``): ``max_depth`` (default 2),
``metric`` (default the error rate; MAE for regression), ``min_support``,
``bins``, ``max_levels`` and ``columns``; see :func:`audit.slices.find_slices`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from audit.analyzers._base import AnalyzerOutput, skipped
from audit.context import AuditContext
from audit.errors import InvalidParameterError

if TYPE_CHECKING:  # pragma: no cover
    from audit.slices import SliceResult

__all__ = ["NAME", "analyze", "context_slices", "slice_frame"]

NAME = "slices"
_NO_LABELS = "No true labels (y) were given; the {metric} of a slice needs them."
_WRONG_TASK = (
    "The slices metric {metric!r} does not apply to a {task} model; use {allowed} "
    "(analyzer_options={{'slices': {{'metric': ...}}}})."
)
_ALLOWED = {
    "binary": ("error_rate", "fnr", "fpr", "selection_rate"),
    "multiclass": ("error_rate",),
    "regression": ("mae",),
}
_METRIC_TEXT = {
    "error_rate": "error rate",
    "fnr": "false negative rate",
    "fpr": "false positive rate",
    "selection_rate": "selection rate",
    "mae": "mean absolute error",
}


def slice_frame(ctx: AuditContext) -> pd.DataFrame:
    """The columns to slice by: every column of X, then the sensitive attributes not in X."""
    frame = ctx.X
    if ctx.sensitive is None:
        return frame
    extra = [c for c in ctx.sensitive.columns if c not in frame.columns]
    if not extra:
        return frame
    return pd.concat([frame, ctx.sensitive[extra].set_axis(frame.index)], axis=1)


def _metric(ctx: AuditContext, requested: str) -> str:
    allowed = _ALLOWED[ctx.task]
    if requested == "auto":
        return allowed[0]
    if requested not in allowed:
        raise InvalidParameterError(
            _WRONG_TASK.format(
                metric=requested, task=ctx.task, allowed=", ".join(map(repr, allowed))
            )
        )
    return requested


def context_slices(ctx: AuditContext, **options: Any) -> SliceResult:
    """The slice search of an audit: :func:`audit.slices.find_slices` on the context's data.

    Returns
    -------
    audit.slices.SliceResult
    """
    from audit.slices import check_slice_options, find_slices

    settings = check_slice_options(options)
    metric = _metric(ctx, str(settings.pop("metric", "auto")))
    targets = ctx.targets
    if ctx.task == "binary":
        y_true, y_pred = targets.y_true01, targets.y_pred01
    else:
        y_true, y_pred = targets.y_true, targets.y_pred
    policy = ctx.policy
    return find_slices(
        slice_frame(ctx),
        y_true,
        y_pred,
        metric=metric,
        sample_weight=ctx.sample_weight,
        min_count=policy.min_count,
        ci=policy.ci,
        threshold=policy.slice_difference,
        **settings,
    )


def analyze(ctx: AuditContext) -> AnalyzerOutput:
    """Search the slices where the model is worst and flag those worse than the policy allows.

    Returns
    -------
    AnalyzerOutput
        ``ran`` with an :class:`audit.slices.SliceResult`, ``weak_slice``
        findings and the facts ``worst_slice.difference``,
        ``worst_slice.ratio`` and ``slices.tested``; ``skipped`` without true
        labels (except for the selection rate, which needs none).
    """
    options = ctx.options_for(NAME)
    metric = _metric(ctx, str(options.get("metric", "auto")))
    if ctx.y_true is None and metric != "selection_rate":
        return skipped(NAME, _NO_LABELS.format(metric=_METRIC_TEXT[metric]))
    from audit.slices import NoSliceColumnsError

    try:
        result = context_slices(ctx, **options)
    except NoSliceColumnsError as exc:  # e.g. a one-row table: every column has one value
        return skipped(NAME, str(exc))
    return AnalyzerOutput(
        NAME,
        "ran",
        result=result,
        findings=tuple(result.findings()),
        facts=result.facts(),
    )
