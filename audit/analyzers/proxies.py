"""The ``proxies`` analyzer: glue between the audit context and :mod:`audit.proxies`.

The model's reliance on each feature comes from the analyzers that ran before
(mean |SHAP|, permutation importance, |standardized coefficient|, the weight
analysis), or from its own permutation importance when none ran. Settings
(``analyzer_options={"proxies": {...}}``): ``n_repeats`` (own permutation
importance) and ``mi_rows`` (rows for mutual information).
"""

from __future__ import annotations

from collections.abc import Mapping

from audit.analyzers._base import AnalyzerOutput, skipped
from audit.analyzers.attributions import check_options
from audit.context import AuditContext

__all__ = ["NAME", "OPTIONS", "analyze"]

NAME = "proxies"
OPTIONS = ("n_repeats", "mi_rows")
_NO_SENSITIVE = "No sensitive_features were given, so there is nothing to find proxies of."


def analyze(ctx: AuditContext, prior: Mapping[str, AnalyzerOutput]) -> AnalyzerOutput:
    """Find features strongly associated with a sensitive attribute among the top features.

    Returns
    -------
    AnalyzerOutput
        ``ran`` with an :class:`audit.proxies.ProxyResult` and ``proxy`` findings,
        or ``skipped`` without sensitive features.
    """
    if ctx.sensitive is None:
        return skipped(NAME, _NO_SENSITIVE)
    from audit.attributions._inputs import input_columns
    from audit.importance import permutation_importance
    from audit.proxies import (
        PERMUTATION,
        Reliance,
        build_proxy_result,
        proxy_findings,
        reliance_from_prior,
        to_shares,
    )

    options = ctx.options_for(NAME)
    check_options(NAME, options, OPTIONS)
    features = input_columns(ctx.adapter, ctx.X)
    reliance = reliance_from_prior(prior, features)
    if reliance is None:
        target = ctx.y_true if ctx.y_true is not None else ctx.y_pred
        perm = permutation_importance(
            ctx.adapter,
            ctx.X,
            target,
            n_repeats=options.get("n_repeats", 5),
            random_state=ctx.random_state,
            sample_weight=ctx.sample_weight,
        )
        reliance = Reliance(to_shares(perm.table["mean"], features), PERMUTATION)
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
