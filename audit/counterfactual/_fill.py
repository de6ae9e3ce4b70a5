"""Counterfactual values of a proxy feature: what it would hold in another group.

Changing a sensitive attribute while a feature that encodes it keeps its value
tests the model with a row that exists nowhere: a "man" whose
``personal_status`` still reads "female: divorced". The proxy variant of the
flip test therefore moves every proxy of the attribute to the target group too.
Three ways, all drawing values only from rows of the target group (so every
counterfactual value is one the model has seen there), chosen by
``proxy_fill``:

``"transport"`` (default)
    The optimal transport map from the row's group to the target group, one
    feature at a time: a numeric proxy takes the target group's value at the
    row's own quantile within its group (the 1-D Wasserstein map used by
    FlipTest, Black, Yeom & Fredrikson, 2020; a rank-preserving counterfactual,
    as a structural model ``proxy = f(group) + noise`` with the noise kept would
    give); a categorical proxy keeps its value as often as the target group's
    distribution allows and is otherwise drawn from the categories the target
    group has in excess (the maximal coupling: each row's value has exactly the
    target group's distribution, and as few rows as possible change). Each
    counterfactual proxy is distributed as in the target group, and a row that
    is typical of its group stays typical of the target group.
``"sample"``
    Every proxy copied from one donor row of the target group drawn at random
    (with the audit's seed): the proxies' joint distribution in the target group
    is kept, the row's own position in its group is not.
``"mode"``
    The target group's most frequent value (categorical) or its median
    (numeric; the lower one, an observed value): one typical value for every row.

Each function returns *donor row positions*: the counterfactual value of row
``i`` is the feature's value at ``donors[i]`` (a row of the target group), so the
column keeps its dtype (categories, nullable integers, text) exactly.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["PROXY_FILLS", "ProxyFill", "donor_rows", "is_numeric"]

ProxyFill = Literal["transport", "sample", "mode"]
PROXY_FILLS: tuple[str, ...] = ("transport", "sample", "mode")
"""The ways a proxy is moved to the target group (see the module docstring)."""


def is_numeric(values: pd.Series) -> bool:
    """Numbers (not booleans, not categoricals) are moved by quantile; the rest by category."""
    return (
        bool(pd.api.types.is_numeric_dtype(values))
        and not pd.api.types.is_bool_dtype(values)
        and not isinstance(values.dtype, pd.CategoricalDtype)
    )


def _numbers(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=float, na_value=np.nan)


def _categories(values: pd.Series) -> np.ndarray:
    """Integer codes, a missing value being a category of its own."""
    return pd.factorize(values, use_na_sentinel=False)[0]


def _quantile_donors(
    values: np.ndarray,
    codes: np.ndarray,
    rows: np.ndarray,
    target_rows: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Target-group rows at each row's quantile within its own group (1-D optimal transport)."""
    donors = rng.choice(target_rows, size=len(rows))  # rows whose own value is missing
    target_values = values[target_rows]
    present = ~np.isnan(target_values)
    if not present.any():
        return donors
    order = np.argsort(target_values[present], kind="stable")
    sorted_rows = target_rows[present][order]
    n_target = len(sorted_rows)
    source = codes[rows]
    for group in np.unique(source):
        at = np.flatnonzero(source == group)
        own = pd.Series(values[rows[at]])
        known = own.notna().to_numpy()
        if not known.any():
            continue
        # mid-rank quantile in the row's own group; ties share one quantile
        u = (own[known].rank(method="average").to_numpy() - 0.5) / known.sum()
        position = np.clip(np.ceil(u * n_target).astype(np.int64) - 1, 0, n_target - 1)
        donors[at[known]] = sorted_rows[position]
    return donors


def _coupling_donors(
    categories: np.ndarray,
    codes: np.ndarray,
    rows: np.ndarray,
    target_rows: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Maximal coupling of a row's category with the target group's distribution."""
    n_categories = int(categories.max()) + 1
    target = np.bincount(categories[target_rows], minlength=n_categories).astype(float)
    target /= target.sum()
    # one row of the target group for each category it holds (they all hold the same value)
    first = np.full(n_categories, -1, dtype=np.int64)
    first[categories[target_rows][::-1]] = target_rows[::-1]
    donors = np.empty(len(rows), dtype=np.int64)
    source = codes[rows]
    for group in np.unique(source):
        at = np.flatnonzero(source == group)
        own = categories[rows[at]]
        p_own = np.bincount(own, minlength=n_categories) / len(own)
        with np.errstate(divide="ignore", invalid="ignore"):
            keep = np.where(p_own > 0, np.minimum(1.0, target / p_own), 0.0)
        kept = rng.random(len(at)) < keep[own]
        excess = np.clip(target - p_own, 0.0, None)
        moved = ~kept
        if moved.any():
            drawn = rng.choice(n_categories, size=int(moved.sum()), p=excess / excess.sum())
            donors[at[moved]] = first[drawn]
        donors[at[kept]] = first[own[kept]]
    return donors


def _mode_donor(column: pd.Series, target_rows: np.ndarray) -> int:
    """The target-group row holding its most frequent value, or its (lower) median."""
    if is_numeric(column):
        values = _numbers(column)[target_rows]
        present = np.flatnonzero(~np.isnan(values))
        if len(present):
            order = present[np.argsort(values[present], kind="stable")]
            return int(target_rows[order[(len(order) - 1) // 2]])
    categories = _categories(column.iloc[target_rows])
    return int(target_rows[int(np.argmax(categories == np.argmax(np.bincount(categories))))])


def donor_rows(
    X: pd.DataFrame,
    features: list[str],
    codes: np.ndarray,
    rows: np.ndarray,
    target: int,
    *,
    how: ProxyFill,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """For each proxy feature, the target-group row each changed row takes its value from.

    Parameters
    ----------
    X : pandas.DataFrame
        The audit data.
    features : list of str
        The proxies to move.
    codes : numpy.ndarray
        Group code of every row of ``X``.
    rows : numpy.ndarray
        Positions of the rows being moved to the ``target`` group (none of them in it).
    target : int
        The target group's code.
    how : {"transport", "sample", "mode"}
        See the module docstring.
    rng : numpy.random.Generator
        Draws of ``"sample"`` and of the categorical coupling.

    Returns
    -------
    dict of str to numpy.ndarray
        ``{feature: donor positions}``, one position per row of ``rows``.
    """
    target_rows = np.flatnonzero(codes == target)
    if how == "sample":
        donors = rng.choice(target_rows, size=len(rows))
        return {feature: donors for feature in features}
    out = {}
    for feature in features:
        column = X[feature]
        if how == "mode":
            out[feature] = np.full(len(rows), _mode_donor(column, target_rows), dtype=np.int64)
        elif is_numeric(column):
            out[feature] = _quantile_donors(_numbers(column), codes, rows, target_rows, rng)
        else:
            out[feature] = _coupling_donors(_categories(column), codes, rows, target_rows, rng)
    return out
