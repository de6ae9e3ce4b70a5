"""Association between a feature and a sensitive attribute.

* two categorical columns: **Cramér's V** (chi-squared without continuity
  correction, as ``scipy.stats.contingency.association``), in [0, 1];
* a categorical sensitive attribute and a numeric feature: the **correlation
  ratio** η (share of the feature's spread explained by the groups, square
  root), in [0, 1];
* and, for every pair, **mutual information** (sklearn's estimator, in nats)
  and its normalised form MI / H(sensitive), in [0, 1]: the share of the
  attribute's uncertainty the feature removes. It also sees non-linear links
  that η misses.

A numeric sensitive attribute with more than :data:`MAX_CATEGORIES` distinct
values (age) is cut into :data:`N_BINS` quantile bins first. Missing values of a
categorical column are a category of their own; rows where a numeric feature is
missing are left out of that feature's η and mutual information.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "MAX_CATEGORIES",
    "MI_ROWS",
    "N_BINS",
    "Association",
    "as_groups",
    "association",
    "correlation_ratio",
    "cramers_v",
    "is_categorical",
    "mutual_information",
]

MAX_CATEGORIES = 10
N_BINS = 5
MI_ROWS = 5000
"""Rows the mutual-information estimate uses at most."""


@dataclass(frozen=True)
class Association:
    """How strongly one feature is tied to one sensitive attribute.

    Attributes
    ----------
    measure : {"cramers_v", "correlation_ratio"}
        The classical measure used for this pair of column kinds.
    value : float
        Its value, in [0, 1].
    mutual_information : float
        Mutual information in nats.
    mi_normalized : float
        Mutual information / entropy of the sensitive attribute, in [0, 1].
    """

    measure: str
    value: float
    mutual_information: float
    mi_normalized: float

    @property
    def strength(self) -> float:
        """The larger of ``value`` and ``mi_normalized``: what the proxy threshold judges."""
        return max(self.value, self.mi_normalized)


def is_categorical(values: pd.Series) -> bool:
    """Non-numeric and boolean columns are categorical."""
    return not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)


def as_groups(values: pd.Series) -> np.ndarray:
    """Integer group codes of a sensitive attribute (quantile bins for a many-valued number)."""
    if not is_categorical(values) and values.nunique() > MAX_CATEGORIES:
        values = pd.qcut(values, N_BINS, duplicates="drop")
    return _codes(values, sort=True)


def _codes(values: Any, *, sort: bool = False) -> np.ndarray:
    """Integer codes, with missing values as a category of their own."""
    return pd.factorize(np.asarray(values, dtype=object), sort=sort, use_na_sentinel=False)[0]


def cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Cramér's V of two categorical arrays (no continuity correction)."""
    codes_a = _codes(a)
    codes_b = _codes(b)
    r, c = codes_a.max() + 1, codes_b.max() + 1
    if min(r, c) < 2:
        return 0.0
    observed = np.bincount(codes_a * c + codes_b, minlength=r * c).reshape(r, c).astype(float)
    n = observed.sum()
    expected = observed.sum(axis=1, keepdims=True) * observed.sum(axis=0, keepdims=True) / n
    chi2 = ((observed - expected) ** 2 / expected).sum()
    return float(np.sqrt(chi2 / n / (min(r, c) - 1)))


def correlation_ratio(groups: np.ndarray, values: np.ndarray) -> float:
    """Correlation ratio η of numeric ``values`` given categorical ``groups`` (NaN left out)."""
    values = np.asarray(values, dtype=float)
    present = ~np.isnan(values)
    codes = _codes(np.asarray(groups)[present])
    values = values[present]
    if len(values) == 0:
        return 0.0
    counts = np.bincount(codes)
    means = np.bincount(codes, weights=values) / counts
    total = ((values - values.mean()) ** 2).sum()
    if total <= 0:
        return 0.0
    between = (counts * (means - values.mean()) ** 2).sum()
    return float(np.sqrt(min(1.0, between / total)))


def _entropy(codes: np.ndarray) -> float:
    p = np.bincount(codes) / len(codes)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def mutual_information(feature: pd.Series, groups: np.ndarray, *, random_state: int = 0) -> float:
    """Mutual information (nats) between a feature and integer group codes (sklearn's estimator)."""
    from sklearn.feature_selection import mutual_info_classif

    if is_categorical(feature):
        column = _codes(feature).reshape(-1, 1)
        discrete = True
    else:
        values = feature.to_numpy(dtype=float)
        present = ~np.isnan(values)
        column, groups = values[present].reshape(-1, 1), np.asarray(groups)[present]
        discrete = False
    if len(np.unique(groups)) < 2:
        return 0.0
    mi = mutual_info_classif(
        column, groups, discrete_features=[discrete], random_state=random_state
    )
    return float(max(mi[0], 0.0))


def association(
    feature: pd.Series,
    sensitive: pd.Series,
    *,
    random_state: int = 0,
    mi_rows: int | None = MI_ROWS,
) -> Association:
    """Association of ``feature`` with ``sensitive`` (see the module docstring).

    Cramér's V and η use every row; mutual information (a k-nearest-neighbour
    estimate for numeric features) uses at most ``mi_rows`` rows drawn with the seed.
    """
    groups = as_groups(sensitive)
    if is_categorical(feature):
        measure, value = "cramers_v", cramers_v(feature.to_numpy(), groups)
    else:
        measure, value = "correlation_ratio", correlation_ratio(groups, feature.to_numpy())
    if mi_rows is not None and len(groups) > mi_rows:
        rows = np.sort(np.random.default_rng(random_state).choice(len(groups), mi_rows, False))
        mi = mutual_information(feature.iloc[rows], groups[rows], random_state=random_state)
    else:
        mi = mutual_information(feature, groups, random_state=random_state)
    entropy = _entropy(groups)
    normalized = min(1.0, mi / entropy) if entropy > 0 else 0.0
    return Association(measure, value, mi, normalized)
