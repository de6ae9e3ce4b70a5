"""The ``proxies`` analyzer: glue between the audit context and :mod:`audit.proxies`.

The model's reliance on each feature is the context's ``reliance`` quantity
(mean |SHAP| where shap can explain the model, else permutation importance),
the same whichever other analyzers run. Settings
(``analyzer_options={"proxies": {...}}``): ``n_repeats`` (permutation importance
when SHAP is not available) and ``mi_rows`` (rows for mutual information).
"""

from __future__ import annotations

from audit.analyzers import quantities
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
    from audit.proxies import build_proxy_result, proxy_findings

    options = ctx.options_for(NAME)
    reliance = quantities.reliance(ctx, n_repeats=options.get("n_repeats", 5))
    result = build_proxy_result(
        ctx.X,
        ctx.sensitive,
        reliance,
        policy=ctx.policy,
        sensitive_in_model=ctx.sensitive_in_model,
        random_state=ctx.random_state,
        **({"mi_rows": options["mi_rows"]} if "mi_rows" in options else {}),
    )
    return AnalyzerOutput(NAME, "ran", result=result, findings=tuple(proxy_findings(result)))
