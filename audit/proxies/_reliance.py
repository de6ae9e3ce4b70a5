"""How much the model relies on each input column, as shares that sum to 1.

An audit derives it once (``audit.analyzers.quantities.reliance``: mean
|SHAP| where shap can explain the model, else permutation importance);
:func:`audit.proxies.detect_proxies` measures it the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

__all__ = ["Reliance", "to_shares"]

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
