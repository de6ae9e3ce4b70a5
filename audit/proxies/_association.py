"""Association between a feature and a sensitive attribute.

* two categorical columns: **Cramér's V** (chi-squared without continuity
  correction, as ``scipy.stats.contingency.association``), in [0, 1];
* a categorical sensitive attribute and a numeric feature: the **correlation
  ratio** η (share of the feature's spread explained by the groups, square
  root), in [0, 1];
* and, for every pair, **mutual information** (sklearn's estimator, in nats;
  computed here for numeric features, see :func:`mutual_information_numeric`)
  and its normalised form MI / H(sensitive), in [0, 1]: the share of the
  attribute's uncertainty the feature removes. It also sees non-linear links
  that η misses.

A numeric sensitive attribute with more than :data:`MAX_CATEGORIES` distinct
values (age) is cut into :data:`N_BINS` quantile bins first. Missing values of a
categorical column are a category of their own; rows where a numeric feature is
missing are left out of that feature's η and mutual information.

:func:`associations` measures every column of a table against one attribute at
once: the η and the mutual information of all numeric columns without missing
values in a few array passes (the k-nearest-neighbour estimate of Ross 2014,
sklearn's, computed for every column together on sorted values; the other
columns one by one, as :func:`association`). It gives the numbers
:func:`association` gives (η to rounding). Both compute the mutual information
of a numeric feature with :func:`mutual_information_numeric`, sklearn's
estimator, whose numbers are sklearn's except for groups of at most 7 rows.
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
    "associations",
    "correlation_ratio",
    "correlation_ratios",
    "cramers_v",
    "is_categorical",
    "mutual_information",
    "mutual_information_numeric",
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
    """Mutual information (nats) between a feature and integer group codes.

    sklearn's ``mutual_info_classif`` estimator: the plug-in estimate from the
    contingency table for a categorical feature, the k-nearest-neighbour
    estimate for a numeric one (computed by :func:`mutual_information_numeric`,
    on the rows where the feature is present).
    """
    if is_categorical(feature):
        from sklearn.feature_selection import mutual_info_classif

        if len(np.unique(groups)) < 2:
            return 0.0
        column = _codes(feature).reshape(-1, 1)
        mi = mutual_info_classif(
            column, groups, discrete_features=[True], random_state=random_state
        )
        return float(max(mi[0], 0.0))
    values = feature.to_numpy(dtype=float)
    present = ~np.isnan(values)
    groups = np.asarray(groups)[present]
    if len(np.unique(groups)) < 2:
        return 0.0
    found = mutual_information_numeric(values[present, None], groups, random_state=random_state)
    return float(found[0])


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


# ------------------------------------------------------------- every column at once

_N_NEIGHBORS = 3  # sklearn's default for mutual_info_classif


def _groups_codes(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense codes ``0..G-1`` of ``groups`` and the count of each."""
    codes = _codes(groups, sort=True)
    return codes, np.bincount(codes)


def correlation_ratios(groups: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Correlation ratio η of every column of ``matrix`` (no missing values) given ``groups``.

    The values of :func:`correlation_ratio`, column by column, to rounding.
    """
    values = np.asarray(matrix, dtype=float)
    codes, counts = _groups_codes(np.asarray(groups))
    n, q = values.shape
    if n == 0:
        return np.zeros(q)
    mean = values.mean(axis=0)
    total = ((values - mean) ** 2).sum(axis=0)
    between = np.zeros(q)
    for g, count in enumerate(counts):
        if count:
            group_mean = values[codes == g].mean(axis=0)
            between += count * (group_mean - mean) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.sqrt(np.minimum(1.0, between / total))
    return np.where(total > 0, eta, 0.0)


def _kth_distance(sorted_values: np.ndarray, k: int) -> np.ndarray:
    """Per row of sorted values, each value's distance to its k-th nearest other value."""
    q, c = sorted_values.shape
    pad = np.concatenate([np.full((q, k), -np.inf), sorted_values, np.full((q, k), np.inf)], axis=1)
    best = np.full((q, c), np.inf)
    for right in range(k + 1):  # the k neighbours: k - right on the left, right on the right
        left = k - right
        reach = np.zeros((q, c))
        if left:
            reach = sorted_values - pad[:, k - left : k - left + c]
        if right:
            reach = np.maximum(reach, pad[:, k + right : k + right + c] - sorted_values)
        best = np.minimum(best, reach)
    return best


def _count_within(sorted_values: np.ndarray, points: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Per row, how many sorted values lie strictly closer than ``radius`` to each point."""
    q, n = sorted_values.shape
    hi = np.empty(points.shape, dtype=np.int64)
    lo = np.empty(points.shape, dtype=np.int64)
    for row in range(q):  # a first guess by binary search, corrected exactly below
        hi[row] = np.searchsorted(sorted_values[row], points[row] + radius[row], side="left")
        lo[row] = np.searchsorted(sorted_values[row], points[row] - radius[row], side="right")
    rows = np.arange(q)[:, None]

    def inside(at: np.ndarray) -> np.ndarray:
        """Whether the value at index ``at`` (clipped to the row) is strictly within radius
        (or equal to the point: a point always counts itself)."""
        gap = np.abs(sorted_values[rows, np.clip(at, 0, n - 1)] - points)
        return (gap < radius) | (gap == 0)

    while True:  # the right end: the first index past the points within radius
        grow = (hi < n) & inside(hi)
        shrink = (
            (hi > 0) & ~inside(hi - 1) & (sorted_values[rows, np.clip(hi - 1, 0, n - 1)] > points)
        )
        if not (grow.any() or shrink.any()):
            break
        hi += grow.astype(np.int64) - shrink.astype(np.int64)
    while True:  # the left end: the first index within radius
        grow = (lo > 0) & inside(lo - 1)
        shrink = (lo < n) & ~inside(lo) & (sorted_values[rows, np.clip(lo, 0, n - 1)] < points)
        if not (grow.any() or shrink.any()):
            break
        lo += shrink.astype(np.int64) - grow.astype(np.int64)
    return hi - lo


def mutual_information_numeric(
    matrix: np.ndarray, groups: np.ndarray, *, random_state: int = 0
) -> np.ndarray:
    """Mutual information (nats) of every column of ``matrix`` with integer group codes.

    sklearn's ``mutual_info_classif`` estimate for one continuous feature
    (Ross 2014, ``k = 3``), computed for all columns together: each column is
    scaled by its standard deviation and given sklearn's tie-breaking noise
    (``1e-10 * max(1, mean |x|)`` times the normal draws of
    ``RandomState(random_state)``, the same for every column, as a one-column
    call draws them); then, on sorted values, each row's distance ``d`` to its
    k-th nearest neighbour within its group (exact differences of the sorted
    values), and the count ``m`` of rows of every group strictly closer than
    ``d`` (itself included). A group of one row is left out, as sklearn does.
    The numbers equal sklearn's to the last digits when every group has more
    than ``2 k + 1 = 7`` rows; for a smaller group sklearn measures distances
    by brute force through ``|x|² - 2 x y + |y|²``, which rounds, and its
    estimate can differ by up to about 0.02 nats.

    Parameters
    ----------
    matrix : numpy.ndarray
        ``(n_rows, n_columns)`` numbers without missing values.
    groups : numpy.ndarray
        ``(n_rows,)`` group of each row.
    random_state : int, default=0
        The noise's seed (sklearn's ``random_state``).

    Returns
    -------
    numpy.ndarray
        ``(n_columns,)``, each at least 0.
    """
    from scipy.special import digamma

    values = np.array(np.asarray(matrix, dtype=float).T, order="C")  # one row per column
    codes, counts = _groups_codes(np.asarray(groups))
    q, n = values.shape
    if q == 0 or len(counts) < 2:
        return np.zeros(q)
    scale = np.std(values, axis=1)
    scale[scale < 10 * np.finfo(float).eps] = 1.0
    values /= scale[:, None]
    means = np.maximum(1, np.mean(np.abs(values), axis=1))
    noise = np.random.RandomState(random_state).standard_normal(size=(n, 1))[:, 0]
    values += 1e-10 * means[:, None] * noise[None, :]
    radius = np.zeros((q, n))
    k_all = np.zeros(n)
    for g, count in enumerate(counts):
        if count < 2:
            continue
        k = min(_N_NEIGHBORS, int(count) - 1)
        members = np.flatnonzero(codes == g)
        part = values[:, members]
        order = np.argsort(part, axis=1, kind="stable")
        distance = _kth_distance(np.take_along_axis(part, order, axis=1), k)
        back = np.empty_like(distance)
        np.put_along_axis(back, order, distance, axis=1)
        radius[:, members] = back
        k_all[members] = k
    kept = counts[codes] > 1
    n_kept = int(kept.sum())
    if n_kept < 2:
        return np.zeros(q)
    points = values[:, kept]
    m_all = _count_within(np.sort(points, axis=1), points, radius[:, kept])
    mi = (
        digamma(n_kept)
        + np.mean(digamma(k_all[kept]))
        - np.mean(digamma(counts[codes][kept].astype(float)))
        - np.mean(digamma(m_all), axis=1)
    )
    return np.maximum(mi, 0.0)


def associations(
    frame: pd.DataFrame,
    sensitive: pd.Series,
    *,
    random_state: int = 0,
    mi_rows: int | None = MI_ROWS,
) -> pd.DataFrame:
    """:func:`association` of every column of ``frame`` with ``sensitive``, in one pass.

    Numeric columns without missing values are measured together
    (:func:`correlation_ratios`, :func:`mutual_information_numeric`); the
    others (categorical columns, numeric ones with missing values) one by one,
    as :func:`association` measures them. Mutual information uses the same
    ``mi_rows`` rows for every column, drawn with the seed, as :func:`association`.

    Returns
    -------
    pandas.DataFrame
        Index: the columns of ``frame``; columns ``measure``, ``value``,
        ``mutual_information``, ``mi_normalized`` and ``strength``.
    """
    groups = as_groups(sensitive)
    entropy = _entropy(groups)
    mi_positions = None
    if mi_rows is not None and len(groups) > mi_rows:
        rng = np.random.default_rng(random_state)
        mi_positions = np.sort(rng.choice(len(groups), mi_rows, False))
    names = list(frame.columns)
    numeric = [
        c
        for c in names
        if not is_categorical(frame[c])
        and (pd.api.types.is_float_dtype(frame[c]) or pd.api.types.is_integer_dtype(frame[c]))
    ]
    block = frame[numeric].to_numpy(dtype=float) if numeric else np.zeros((len(frame), 0))
    complete = ~np.isnan(block).any(axis=0)
    together = [c for c, ok in zip(numeric, complete, strict=True) if ok]
    rows: dict[Any, tuple[str, float, float]] = {}
    if together:
        matrix = block[:, complete]
        eta = correlation_ratios(groups, matrix)
        sub = matrix if mi_positions is None else matrix[mi_positions]
        sub_groups = groups if mi_positions is None else groups[mi_positions]
        mi = mutual_information_numeric(sub, sub_groups, random_state=random_state)
        for c, e, m in zip(together, eta, mi, strict=True):
            rows[c] = ("correlation_ratio", float(e), float(m))
    for c in names:
        if c in rows:
            continue
        found = association(frame[c], sensitive, random_state=random_state, mi_rows=mi_rows)
        rows[c] = (found.measure, found.value, found.mutual_information)
    out = pd.DataFrame(
        [rows[c] for c in names],
        index=pd.Index(names),
        columns=["measure", "value", "mutual_information"],
    )
    out["mi_normalized"] = (
        np.minimum(1.0, out["mutual_information"] / entropy) if entropy > 0 else 0.0
    )
    out["strength"] = np.maximum(out["value"], out["mi_normalized"])
    return out
