"""The ``weights`` analyzer: glue between the audit context and :mod:`audit.weights`.

The analysis is :func:`audit.weights.context_weights`, which
:func:`audit.weights.analyze_weights` also returns.
"""

from __future__ import annotations

from audit.analyzers._base import AnalyzerOutput, skipped
from audit.context import AuditContext

__all__ = ["analyze", "NAME"]

NAME = "weights"
_SKIP_OTHER = (
    "{model} has no per-feature weights to read (the weight analysis covers linear models, "
    "tree models and torch networks)."
)


def analyze(ctx: AuditContext) -> AnalyzerOutput:
    """Run the weight analysis that fits ``ctx.adapter``.

    Returns
    -------
    AnalyzerOutput
        ``ran`` with a :class:`audit.weights.WeightsResult`, its findings and its
        ``weights.*`` facts, or ``skipped`` with the reason for models without
        per-feature weights.
    """
    if ctx.adapter.family == "other":
        return skipped(NAME, _SKIP_OTHER.format(model=ctx.adapter.name))
    from audit.weights import context_weights

    result = context_weights(ctx)
    return AnalyzerOutput(
        name=NAME, status="ran", result=result, findings=result.findings, facts=result.facts()
    )
