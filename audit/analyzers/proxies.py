"""The ``proxies`` analyzer: glue between the audit context and :mod:`audit.proxies`.

The model's reliance on each feature is the context's quantity
:func:`audit.proxies.context_reliance` (mean |SHAP| where shap can explain the
model, else permutation importance), the same whichever other analyzers run;
the analysis is :func:`audit.proxies.context_proxies`, which
:func:`audit.proxies.detect_proxies` also returns. Settings
(``analyzer_options={"proxies": {...}}``): ``n_repeats`` (permutation importance
when SHAP is not available) and ``mi_rows`` (rows for mutual information).
"""

from __future__ import annotations

from audit.analyzers._base import AnalyzerOutput, skipped
from audit.context import AuditContext

__all__ = ["NAME", "analyze"]

NAME = "proxies"
_NO_SENSITIVE = "No sensitive_features were given, so there is nothing to find proxies of."


def analyze(ctx: AuditContext) -> AnalyzerOutput:
    """Find features strongly associated with a sensitive attribute among the top features.

    Returns
    -------
    AnalyzerOutput
        ``ran`` with an :class:`audit.proxies.ProxyResult` and ``proxy`` findings,
        or ``skipped`` without sensitive features.
    """
    if ctx.sensitive is None:
        return skipped(NAME, _NO_SENSITIVE)
    from audit.proxies import context_proxies, proxy_findings

    result = context_proxies(ctx, **ctx.options_for(NAME))
    return AnalyzerOutput(NAME, "ran", result=result, findings=tuple(proxy_findings(result)))
