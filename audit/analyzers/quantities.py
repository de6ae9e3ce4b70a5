"""Quantities several analyzers need, derived once per audit and cached in the context.

Each function names its quantity and the options it depends on as a cache key
and asks :meth:`AuditContext.derived`: the first ask computes, every later ask
(from any analyzer, in any order) gets the same object. This is how analyzers
share work without reading each other's results.

========================  ==============================================  ===================
quantity                  what it is                                      asked by
========================  ==============================================  ===================
``attributions``          SHAP attributions, with the attribution         attributions,
                          analyzer's settings                             importance, proxies
``permutation``           permutation importance for a set of settings    importance, proxies
``coefficients``          |standardized coefficient| per input column     weights' twin,
                          (:func:`audit.weights.coefficient_importance`)  importance
``reliance``              the model's reliance on each input column       proxies
========================  ==============================================  ===================
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from audit.context import AuditContext

if TYPE_CHECKING:  # pragma: no cover
    from audit.attributions import AttributionResult
    from audit.importance import PermutationImportance
    from audit.proxies import Reliance

__all__ = [
    "attribution_settings",
    "attributions",
    "coefficients",
    "permutation",
    "reliance",
    "shap_available",
]

_PERMUTATION_DEFAULTS: dict[str, Any] = {"n_repeats": 5, "max_rows": 10_000, "scoring": None}


def _key(name: str, settings: dict[str, Any]) -> tuple[Any, ...]:
    """A hashable cache key; a callable scorer is keyed by identity."""
    items = []
    for k, v in sorted(settings.items()):
        try:
            hash(v)
        except TypeError:
            v = ("id", id(v))
        items.append((k, v))
    return (name, *items)


def _cached(ctx: AuditContext, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """Like ``ctx.derived`` but a failure is remembered too, so it is paid for once."""
    outcome = ctx.derived(key, lambda: _attempt(compute))
    if isinstance(outcome, _Failure):
        raise outcome.error
    return outcome


class _Failure:
    def __init__(self, error: Exception) -> None:
        self.error = error


def _attempt(compute: Callable[[], Any]) -> Any:
    try:
        return compute()
    except Exception as exc:  # re-raised by every ask
        return _Failure(exc)


def shap_available() -> bool:
    """Whether the shap library is installed."""
    return importlib.util.find_spec("shap") is not None


def attribution_settings(ctx: AuditContext) -> dict[str, Any]:
    """The attribution analyzer's settings of this audit (checked before the audit began)."""
    return ctx.options_for("attributions")


def attributions(ctx: AuditContext) -> AttributionResult:
    """SHAP attributions of the audited model with the attribution analyzer's settings."""
    settings = attribution_settings(ctx)

    def compute() -> AttributionResult:
        from audit.attributions import explain_context

        return explain_context(ctx, **settings)

    return _cached(ctx, _key("attributions", settings), compute)


def permutation(ctx: AuditContext, **settings: Any) -> PermutationImportance:
    """Permutation importance against ``y`` (or the model's own predictions without labels).

    ``settings``: ``n_repeats``, ``max_rows``, ``scoring`` (defaults 5, 10,000, the
    task's default scorer).
    """
    full = {**_PERMUTATION_DEFAULTS, **settings}

    def compute() -> PermutationImportance:
        from audit.importance import permutation_importance

        return permutation_importance(
            ctx.adapter,
            ctx.X,
            ctx.targets.target,
            random_state=ctx.random_state,
            sample_weight=ctx.sample_weight,
            **full,
        )

    return _cached(ctx, _key("permutation", full), compute)


def coefficients(ctx: AuditContext) -> pd.Series | None:
    """|standardized coefficient| per input column (None when the model is not linear)."""

    def compute() -> pd.Series | None:
        from audit.weights import coefficient_importance

        return coefficient_importance(ctx.adapter, ctx.X, ctx.sample_weight)

    return _cached(ctx, ("coefficients",), compute)


def reliance(ctx: AuditContext, *, n_repeats: int = 5) -> Reliance:
    """How much the model relies on each input column, as shares summing to 1.

    Mean |SHAP| when shap is installed and the attributions can be computed
    (the same attributions the attribution analyzer reports), else permutation
    importance with ``n_repeats`` shuffles. The definition does not depend on
    which analyzers run, so the proxy analysis alone and inside a full audit
    give the same answer.
    """
    from audit.proxies import PERMUTATION, SHAP, Reliance, to_shares

    features = ctx.adapter.used_columns(ctx.X)
    if shap_available():
        try:
            result = attributions(ctx)
        except Exception:
            pass
        else:
            shares = to_shares(result.importance["mean_abs"], features)
            if shares.sum() > 0:
                return Reliance(shares, SHAP)
    perm = permutation(ctx, n_repeats=n_repeats)
    return Reliance(to_shares(perm.table["mean"], features), PERMUTATION)
