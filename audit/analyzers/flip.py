"""The ``flip`` analyzer: glue between the audit context and :mod:`audit.counterfactual`.

The test is the context's quantity :func:`audit.counterfactual.context_flip`
(what :func:`audit.counterfactual.flip_test` also returns); the proxies it moves
with each attribute are those of the proxy analysis
(:func:`audit.proxies.context_proxies`, asked of the context with the proxies
analyzer's settings, never read from that analyzer's result). Settings
(``analyzer_options={"flip": {...}}``): ``proxy_fill`` (``"transport"``,
``"sample"`` or ``"mode"``), ``proxies`` (``{attribute: [feature, ...]}`` instead of
the detected ones) and ``max_values``.
"""

from __future__ import annotations

from audit.analyzers._base import AnalyzerOutput, skipped
from audit.context import AuditContext

__all__ = ["NAME", "analyze"]

NAME = "flip"
_NO_SENSITIVE = "No sensitive_features were given, so there is no attribute to change."
_REGRESSION = "The flip test counts changed decisions; a regression model makes none."


def analyze(ctx: AuditContext) -> AnalyzerOutput:
    """Change each row's sensitive attribute (and its proxies), predict again, count flips.

    Returns
    -------
    AnalyzerOutput
        ``ran`` with an :class:`audit.counterfactual.FlipResult`, its facts
        (``flip_rate.max``, ``flip_rate_proxy.max``) and ``counterfactual_flip``
        findings; ``skipped`` without sensitive features or for a regression model.
    """
    if ctx.sensitive is None:
        return skipped(NAME, _NO_SENSITIVE)
    if ctx.task == "regression":
        return skipped(NAME, _REGRESSION)
    from audit.counterfactual import context_flip

    result = context_flip(ctx, **ctx.options_for(NAME))
    return AnalyzerOutput(
        NAME, "ran", result=result, findings=tuple(result.findings()), facts=result.facts()
    )
