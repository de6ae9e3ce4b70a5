"""The ``weights`` analyzer: glue between the audit context and :mod:`audit.weights`."""

from __future__ import annotations

from collections.abc import Mapping

from audit.analyzers._base import AnalyzerOutput, skipped
from audit.context import AuditContext
from audit.weights import model_kind, weights_from_adapter

__all__ = ["analyze", "NAME"]

NAME = "weights"
_SKIP_OTHER = (
    "{model} has no per-feature weights to read (the weight analysis covers linear models, "
    "tree models and torch networks)."
)


def analyze(ctx: AuditContext, prior: Mapping[str, AnalyzerOutput]) -> AnalyzerOutput:
    """Run the weight analysis that fits ``ctx.adapter``.

    Parameters
    ----------
    ctx : AuditContext
        The validated audit inputs.
    prior : mapping
        Outputs of analyzers that ran before (unused).

    Returns
    -------
    AnalyzerOutput
        ``ran`` with a :class:`audit.weights.WeightsResult` and its findings, or
        ``skipped`` with the reason for models without per-feature weights.
    """
    kind = model_kind(ctx.adapter)
    if kind == "other":
        return skipped(NAME, _SKIP_OTHER.format(model=ctx.adapter.name))
    result = weights_from_adapter(
        ctx.adapter,
        ctx.X,
        sensitive_in_model=ctx.sensitive_in_model,
        policy=ctx.policy,
        sample_weight=ctx.sample_weight,
    )
    return AnalyzerOutput(name=NAME, status="ran", result=result, findings=result.findings)
