"""The ``importance`` analyzer: glue between the audit context and :mod:`audit.importance`.

Settings (``analyzer_options={"importance": {...}}``): ``n_repeats``,
``max_rows``, ``scoring``, ``drop_column`` (opt-in refits), ``max_drop_features``,
``drop_test_size`` and ``shap`` (default True: explain the model for the SHAP
column, with the attribution analyzer's settings, so that analyzer reuses it).
Without labels, permutation importance scores against the model's own
predictions (reliance rather than accuracy).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

from audit.analyzers._base import AnalyzerOutput
from audit.analyzers.attributions import attribution_options, check_options
from audit.context import AuditContext

__all__ = ["NAME", "OPTIONS", "analyze"]

NAME = "importance"
OPTIONS = (
    "n_repeats",
    "max_rows",
    "scoring",
    "drop_column",
    "max_drop_features",
    "drop_test_size",
    "shap",
)
_SHAP_FAILED = "shap: the attributions could not be computed ({error})"


def _coefficients(prior: Mapping[str, AnalyzerOutput]) -> Any:
    """|standardized coefficient| per input column from the weights analysis (linear models)."""
    out = prior.get("weights")
    result = getattr(out, "result", None) if getattr(out, "status", None) == "ran" else None
    if result is None or getattr(result, "model_kind", None) != "linear":
        return None
    by_source = result.by_source
    return by_source.set_index("source")["weight"].astype(float)


def analyze(ctx: AuditContext, prior: Mapping[str, AnalyzerOutput]) -> AnalyzerOutput:
    """Permutation, coefficient, SHAP and (opt-in) drop-column importance side by side.

    Returns
    -------
    AnalyzerOutput
        ``ran`` with an :class:`audit.importance.ImportanceResult` (its ``table``
        is ``report.importance``) and ``importance_disagreement`` findings.
    """
    from audit.importance import feature_importance, importance_findings

    options = ctx.options_for(NAME)
    check_options(NAME, options, OPTIONS)
    want_shap = bool(options.pop("shap", True))
    labels = ctx.y_true is not None
    attributions, notes = None, []
    earlier = prior.get("attributions")
    if getattr(earlier, "status", None) == "ran":
        attributions = earlier.result
    elif want_shap and importlib.util.find_spec("shap") is not None:
        from audit.attributions import explain_context

        try:
            attributions = explain_context(ctx, **attribution_options(ctx))
        except Exception as exc:  # the attributions analyzer reports it
            notes.append(_SHAP_FAILED.format(error=f"{type(exc).__name__}: {exc}"))
    result = feature_importance(
        ctx.adapter,
        ctx.X,
        ctx.y_true if labels else ctx.y_pred,
        sample_weight=ctx.sample_weight,
        random_state=ctx.random_state,
        attributions=attributions,
        coefficients=_coefficients(prior),
        target="y_true" if labels else "y_pred",
        notes=tuple(notes),
        **options,
    )
    findings = importance_findings(result, ctx.policy)
    return AnalyzerOutput(NAME, "ran", result=result, findings=tuple(findings))
