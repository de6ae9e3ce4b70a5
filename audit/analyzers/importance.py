"""The ``importance`` analyzer: glue between the audit context and :mod:`audit.importance`.

Settings (``analyzer_options={"importance": {...}}``): ``n_repeats``,
``max_rows``, ``scoring``, ``drop_column`` (opt-in refits), ``max_drop_features``,
``drop_test_size`` and ``shap`` (default True: the SHAP column, from the
context's ``attributions`` quantity, the same attributions the attribution
analyzer reports). Without labels, permutation importance scores against the
model's own predictions (reliance rather than accuracy).
"""

from __future__ import annotations

from audit.analyzers import quantities
from audit.analyzers._base import AnalyzerOutput
from audit.context import AuditContext

__all__ = ["NAME", "analyze"]

NAME = "importance"
_PERMUTATION_SETTINGS = ("n_repeats", "max_rows", "scoring")
_SHAP_FAILED = "shap: the attributions could not be computed ({error})"


def analyze(ctx: AuditContext) -> AnalyzerOutput:
    """Permutation, coefficient, SHAP and (opt-in) drop-column importance side by side.

    Returns
    -------
    AnalyzerOutput
        ``ran`` with an :class:`audit.importance.ImportanceResult` (its ``table``
        is ``report.importance``) and ``importance_disagreement`` findings.
    """
    from audit.importance import feature_importance, importance_findings

    options = ctx.options_for(NAME)
    want_shap = bool(options.pop("shap", True))
    settings = {k: options.pop(k) for k in _PERMUTATION_SETTINGS if k in options}
    attributions, notes = None, []
    if want_shap and quantities.shap_available():
        try:
            attributions = quantities.attributions(ctx)
        except Exception as exc:  # the attributions analyzer reports it
            notes.append(_SHAP_FAILED.format(error=f"{type(exc).__name__}: {exc}"))
    result = feature_importance(
        ctx.adapter,
        ctx.X,
        ctx.targets.target,
        sample_weight=ctx.sample_weight,
        random_state=ctx.random_state,
        attributions=attributions,
        coefficients=quantities.coefficients(ctx),
        permutation=quantities.permutation(ctx, **settings),
        target="y_true" if ctx.y_true is not None else "y_pred",
        notes=tuple(notes),
        **settings,
        **options,
    )
    findings = importance_findings(result, ctx.policy)
    return AnalyzerOutput(NAME, "ran", result=result, findings=tuple(findings))
