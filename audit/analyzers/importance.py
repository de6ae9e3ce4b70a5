"""The ``importance`` analyzer: glue between the audit context and :mod:`audit.importance`.

Settings (``analyzer_options={"importance": {...}}``): ``n_repeats``,
``max_rows``, ``scoring``, ``max_features`` (permutation importance's cap on
fully shuffled columns, default 100; the result's notes name the columns left
out), ``drop_column`` (opt-in refits), ``max_drop_features``,
``drop_test_size`` and ``shap`` (default True: the SHAP column, from the
context's attributions, the same attributions the attribution analyzer
reports). The table is :func:`audit.importance.context_importance` with these
settings, which :func:`audit.importance.feature_importance` also returns.
Without labels, permutation importance scores against the model's own
predictions (reliance rather than accuracy).
"""

from __future__ import annotations

from audit.analyzers._base import AnalyzerOutput
from audit.context import AuditContext

__all__ = ["NAME", "analyze"]

NAME = "importance"


def analyze(ctx: AuditContext) -> AnalyzerOutput:
    """Permutation, coefficient, SHAP and (opt-in) drop-column importance side by side.

    Returns
    -------
    AnalyzerOutput
        ``ran`` with an :class:`audit.importance.ImportanceResult` (its ``table``
        is ``report.importance``) and ``importance_disagreement`` findings.
    """
    from audit.importance import context_importance, importance_findings

    result = context_importance(ctx, **ctx.options_for(NAME))
    findings = importance_findings(result, ctx.policy)
    return AnalyzerOutput(NAME, "ran", result=result, findings=tuple(findings))
