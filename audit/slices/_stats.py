"""Intervals, tests and the false discovery rate, vectorised over every slice tested.

Every slice is tested against the rest of the data (its complement):

* a rate (error rate, FNR, FPR, selection rate): the two-proportion z-test with
  the pooled rate under the null, ``z = (p_s - p_r) / sqrt(p (1 - p) (1/n_s + 1/n_r))``;
* a mean (MAE): Welch's z-test, ``z = (m_s - m_r) / sqrt(v_s / n_s + v_r / n_r)``;

two-sided, ``p = erfc(|z| / sqrt(2))``. With sample weights every ``n`` is
Kish's effective sample size ``(sum w)^2 / sum w^2`` of the rows in the
metric's denominator. The interval of a slice's rate is Wilson's score
interval (with the effective ``n``), of a mean the normal interval.

The p-values of all slices tested form one family, adjusted with the
Benjamini-Hochberg step-up procedure, which controls the false discovery rate
(the expected share of false findings among the slices reported): ``p_(i) m /
i``, made monotone from the largest down, capped at 1.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

__all__ = ["bh_adjust", "mean_interval", "two_sided_p", "wilson_interval", "z_quantile"]

_ERFC = np.frompyfunc(math.erfc, 1, 1)


def z_quantile(ci: float) -> float:
    """The two-sided standard normal quantile of a confidence level (1.96 for 0.95)."""
    return NormalDist().inv_cdf(0.5 + ci / 2.0)


def two_sided_p(z: np.ndarray) -> np.ndarray:
    """Two-sided p-values of standard normal statistics (NaN stays NaN)."""
    z = np.asarray(z, dtype=np.float64)
    out = np.full(z.shape, np.nan)
    ok = np.isfinite(z)
    out[ok] = _ERFC(np.abs(z[ok]) / math.sqrt(2.0)).astype(np.float64)
    out[np.isinf(z)] = 0.0
    return out


def wilson_interval(rate: np.ndarray, n: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of rates observed on ``n`` (effective) rows."""
    z = z_quantile(ci)
    with np.errstate(divide="ignore", invalid="ignore"):
        z2n = z * z / n
        centre = (rate + z2n / 2.0) / (1.0 + z2n)
        half = z / (1.0 + z2n) * np.sqrt(rate * (1.0 - rate) / n + z2n / (4.0 * n))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def mean_interval(
    mean: np.ndarray, variance: np.ndarray, n: np.ndarray, ci: float
) -> tuple[np.ndarray, np.ndarray]:
    """Normal interval of means with the given variances on ``n`` (effective) rows."""
    z = z_quantile(ci)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(np.maximum(variance, 0.0) / n)
    return mean - half, mean + half


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaN p-values stay NaN and are not counted).

    Parameters
    ----------
    p : numpy.ndarray
        Raw p-values of one family.

    Returns
    -------
    numpy.ndarray
        ``min(1, min_{j >= i} p_(j) m / j)`` for each p-value, in the order of ``p``;
        the same as ``statsmodels.stats.multitest.multipletests(p, method="fdr_bh")``.
    """
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    scaled = p[order] * m / np.arange(1, m + 1)
    out[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return out
