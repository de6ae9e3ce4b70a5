"""The ``attributions`` analyzer: glue between the audit context and :mod:`audit.attributions`.

Settings (``analyzer_options={"attributions": {...}}``): ``explainer``,
``max_rows``, ``background_size``, ``progress``, ``additivity_tolerance`` (see
:func:`audit.attributions.explain`). When the importance analyzer already
explained the model with these settings, its result is reused.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

from audit.analyzers._base import AnalyzerOutput, skipped
from audit.context import AuditContext
from audit.errors import DataValidationError

__all__ = ["NAME", "OPTIONS", "analyze", "check_options"]

NAME = "attributions"
OPTIONS = ("explainer", "max_rows", "background_size", "progress", "additivity_tolerance")
_UNKNOWN_OPTION = "Unknown {analyzer} option(s) {names}; allowed: {allowed}."
_NO_SHAP = "shap is not installed, so no SHAP attributions (pip install shap)."


def check_options(analyzer: str, options: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    """Raise DataValidationError naming unknown analyzer options."""
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise DataValidationError(
            _UNKNOWN_OPTION.format(
                analyzer=analyzer,
                names=", ".join(map(repr, unknown)),
                allowed=", ".join(allowed),
            )
        )


def attribution_options(ctx: AuditContext) -> dict[str, Any]:
    """The validated attribution settings of this audit."""
    options = ctx.options_for(NAME)
    check_options(NAME, options, OPTIONS)
    return options


def analyze(ctx: AuditContext, prior: Mapping[str, AnalyzerOutput]) -> AnalyzerOutput:
    """Explain the model with SHAP, summarise per group, and judge the attributions.

    Returns
    -------
    AnalyzerOutput
        ``ran`` with an :class:`audit.attributions.AttributionResult` and its
        findings (``shap_additivity_failed``, ``imbalanced_attributions``,
        ``attribution_gap``), or ``skipped`` when shap is not installed.
    """
    if importlib.util.find_spec("shap") is None:
        return skipped(NAME, _NO_SHAP)
    from audit.attributions import attribution_findings, explain_context

    options = attribution_options(ctx)
    earlier = prior.get("importance")
    result = getattr(getattr(earlier, "result", None), "attributions", None)
    if result is None:
        result = explain_context(ctx, **options)
    findings = attribution_findings(result, ctx.policy)
    return AnalyzerOutput(NAME, "ran", result=result, findings=tuple(findings))
