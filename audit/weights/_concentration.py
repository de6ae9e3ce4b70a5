"""How concentrated a model's weight is on few features: top share, top-k, Gini, HHI.

The input is one non-negative "weight" per input column (|standardized
coefficient| summed over a column's one-hot columns and classes, an importance,
or a first-layer weight norm times the input's std).

Importance levels (Table 2) follow a Pareto rule on the features sorted by weight,
largest first: a feature is ``"high"`` when the features before it (those with a
strictly larger weight, so tied features share a level) hold less than
:data:`LEVEL_HIGH_CUMSHARE` of the total, ``"medium"`` when they hold less than
:data:`LEVEL_MEDIUM_CUMSHARE`, else ``"low"``. So the top feature is always high,
and the features that together make up the first half of the weight are high.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "LEVEL_HIGH_CUMSHARE",
    "LEVEL_MEDIUM_CUMSHARE",
    "TOP_K",
    "concentration",
    "gini",
    "importance_levels",
    "source_table",
]

LEVEL_HIGH_CUMSHARE = 0.5
"""Features reached before this cumulative share of the weight are ``"high"``."""
LEVEL_MEDIUM_CUMSHARE = 0.8
"""... before this cumulative share ``"medium"``; the rest ``"low"``."""
TOP_K = 3
"""How many leading features the concentration evidence lists."""


def gini(values: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = all equal, → 1 = all on one).

    Uses ``G = 2 Σ_i i·x_(i) / (n Σ x) − (n + 1) / n`` with ``x`` sorted ascending
    and ``i = 1..n``. NaN when the total is zero or there are no values.
    """
    x = np.sort(np.asarray(values, dtype=float).ravel())
    n = x.size
    total = x.sum()
    if n == 0 or not total > 0:
        return float("nan")
    ranks = np.arange(1, n + 1)
    return float(2.0 * np.sum(ranks * x) / (n * total) - (n + 1.0) / n)


def importance_levels(shares: np.ndarray) -> np.ndarray:
    """``"high" / "medium" / "low"`` per share by the Pareto rule of this module.

    Parameters
    ----------
    shares : numpy.ndarray
        Non-negative shares summing to 1, in any order.

    Features with equal shares get the same level: "the features before it" are
    those with a strictly larger share, so the order of ties cannot matter.
    """
    shares = np.asarray(shares, dtype=float)
    order = np.argsort(-shares, kind="stable")
    ranked = shares[order]
    before = np.concatenate([[0.0], np.cumsum(ranked)[:-1]])
    if ranked.size:  # a run of tied shares takes the "before" of its first member
        starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
        before = np.repeat(before[starts], np.diff(np.r_[starts, ranked.size]))
    levels_sorted = np.where(
        before < LEVEL_HIGH_CUMSHARE - 1e-12,
        "high",
        np.where(before < LEVEL_MEDIUM_CUMSHARE - 1e-12, "medium", "low"),
    )
    levels = np.empty(len(shares), dtype=object)
    levels[order] = levels_sorted
    return levels


def source_table(
    weights: pd.Series,
    *,
    n_columns: pd.Series | None = None,
    sensitive: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per input column: weight, share, level and rank, largest first.

    Parameters
    ----------
    weights : pandas.Series
        Non-negative weight per input column (index = column name).
    n_columns : pandas.Series, optional
        Number of model columns each input column became (one-hot width).
    sensitive : sequence of str
        Names of sensitive attributes, marked in the ``sensitive`` column.

    Returns
    -------
    pandas.DataFrame
        Columns ``source, weight, share, level, rank, n_columns, sensitive``.
    """
    w = weights.astype(float)
    total = float(w.sum())
    share = w / total if total > 0 else w * np.nan
    frame = pd.DataFrame(
        {
            "source": [str(s) for s in w.index],
            "weight": w.to_numpy(),
            "share": share.to_numpy(),
        }
    )
    if total > 0:
        frame["level"] = importance_levels(frame["share"].to_numpy())
    else:
        frame["level"] = "low"
    frame = frame.sort_values(["weight", "source"], ascending=[False, True], kind="stable")
    frame["rank"] = np.arange(1, len(frame) + 1)
    if n_columns is not None:
        frame["n_columns"] = [int(n_columns.get(s, 1)) for s in frame["source"]]
    else:
        frame["n_columns"] = 1
    frame["sensitive"] = frame["source"].isin(list(sensitive))
    return frame.reset_index(drop=True)


def concentration(table: pd.DataFrame, *, basis: str, k: int = TOP_K) -> dict[str, Any]:
    """Concentration measures of a :func:`source_table`.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`source_table` (sorted, with ``weight`` and ``share``).
    basis : str
        Plain words for what the weights are (kept in the evidence).
    k : int, default=3
        How many leading features to list.

    Returns
    -------
    dict
        ``basis, n_features, top_feature, top_share, top_k`` (list of
        ``{"feature", "share"}``), ``top_k_share`` (their total), ``gini``,
        ``hhi`` (Σ share²) and ``effective_n`` (1 / HHI).
    """
    shares = table["share"].to_numpy(dtype=float)
    valid = len(table) > 0 and np.isfinite(shares).all()
    top = table.head(k)
    hhi = float(np.sum(shares**2)) if valid else float("nan")
    return {
        "basis": basis,
        "n_features": len(table),
        "top_feature": str(table["source"].iloc[0]) if valid else None,
        "top_share": float(shares[0]) if valid else float("nan"),
        "top_k": [
            {"feature": str(f), "share": float(s)}
            for f, s in zip(top["source"], top["share"], strict=True)
        ]
        if valid
        else [],
        "top_k_share": float(top["share"].sum()) if valid else float("nan"),
        "gini": gini(table["weight"].to_numpy()) if valid else float("nan"),
        "hhi": hhi,
        "effective_n": 1.0 / hhi if valid and hhi > 0 else float("nan"),
    }
