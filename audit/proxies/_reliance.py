"""How much the model relies on each input column, as shares that sum to 1.

An audit derives it once per context (:func:`context_reliance`: mean |SHAP|
where shap can explain the model, else permutation importance), and
:func:`audit.proxies.detect_proxies` asks the same function of the context it
builds, so both give the same answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from audit.attributions import context_attributions, shap_available
from audit.context import AuditContext
from audit.importance import context_permutation

__all__ = ["Reliance", "context_reliance", "to_shares"]

SHAP = "mean |SHAP|"
PERMUTATION = "permutation importance"
COEFFICIENT = "|standardized coefficient|"
WEIGHTS = "the weight analysis"


@dataclass(frozen=True, eq=False)
class Reliance:
    """The model's reliance on each input column.

    Attributes
    ----------
    shares : pandas.Series
        Index feature; non-negative shares summing to 1 (all 0 when the model
        relies on nothing measurable).
    source : str
        What the shares are shares of (``"mean |SHAP|"``, ...).
    """

    shares: pd.Series
    source: str

    def ranks(self) -> pd.Series:
        """Rank of each feature by share (1 = most relied on; ties broken by column order)."""
        order = self.shares.sort_values(ascending=False, kind="stable").index
        return pd.Series(range(1, len(order) + 1), index=order).reindex(self.shares.index)


def to_shares(values: pd.Series, features: Sequence[str]) -> pd.Series:
    """Clip at 0 and divide by the total (features missing from ``values`` get 0)."""
    clipped = values.reindex(list(features)).fillna(0.0).astype(float).clip(lower=0.0)
    total = clipped.sum()
    return clipped / total if total > 0 else clipped


def context_reliance(ctx: AuditContext, *, n_repeats: int = 5) -> Reliance:
    """How much an audit's model relies on each input column, computed once per context.

    Mean |SHAP| when shap is installed and the attributions can be computed
    (:func:`audit.attributions.context_attributions` with the context's
    attribution settings: the attributions the audit reports), else
    permutation importance (:func:`audit.importance.context_permutation` with
    ``n_repeats`` shuffles). The definition does not depend on which analyzers
    run, so the proxy analysis alone, inside a full audit and through
    :func:`audit.proxies.detect_proxies` give the same answer.

    Returns
    -------
    Reliance
    """

    def compute() -> Reliance:
        features = ctx.adapter.used_columns(ctx.X)
        if shap_available():
            try:
                result = context_attributions(ctx, **ctx.options_for("attributions"))
            except Exception:  # the attributions analyzer reports why
                pass
            else:
                shares = to_shares(result.importance["mean_abs"], features)
                if shares.sum() > 0:
                    return Reliance(shares, SHAP)
        perm = context_permutation(ctx, n_repeats=n_repeats)
        return Reliance(to_shares(perm.table["mean"], features), PERMUTATION)

    return ctx.derived(("reliance", ("n_repeats", n_repeats)), compute)
