"""How much the model relies on each input column, as shares that sum to 1.

Read from the analyses that ran before (mean |SHAP|, then permutation
importance, then |standardized coefficient|, then the weight analysis's
per-column weights), or measured with permutation importance when none is
available.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["Reliance", "reliance_from_prior", "to_shares"]

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


def _ran(prior: Mapping[str, Any], name: str) -> Any:
    out = prior.get(name)
    if out is None or getattr(out, "status", None) != "ran":
        return None
    return getattr(out, "result", None)


def reliance_from_prior(prior: Mapping[str, Any], features: Sequence[str]) -> Reliance | None:
    """Reliance from an earlier analysis's result, best source first; None if none ran."""
    attributions = _ran(prior, "attributions")
    if attributions is not None:
        shares = to_shares(attributions.importance["mean_abs"], features)
        if shares.sum() > 0:
            return Reliance(shares, SHAP)
    importance = _ran(prior, "importance")
    if importance is not None:
        for column, source in (
            ("shap", SHAP),
            ("permutation", PERMUTATION),
            ("coefficient", COEFFICIENT),
        ):
            if column in importance.table:
                shares = to_shares(importance.table[column], features)
                if shares.sum() > 0:
                    return Reliance(shares, source)
    weights = _ran(prior, "weights")
    by_source = getattr(weights, "by_source", None)
    if by_source is not None and {"source", "weight"} <= set(by_source.columns):
        shares = to_shares(by_source.set_index("source")["weight"], features)
        if shares.sum() > 0:
            kind = getattr(weights, "model_kind", "")
            return Reliance(shares, COEFFICIENT if kind == "linear" else WEIGHTS)
    return None
