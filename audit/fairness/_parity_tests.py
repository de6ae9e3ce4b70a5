"""Pairwise parity tests between comparable groups, corrected for multiple comparisons.

A between-group statistic over many groups (the largest difference, the
smallest ratio) is the extreme of many noisy estimates: with twenty groups it
is the worst of 190 pairs. Whether a disparity is "critical" is therefore
decided by a test of parity for each pair of comparable groups, and the
p-values of all pairs are corrected together (Holm by default).

The test of one pair ``(a, b)`` of one metric is a Wald test with a bootstrap
standard error: ``z = (v_b - v_a) / sd*(v_b - v_a)``, where ``sd*`` is the
standard deviation of the difference over the bootstrap replicates (drawn
from the count table, so the two groups' values are resampled jointly with the
overall sample), and ``p = erfc(|z| / sqrt(2))``, two-sided. Parity of a ratio
(``v_a / v_b = 1``) and of a difference (``v_b - v_a = 0``) is the same
hypothesis, so one test serves both. Unlike percentile tail counts, this
p-value is not limited to ``1 / n_boot``, so Holm over hundreds of pairs stays
meaningful with 1,000 replicates.

Corrections: ``"holm"`` (Holm-Bonferroni step-down, controls the family-wise
error rate), ``"bonferroni"``, or ``"none"``. The family is every pair of
comparable groups of that metric (``k (k - 1) / 2`` pairs for ``k`` groups);
with a reference group, every group against the reference (``k - 1``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from audit.errors import InvalidParameterError
from audit.policy import CORRECTIONS

if TYPE_CHECKING:  # pragma: no cover
    from audit.fairness._group_metrics import GroupMetrics

__all__ = ["CORRECTIONS", "Correction", "adjust_pvalues", "parity_tests"]

Correction = Literal["holm", "bonferroni", "none"]

_BAD_CORRECTION = "correction must be one of {allowed}; got {value!r}."
_COLUMNS = [
    "group_a",
    "group_b",
    "value_a",
    "value_b",
    "difference",
    "std_error",
    "p_value",
    "p_adjusted",
    "significant",
]


def check_correction(correction: Any) -> str:
    """Return ``correction`` if it names a known correction, else raise."""
    if not isinstance(correction, str) or correction not in CORRECTIONS:
        raise InvalidParameterError(
            _BAD_CORRECTION.format(allowed=", ".join(map(repr, CORRECTIONS)), value=correction)
        )
    return correction


def adjust_pvalues(p: np.ndarray, correction: str) -> np.ndarray:
    """Family-wise adjusted p-values (NaN p-values stay NaN and are not counted).

    Parameters
    ----------
    p : numpy.ndarray
        Raw p-values of one family.
    correction : {"holm", "bonferroni", "none"}

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, in the order of ``p``.
    """
    check_correction(correction)
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m == 0 or correction == "none":
        out[ok] = p[ok]
        return out
    if correction == "bonferroni":
        out[ok] = np.minimum(1.0, p[ok] * m)
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    stepped = np.minimum(1.0, p[order] * (m - np.arange(m)))
    out[order] = np.maximum.accumulate(stepped)
    return out


def _pvalue(estimate: float, samples: np.ndarray) -> tuple[float, float]:
    """(bootstrap standard error, two-sided Wald p-value) of one pair's difference."""
    samples = samples[np.isfinite(samples)]
    if samples.size < 2 or not math.isfinite(estimate):
        return float("nan"), float("nan")
    se = float(np.std(samples, ddof=1))
    if se == 0.0:
        return 0.0, (1.0 if estimate == 0.0 else 0.0)
    return se, math.erfc(abs(estimate) / (se * math.sqrt(2.0)))


def parity_tests(
    gm: GroupMetrics, metric: str, correction: str = "holm", alpha: float | None = None
) -> pd.DataFrame:
    """Test parity of ``metric`` for every pair of comparable groups.

    Parameters
    ----------
    gm : GroupMetrics
        A result with bootstrap replicates (``n_boot > 0``).
    metric : str
        A column of ``gm.by_group``.
    correction : {"holm", "bonferroni", "none"}, default="holm"
        Multiple-comparison correction over the pairs of this metric.
    alpha : float, optional
        Level of the tests; default ``1 - gm.ci``.

    Returns
    -------
    pandas.DataFrame
        One row per pair (lower value first): ``group_a``, ``group_b``,
        ``value_a``, ``value_b``, ``difference`` (b - a), ``std_error``,
        ``p_value``, ``p_adjusted``, ``significant`` (``p_adjusted < alpha``).
        Empty when fewer than two groups are comparable.
    """
    check_correction(correction)
    gm._check_metric(metric)
    alpha = 1.0 - gm.ci if alpha is None else float(alpha)
    reps, _ = gm._replicate_matrix(True)
    j = list(gm.metrics).index(metric)
    values = gm.by_group[metric].to_numpy(dtype=np.float64)
    usable = np.flatnonzero(gm.sufficient[metric].to_numpy(dtype=bool) & np.isfinite(values))
    labels = gm.group_labels()
    method, ref = gm._resolve(None, None)
    if method == "to_reference":
        from audit.fairness._pairs import reference_position

        r = reference_position(values, usable, ref, gm._base_metric(metric))
        pairs = [] if r is None else [(r, int(g)) for g in usable if g != r]
    else:
        pairs = [(int(a), int(b)) for i, a in enumerate(usable) for b in usable[i + 1 :]]
    rows: list[dict[str, Any]] = []
    for a, b in pairs:
        if values[a] > values[b]:
            a, b = b, a
        diff = float(values[b] - values[a])
        with np.errstate(invalid="ignore"):
            samples = reps[:, b, j] - reps[:, a, j]
        se, p = _pvalue(diff, samples)
        rows.append(
            {
                "group_a": labels[a],
                "group_b": labels[b],
                "value_a": float(values[a]),
                "value_b": float(values[b]),
                "difference": diff,
                "std_error": se,
                "p_value": p,
            }
        )
    frame = pd.DataFrame(rows, columns=_COLUMNS[:-2])
    frame["p_adjusted"] = adjust_pvalues(frame["p_value"].to_numpy(dtype=np.float64), correction)
    frame["significant"] = frame["p_adjusted"].to_numpy(dtype=np.float64) < alpha
    return frame
