"""The ``attributions`` analyzer: glue between the audit context and :mod:`audit.attributions`.

Settings (``analyzer_options={"attributions": {...}}``): ``explainer``,
``max_rows``, ``background_size``, ``progress``, ``additivity_tolerance`` (see
:func:`audit.attributions.explain`). The attributions are the context's
quantity :func:`audit.attributions.context_attributions` with these settings,
computed once per audit whichever analyzer asks first; ``explain`` asks the
same function, so its result equals this section.
"""

from __future__ import annotations

from audit.analyzers._base import AnalyzerOutput, skipped
from audit.context import AuditContext

__all__ = ["NAME", "analyze"]

NAME = "attributions"
_NO_SHAP = "shap is not installed, so no SHAP attributions (pip install shap)."


def analyze(ctx: AuditContext) -> AnalyzerOutput:
    """Explain the model with SHAP, summarise per group, and judge the attributions.

    Returns
    -------
    AnalyzerOutput
        ``ran`` with an :class:`audit.attributions.AttributionResult` and its
        findings (``shap_additivity_failed``, ``imbalanced_attributions``,
        ``attribution_gap``), or ``skipped`` when shap is not installed.
    """
    from audit.attributions import attribution_findings, context_attributions, shap_available

    if not shap_available():
        return skipped(NAME, _NO_SHAP)
    result = context_attributions(ctx, **ctx.options_for(NAME))
    findings = attribution_findings(result, ctx.policy)
    return AnalyzerOutput(NAME, "ran", result=result, findings=tuple(findings))
