"""A row sample stratified by sensitive group, so every group is explained.

The strata are the intersections of the sensitive columns. When the data has
more rows than the budget, each stratum first gets ``min(its size,
min_per_group)`` rows (less when there are too many strata for the budget, but
never zero), and the rest of the budget is shared in proportion to what each
stratum has left. Each sampled row carries the weight ``stratum size / rows
sampled from it``, so weighted means over the sample estimate population means
even though small groups are over-sampled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audit._inputs import check_positive_int

__all__ = ["ALL_ROWS", "StratifiedSample", "ordered", "stratified_sample"]

ALL_ROWS = "(all)"


@dataclass(frozen=True, eq=False)
class StratifiedSample:
    """Which rows were sampled, what each stands for, and how many per group.

    Attributes
    ----------
    positions : numpy.ndarray
        Sorted row positions of the sample.
    weights : numpy.ndarray
        Population rows each sampled row stands for (all 1.0 when every row is kept).
    sizes : pandas.DataFrame
        One row per (attribute, group): ``attribute``, ``group``, ``n_rows``
        (in the data) and ``n_explained`` (in the sample). Without sensitive
        columns, one row for ``"(all)"``.
    """

    positions: np.ndarray
    weights: np.ndarray
    sizes: pd.DataFrame


def _allocate(sizes: np.ndarray, budget: int, min_per_group: int) -> np.ndarray:
    """Rows to draw from each stratum (largest-remainder shares of the budget)."""
    floor = np.minimum(sizes, max(1, min(min_per_group, budget // len(sizes))))
    left = budget - int(floor.sum())
    room = sizes - floor
    if left <= 0 or room.sum() == 0:
        return floor
    share = left * room / room.sum()
    extra = np.floor(share).astype(int)
    short = left - int(extra.sum())
    order = np.argsort(-(share - extra), kind="stable")
    extra[order[:short]] += 1
    return floor + np.minimum(extra, room)


def stratified_sample(
    groups: pd.DataFrame | None,
    n_rows: int,
    *,
    max_rows: int,
    random_state: int = 0,
    min_per_group: int = 30,
) -> StratifiedSample:
    """Draw at most ``max_rows`` rows with every sensitive group represented.

    Parameters
    ----------
    groups : pandas.DataFrame or None
        Sensitive columns aligned with the data, or None for a plain random sample.
    n_rows : int
        Rows in the data.
    max_rows : int
        Row budget. It is exceeded only when there are more intersectional
        groups than ``max_rows`` (each keeps one row).
    random_state : int, default=0
        Seed.
    min_per_group : int, default=30
        Rows every stratum gets before the rest is shared proportionally.

    Returns
    -------
    StratifiedSample
    """
    max_rows = check_positive_int("max_rows", max_rows)
    min_per_group = check_positive_int("min_per_group", min_per_group)
    if groups is not None and groups.shape[1] > 0:
        codes = groups.groupby(list(groups.columns), sort=True, dropna=False).ngroup().to_numpy()
    else:
        codes = np.zeros(n_rows, dtype=int)
    if n_rows <= max_rows:
        positions = np.arange(n_rows)
        weights = np.ones(n_rows)
    else:
        rng = np.random.default_rng(random_state)
        counts = np.bincount(codes)
        quota = _allocate(counts, max_rows, min_per_group)
        order = np.argsort(codes, kind="stable")
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        picked = [
            rng.choice(order[start : start + size], size=take, replace=False)
            for start, size, take in zip(starts, counts, quota, strict=True)
        ]
        positions = np.sort(np.concatenate(picked))
        weights = (counts / np.maximum(quota, 1))[codes[positions]]
    return StratifiedSample(positions, weights, _sizes(groups, positions, n_rows))


def _sizes(groups: pd.DataFrame | None, positions: np.ndarray, n_rows: int) -> pd.DataFrame:
    if groups is None or groups.shape[1] == 0:
        return pd.DataFrame(
            {
                "attribute": [ALL_ROWS],
                "group": [ALL_ROWS],
                "n_rows": [n_rows],
                "n_explained": [len(positions)],
            }
        )
    rows = []
    for attribute in groups.columns:
        column = groups[attribute]
        total = column.value_counts(sort=False, dropna=False)
        taken = column.iloc[positions].value_counts(sort=False, dropna=False)
        for value in ordered(total.index):
            rows.append(
                {
                    "attribute": str(attribute),
                    "group": str(value),
                    "n_rows": int(total[value]),
                    "n_explained": int(taken.get(value, 0)),
                }
            )
    return pd.DataFrame(rows, columns=["attribute", "group", "n_rows", "n_explained"])


def ordered(values: Iterable[Any]) -> list[Any]:
    """Distinct group values in sorted order (by their text when they do not compare)."""
    unique = list(dict.fromkeys(values))
    try:
        return sorted(unique)
    except TypeError:
        return sorted(unique, key=str)
