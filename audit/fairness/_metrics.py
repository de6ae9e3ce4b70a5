"""Metrics as arithmetic on the per-group count table.

Each function takes arrays whose last axis (or axes) holds sufficient
statistics and any leading axes (groups, bootstrap replicates), and returns
a dict of metric arrays with those leading axes. The same code computes the
point estimates (shape ``(G,)``) and the bootstrap replicates (``(B, G)``).

Conventions, the same as scikit-learn / fairlearn unless stated:

* ``selection_rate`` = share predicted positive; ``base_rate`` = share
  actually positive; ``tpr`` (recall), ``fpr``, ``fnr``, ``tnr``
  (specificity), ``precision`` (PPV), ``npv``; ``accuracy``;
  ``balanced_accuracy`` = mean of TPR and TNR over the classes present (as
  :func:`sklearn.metrics.balanced_accuracy_score`); ``f1`` =
  ``2 tp / (2 tp + fp + fn)``. Weighted counts where weights are given.
* 0/0 (``zero_division``): scikit-learn and fairlearn return 0 for a rate
  whose denominator is empty (TPR of a group with no positives, precision of
  a group with no predicted positives). Here the default is NaN, because the
  rate is undefined, and the verdict of such a cell is always "insufficient
  evidence"; pass ``zero_division=0.0`` for fairlearn's numbers exactly.
  ``balanced_accuracy`` and ``auc`` do not depend on it (NaN for a group
  with a single class, as scikit-learn). A group with no rows is NaN
  throughout.
* regression: ``mean_residual`` = mean of ``y_true - y_pred``; ``rmse`` =
  root of the mean squared error; ``r2`` as :func:`sklearn.metrics.r2_score`
  (NaN for fewer than two rows; when all targets are equal, NaN, or with a
  numeric ``zero_division`` scikit-learn's ``force_finite`` value: 1 for a
  perfect fit, else 0).
* scores: ``auc`` (ROC AUC, ties count half), ``brier`` (mean squared
  difference of score and label), ``ece`` (expected calibration error over
  10 equal-width bins: ``sum_b W_b / W * |mean label_b - mean score_b|``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from audit.fairness._counts import ECE_BINS, SCORE_BINS

__all__ = [
    "BINARY_METRICS",
    "PER_CLASS_METRICS",
    "SCORE_METRICS",
    "REGRESSION_METRICS",
    "LOWER_IS_BETTER",
    "class_column",
    "binary_metrics",
    "binary_denominators",
    "multiclass_metrics",
    "multiclass_denominators",
    "effective_size",
    "score_metrics",
    "regression_metrics",
    "regression_overall",
]

BINARY_METRICS: tuple[str, ...] = (
    "base_rate",
    "selection_rate",
    "tpr",
    "fpr",
    "fnr",
    "tnr",
    "precision",
    "npv",
    "accuracy",
    "balanced_accuracy",
    "f1",
)
"""Binary classification metrics, in column order."""
PER_CLASS_METRICS: tuple[str, ...] = (
    "base_rate",
    "selection_rate",
    "tpr",
    "fpr",
    "fnr",
    "tnr",
    "precision",
    "npv",
    "f1",
)
"""One-vs-rest metrics reported per class for multiclass tasks, as ``metric[class]``."""
SCORE_METRICS: tuple[str, ...] = ("auc", "brier", "ece")
"""Metrics of ``y_score`` (binary only)."""
REGRESSION_METRICS: tuple[str, ...] = (
    "mean_target",
    "mean_prediction",
    "mean_residual",
    "mae",
    "rmse",
    "r2",
)
"""Regression metrics, in column order."""
LOWER_IS_BETTER: frozenset[str] = frozenset({"fpr", "fnr", "brier", "ece", "mae", "rmse"})
"""Metrics for which the "best" group is the one with the lowest value."""


def class_column(metric: str, label: Any) -> str:
    """Name of the column of a per-class metric, e.g. ``"selection_rate[cat]"``."""
    return f"{metric}[{label}]"


def _div(num: np.ndarray, den: np.ndarray, zero_division: float = np.nan) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.true_divide(num, den)
    if not np.isnan(zero_division):
        out = np.where(den == 0, zero_division, out)
    return out


def binary_metrics(cells: np.ndarray, zero_division: float = np.nan) -> dict[str, np.ndarray]:
    """Binary metrics from confusion counts ``cells[..., (tn, fp, fn, tp)]``."""
    tn, fp, fn, tp = cells[..., 0], cells[..., 1], cells[..., 2], cells[..., 3]
    total = tn + fp + fn + tp
    pos = fn + tp
    neg = tn + fp
    ppos = fp + tp
    zd = zero_division
    tpr_nan = _div(tp, pos)
    tnr_nan = _div(tn, neg)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_defined = (pos > 0).astype(np.float64) + (neg > 0)
        balanced = (np.where(pos > 0, tpr_nan, 0.0) + np.where(neg > 0, tnr_nan, 0.0)) / n_defined
    out = {
        "base_rate": _div(pos, total),
        "selection_rate": _div(ppos, total),
        "tpr": tpr_nan if np.isnan(zd) else _div(tp, pos, zd),
        "fpr": _div(fp, neg, zd),
        "fnr": _div(fn, pos, zd),
        "tnr": tnr_nan if np.isnan(zd) else _div(tn, neg, zd),
        "precision": _div(tp, ppos, zd),
        "npv": _div(tn, tn + fn, zd),
        "accuracy": _div(tp + tn, total),
        "balanced_accuracy": balanced,
        "f1": _div(2 * tp, 2 * tp + fp + fn, zd),
    }
    if not np.isnan(zd):
        empty = total == 0
        if np.any(empty):
            for value in out.values():
                value[empty] = np.nan
    return out


def effective_size(w: np.ndarray, w2: np.ndarray) -> np.ndarray:
    """Kish's effective sample size ``(Σw)² / Σw²`` (0 where there is no weight)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        safe = np.where(w2 > 0, w2, 1.0)
        direct = w * w / safe  # exact for equal weights
        scaled = (w / np.sqrt(safe)) ** 2  # no overflow of w * w
        size = np.where(w2 > 0, np.where(np.isfinite(direct), direct, scaled), 0.0)
    # k equal weights give k ± 1 ulp: snap to the whole number, so scaling every weight
    # never flips a verdict at min_count on a rounding step
    whole = np.rint(size)
    return np.where(np.abs(size - whole) <= 1e-9 * np.maximum(whole, 1.0), whole, size)


def _sizes(n_cells: np.ndarray, w_cells: np.ndarray | None, w2_cells: np.ndarray | None) -> Any:
    """Sample size of a set of cells: rows, or the effective size when weighted."""

    def size(*idx: int) -> np.ndarray:
        if w_cells is None or w2_cells is None:
            return sum(n_cells[..., i] for i in idx)
        return effective_size(sum(w_cells[..., i] for i in idx), sum(w2_cells[..., i] for i in idx))

    return size


def binary_denominators(
    n_cells: np.ndarray,
    w_cells: np.ndarray | None = None,
    w2_cells: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Evidence behind each binary metric (what ``min_count`` is compared with).

    Rows of the metric's denominator cells; with ``w_cells`` and ``w2_cells``
    (weighted counts and sums of squared weights) the effective sample size
    ``(Σw)² / Σw²`` of those cells instead, so rows of weight 0 add no
    evidence and the verdicts do not change when every weight is scaled.
    """
    size = _sizes(n_cells, w_cells, w2_cells)
    total = size(0, 1, 2, 3)
    pos, neg = size(2, 3), size(0, 1)
    return {
        "base_rate": total,
        "selection_rate": total,
        "tpr": pos,
        "fpr": neg,
        "fnr": pos,
        "tnr": neg,
        "precision": size(1, 3),
        "npv": size(0, 2),
        "accuracy": total,
        "balanced_accuracy": np.minimum(pos, neg),
        "f1": size(1, 2, 3),
        "auc": np.minimum(pos, neg),
        "brier": total,
        "ece": total,
    }


def _one_vs_rest(cells: np.ndarray, k: int) -> np.ndarray:
    """Per-class (tn, fp, fn, tp) from flattened K x K confusion counts."""
    m = cells.reshape(*cells.shape[:-1], k, k)
    tp = np.diagonal(m, axis1=-2, axis2=-1)
    actual = m.sum(axis=-1)
    predicted = m.sum(axis=-2)
    total = actual.sum(axis=-1, keepdims=True)
    fn = actual - tp
    fp = predicted - tp
    tn = total - actual - predicted + tp
    return np.stack([tn, fp, fn, tp], axis=-1)


def multiclass_metrics(
    cells: np.ndarray, classes: Sequence[Any], zero_division: float = np.nan
) -> dict[str, np.ndarray]:
    """Accuracy, balanced accuracy and one-vs-rest metrics per class from K x K counts."""
    k = len(classes)
    ovr = _one_vs_rest(cells, k)
    per_class = binary_metrics(ovr, zero_division)
    m = cells.reshape(*cells.shape[:-1], k, k)
    total = cells.sum(axis=-1)
    support = m.sum(axis=-1)
    recall = per_class["tpr"] if np.isnan(zero_division) else _div(ovr[..., 3], support)
    with np.errstate(invalid="ignore", divide="ignore"):
        balanced = np.where(support > 0, recall, 0.0).sum(axis=-1) / (support > 0).sum(axis=-1)
    out = {
        "accuracy": _div(np.trace(m, axis1=-2, axis2=-1), total),
        "balanced_accuracy": balanced,
    }
    for name in PER_CLASS_METRICS:
        for j, label in enumerate(classes):
            out[class_column(name, label)] = per_class[name][..., j]
    return out


def multiclass_denominators(
    n_cells: np.ndarray,
    classes: Sequence[Any],
    w_cells: np.ndarray | None = None,
    w2_cells: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Evidence behind each multiclass metric (rows, or effective size when weighted)."""
    k = len(classes)
    shape = (*n_cells.shape[:-1], k, k)
    if w_cells is not None and w2_cells is not None:
        per_class = binary_denominators(
            _one_vs_rest(n_cells, k), _one_vs_rest(w_cells, k), _one_vs_rest(w2_cells, k)
        )
        support = effective_size(
            w_cells.reshape(shape).sum(axis=-1), w2_cells.reshape(shape).sum(axis=-1)
        )
        total = effective_size(w_cells.sum(axis=-1), w2_cells.sum(axis=-1))
    else:
        per_class = binary_denominators(_one_vs_rest(n_cells, k))
        support = n_cells.reshape(shape).sum(axis=-1)
        total = n_cells.sum(axis=-1)
    smallest = np.where(support > 0, support, np.inf).min(axis=-1)
    out = {
        "accuracy": total,
        "balanced_accuracy": np.where(np.isinf(smallest), 0, smallest),
    }
    for name in PER_CLASS_METRICS:
        for j, label in enumerate(classes):
            out[class_column(name, label)] = per_class[name][..., j]
    return out


def score_metrics(score_cells: np.ndarray) -> dict[str, np.ndarray]:
    """Brier score, ECE and binned AUC from score cells ``[..., label, bin, stat]``.

    ``stat`` is ``(n, w, w2, sum_ws, sum_ws2)``. The AUC returned here treats
    scores in one bin as tied (see :mod:`audit.fairness._counts`).
    """
    w = score_cells[..., 1]
    sws = score_cells[..., 3]
    sws2 = score_cells[..., 4]
    w_neg, w_pos = w[..., 0, :], w[..., 1, :]
    total = w.sum(axis=(-2, -1))
    sse = (sws2[..., 0, :] + sws2[..., 1, :] - 2 * sws[..., 1, :] + w_pos).sum(axis=-1)
    per_ece = SCORE_BINS // ECE_BINS
    shape = (*w_pos.shape[:-1], ECE_BINS, per_ece)
    y_bin = w_pos.reshape(shape).sum(axis=-1)
    s_bin = (sws[..., 0, :] + sws[..., 1, :]).reshape(shape).sum(axis=-1)
    below = np.cumsum(w_neg, axis=-1) - w_neg
    u = (w_pos * (below + 0.5 * w_neg)).sum(axis=-1)
    p = w_pos.sum(axis=-1)
    n = w_neg.sum(axis=-1)
    return {
        "auc": _div(u, p * n),
        "brier": _div(sse, total),
        "ece": _div(np.abs(y_bin - s_bin).sum(axis=-1), total),
    }


# regression sums, last axis: the table columns of the same names (see audit.fairness._counts)
REGRESSION_SUMS: tuple[str, ...] = (
    "n",
    "w",
    "shift_y",
    "shift_pred",
    "sum_y_shifted",
    "sum_pred_shifted",
    "sum_err",
    "sum_abs_err",
    "sum_sq_err",
    "ss_y",
)
"""Regression statistics the metrics use, in the order of the last axis of ``sums``."""


def regression_metrics(sums: np.ndarray, zero_division: float = np.nan) -> dict[str, np.ndarray]:
    """Regression metrics from sums ``[..., REGRESSION_SUMS]``.

    Parameters
    ----------
    sums : ndarray of shape (..., len(REGRESSION_SUMS))
        Row count, weight, shifts, shifted sums, sum of residuals, of
        absolute and squared residuals, and the sum of squares of y about
        its mean (``ss_y``), per group (and replicate).
    zero_division : float, default=NaN
        R² when all targets are equal (``ss_y == 0``): NaN, or with a number
        scikit-learn's ``force_finite`` value (1 for a perfect fit, else 0).

    Returns
    -------
    dict of str to ndarray
        One array of shape ``sums.shape[:-1]`` per metric of
        ``REGRESSION_METRICS``.
    """
    n, w, shift_y, shift_p, sy, sp, se, sae, sse, ssy = (
        sums[..., i] for i in range(len(REGRESSION_SUMS))
    )
    r2 = 1 - _div(sse, ssy)
    if np.isnan(zero_division):
        r2 = np.where(ssy == 0, np.nan, r2)
    else:
        r2 = np.where(ssy == 0, np.where(sse == 0, 1.0, 0.0), r2)
    r2 = np.where(n < 2, np.nan, r2)
    with np.errstate(invalid="ignore"):
        rmse = np.sqrt(_div(sse, w))
    return {
        "mean_target": shift_y + _div(sy, w),
        "mean_prediction": shift_p + _div(sp, w),
        "mean_residual": _div(se, w),
        "mae": _div(sae, w),
        "rmse": rmse,
        "r2": r2,
    }


def regression_overall(sums: np.ndarray) -> np.ndarray:
    """Collapse the group axis (``-2``) of regression sums ``[..., G, REGRESSION_SUMS]``.

    The shifted sums of the groups are moved to one common shift (the group
    shift closest to 0, or 0 when they have both signs) before they are
    added, and ``ss_y`` adds the
    groups' sums of squares and the spread of the group means about the
    overall mean (parallel-axis rule), all with differences of the shifts, so
    a large offset of y cancels exactly and targets equal in every group
    keep ``ss_y == 0``.

    Parameters
    ----------
    sums : ndarray of shape (..., G, len(REGRESSION_SUMS))
        Per-group sums.

    Returns
    -------
    ndarray of shape (..., len(REGRESSION_SUMS))
        The sums of all groups together.
    """
    total = sums.sum(axis=-2)
    w = sums[..., 1]
    occupied = w > 0
    moved: dict[int, np.ndarray] = {}
    for shift_i, sum_i in ((2, 4), (3, 5)):
        shift = sums[..., shift_i]
        low = np.where(occupied, shift, np.inf).min(axis=-1)
        high = np.where(occupied, shift, -np.inf).max(axis=-1)
        common = np.where(np.isinf(low), 0.0, np.minimum(np.maximum(low, 0.0), high))
        with np.errstate(invalid="ignore"):
            moved[sum_i] = np.where(
                occupied, sums[..., sum_i] + w * (shift - common[..., None]), 0.0
            )
        total[..., shift_i] = common
        total[..., sum_i] = moved[sum_i].sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        offset_g = np.where(occupied, moved[4] / np.where(occupied, w, 1.0), 0.0)
        offset = total[..., 4] / total[..., 1]
    between = (w * (offset_g - offset[..., None]) ** 2).sum(axis=-1)
    total[..., 9] = sums[..., 9].sum(axis=-1) + between
    return total
