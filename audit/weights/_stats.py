"""Distribution statistics of a weight array, and the rule that labels its shape.

The shape rule is applied in this order (thresholds are the constants below):

1. fewer than :data:`SHAPE_MIN_COUNT` values → ``"too-few"`` (moments are unreliable);
2. zero standard deviation → ``"constant"``;
3. ``|skewness| > SKEW_THRESHOLD`` → ``"skewed"``;
4. ``excess kurtosis > HEAVY_TAIL_KURTOSIS`` → ``"heavy-tailed"``;
5. excess kurtosis within ``UNIFORM_KURTOSIS_RANGE`` (a uniform law has −1.2) *and*
   bounded, i.e. ``(max − min) / std <= UNIFORM_MAX_RANGE_OVER_STD`` (a uniform law
   has 2·√3 ≈ 3.46; a Gaussian sample of a few hundred values has about 6) → ``"uniform"``;
6. excess kurtosis below the uniform range → ``"bimodal"`` (mass pushed to two ends);
7. otherwise → ``"gaussian"``.

Skewness and excess kurtosis are the biased moment estimators
(``scipy.stats.skew(x)`` and ``scipy.stats.kurtosis(x, fisher=True)``); the
standard deviation is the population one (``ddof=0``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "SHAPE_MIN_COUNT",
    "SKEW_THRESHOLD",
    "HEAVY_TAIL_KURTOSIS",
    "UNIFORM_KURTOSIS_RANGE",
    "UNIFORM_MAX_RANGE_OVER_STD",
    "NEAR_ZERO_RELATIVE",
    "SHAPE_LABELS",
    "distribution_stats",
    "shape_label",
    "summary_stats",
    "pooled_summary",
]

SHAPE_MIN_COUNT = 20
"""Below this many values no shape label is given (``"too-few"``)."""
SKEW_THRESHOLD = 1.0
"""``|skewness|`` above this → ``"skewed"``."""
HEAVY_TAIL_KURTOSIS = 3.0
"""Excess kurtosis above this → ``"heavy-tailed"``."""
UNIFORM_KURTOSIS_RANGE = (-1.5, -0.9)
"""Excess kurtosis in this closed range (around the uniform's −1.2), if bounded → ``"uniform"``."""
UNIFORM_MAX_RANGE_OVER_STD = 3.8
"""A "bounded" array has ``(max − min) / std`` at most this (uniform: 2·√3 ≈ 3.46)."""
NEAR_ZERO_RELATIVE = 1e-3
"""A weight is "near zero" when ``|w| < NEAR_ZERO_RELATIVE * max(|w|)``."""

SHAPE_LABELS = ("gaussian", "uniform", "skewed", "heavy-tailed", "bimodal", "constant", "too-few")


def shape_label(
    *, count: int, std: float, skewness: float, kurtosis: float, value_range: float
) -> str:
    """Label a distribution's shape by the rule in this module's docstring.

    Parameters
    ----------
    count : int
        Number of values.
    std : float
        Population standard deviation.
    skewness : float
        Biased sample skewness.
    kurtosis : float
        Biased sample excess (Fisher) kurtosis.
    value_range : float
        ``max - min``.

    Returns
    -------
    str
        One of :data:`SHAPE_LABELS`.
    """
    if count < SHAPE_MIN_COUNT:
        return "too-few"
    if not std > 0:
        return "constant"
    if abs(skewness) > SKEW_THRESHOLD:
        return "skewed"
    if kurtosis > HEAVY_TAIL_KURTOSIS:
        return "heavy-tailed"
    low, high = UNIFORM_KURTOSIS_RANGE
    if low <= kurtosis <= high and value_range / std <= UNIFORM_MAX_RANGE_OVER_STD:
        return "uniform"
    if kurtosis < low:
        return "bimodal"
    return "gaussian"


def summary_stats(values: np.ndarray) -> dict[str, float | int]:
    """Count, min, max, mean, std (ddof=0) and zeros of an array (Table 1 of the design).

    Parameters
    ----------
    values : array-like
        Any shape; flattened.

    Returns
    -------
    dict
        ``count, min, max, mean, std, abs_mean, n_zero`` (NaN statistics when empty).
    """
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size == 0:
        nan = float("nan")
        return {
            "count": 0,
            "min": nan,
            "max": nan,
            "mean": nan,
            "std": nan,
            "abs_mean": nan,
            "n_zero": 0,
        }
    return {
        "count": int(arr.size),
        "min": float(arr.min()),
        "max": float(arr.max()),
        "mean": float(arr.mean()),
        "std": float(arr.std()),
        "abs_mean": float(np.abs(arr).mean()),
        "n_zero": int(np.count_nonzero(arr == 0)),
    }


def pooled_summary(arrays: Iterable[np.ndarray]) -> dict[str, float | int]:
    """:func:`summary_stats` of several arrays together, without concatenating them.

    Means and variances are combined with Chan et al.'s pairwise update, so a
    large network's parameters are never copied into one array.
    """
    count, mean, m2, abs_sum, n_zero = 0, 0.0, 0.0, 0.0, 0
    low, high = float("inf"), float("-inf")
    for values in arrays:
        arr = np.asarray(values, dtype=float).ravel()
        if arr.size == 0:
            continue
        n_b, mean_b = arr.size, float(arr.mean())
        m2_b = float(np.sum((arr - mean_b) ** 2))
        total = count + n_b
        delta = mean_b - mean
        mean += delta * n_b / total
        m2 += m2_b + delta**2 * count * n_b / total
        count = total
        abs_sum += float(np.abs(arr).sum())
        n_zero += int(np.count_nonzero(arr == 0))
        low, high = min(low, float(arr.min())), max(high, float(arr.max()))
    if count == 0:
        return summary_stats(np.zeros(0))
    return {
        "count": count,
        "min": low,
        "max": high,
        "mean": mean,
        "std": float(np.sqrt(m2 / count)),
        "abs_mean": abs_sum / count,
        "n_zero": n_zero,
    }


def distribution_stats(values: np.ndarray, *, matrix_norms: bool = True) -> dict[str, Any]:
    """Distribution statistics of one weight array.

    Parameters
    ----------
    values : numpy.ndarray
        The weights, any shape.
    matrix_norms : bool, default=True
        Compute the spectral norm for arrays with two or more dimensions
        (arrays with more are reshaped to ``(shape[0], -1)``, as for conv kernels).

    Returns
    -------
    dict
        ``count, mean, std, min, max, abs_max, skewness, kurtosis`` (excess),
        ``near_zero`` (fraction with ``|w| < NEAR_ZERO_RELATIVE * abs_max``),
        ``frobenius`` (the 2-norm of all values), ``spectral`` (largest singular
        value; NaN for 1-D arrays) and ``shape_label``.
    """
    arr = np.asarray(values, dtype=np.float64)
    flat = arr.ravel()
    n = int(flat.size)
    if n == 0:
        nan = float("nan")
        return {
            "count": 0,
            "mean": nan,
            "std": nan,
            "min": nan,
            "max": nan,
            "abs_max": nan,
            "skewness": nan,
            "kurtosis": nan,
            "near_zero": nan,
            "frobenius": 0.0,
            "spectral": nan,
            "shape_label": "too-few",
        }
    mean = float(flat.mean())
    centred = flat - mean
    m2 = float(np.mean(centred**2))
    std = float(np.sqrt(m2))
    if m2 > 0 and np.isfinite(m2):
        m3 = float(np.mean(centred**3))
        m4 = float(np.mean(centred**4))
        skewness = m3 / m2**1.5
        kurtosis = m4 / m2**2 - 3.0
    else:
        skewness = kurtosis = float("nan")
    low, high = float(flat.min()), float(flat.max())
    abs_max = float(np.abs(flat).max())
    near_zero = float(np.mean(np.abs(flat) < NEAR_ZERO_RELATIVE * abs_max)) if abs_max > 0 else 1.0
    spectral = float("nan")
    if matrix_norms and arr.ndim >= 2:
        spectral = float(np.linalg.norm(arr.reshape(arr.shape[0], -1), ord=2))
    return {
        "count": n,
        "mean": mean,
        "std": std,
        "min": low,
        "max": high,
        "abs_max": abs_max,
        "skewness": skewness,
        "kurtosis": kurtosis,
        "near_zero": near_zero,
        "frobenius": float(np.linalg.norm(flat)),
        "spectral": spectral,
        "shape_label": shape_label(
            count=n, std=std, skewness=skewness, kurtosis=kurtosis, value_range=high - low
        ),
    }
