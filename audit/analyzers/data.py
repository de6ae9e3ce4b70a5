"""The ``data`` analyzer: glue between the audit context and :mod:`audit.data_checks`.

Checks of the data itself, group by group, before the model's sections:
representation (against a reference population where given), label base
rates, missing values and the features that differ most between groups. The
checks are the context's quantity :func:`audit.data_checks.context_data_checks`
(what :func:`audit.data_checks.check_data` computes on the same data). Setting
(``analyzer_options={"data": {...}}``): ``reference`` (``{group: share}`` or
``{attribute: {group: share}}``).
"""

from __future__ import annotations

from audit.analyzers._base import AnalyzerOutput, skipped
from audit.context import AuditContext

__all__ = ["NAME", "analyze"]

NAME = "data"
_NO_SENSITIVE = "No sensitive_features were given, so there are no groups to check."


def analyze(ctx: AuditContext) -> AnalyzerOutput:
    """Check representation, base rates, missing values and feature differences per group.

    Returns
    -------
    AnalyzerOutput
        ``ran`` with an :class:`audit.data_checks.DataChecks`, its facts
        (``data.min_group_share``, ``data.representation_ratio``,
        ``data.base_rate_ratio``) and findings; ``skipped`` without sensitive features.
    """
    if ctx.sensitive is None:
        return skipped(NAME, _NO_SENSITIVE)
    from audit.data_checks import context_data_checks

    result = context_data_checks(ctx, **ctx.options_for(NAME))
    return AnalyzerOutput(
        NAME, "ran", result=result, findings=tuple(result.findings()), facts=result.facts()
    )
