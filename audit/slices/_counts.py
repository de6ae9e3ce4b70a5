"""Per-slice sufficient statistics from one ``np.bincount`` per combination of columns.

This is the fairness engine's fast path (:func:`audit.fairness.group_counts`)
applied to slices: the levels of a combination of columns are encoded as one
integer code per row (``code = ((c_1 * K_2) + c_2) * K_3 + c_3 ...``), so every
slice of that combination is a group, and one pass
``np.bincount(code * 3 + cell, weights=...)`` gives the counts of all of them.
A rate's ``cell`` is 0 for a row outside the metric's denominator (a negative
row for FNR), 1 for a row in the denominator only, 2 for a row in the
numerator (an error, a false negative, a selected row). Every metric, rest
value, test and interval is then arithmetic on that table.

Columns of a statistics table (:data:`STATS`, one row per slice):

``rows``
    rows in the slice;
``w``, ``w2``
    sum of the rows' weights and of their squares (``rows`` when unweighted);
``den``, ``den2``
    the same over the rows of the metric's denominator;
``num``
    the weighted numerator: errors, false negatives, false positives,
    selected rows, or the sum of absolute errors (MAE);
``num2``
    the weighted sum of squared numerator values (``num`` for a rate; the sum
    of squared errors for MAE), for the variance of a mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = [
    "HIGHER_IS_WORSE",
    "METRICS",
    "RATE_METRICS",
    "STATS",
    "RowStats",
    "row_stats",
]

METRICS: tuple[str, ...] = ("error_rate", "fnr", "fpr", "selection_rate", "mae")
"""The metrics a slice search can rank by."""
RATE_METRICS: tuple[str, ...] = ("error_rate", "fnr", "fpr", "selection_rate")
"""The metrics that are rates in [0, 1] (tested with the two-proportion z-test)."""
HIGHER_IS_WORSE: dict[str, bool] = {
    "error_rate": True,
    "fnr": True,
    "fpr": True,
    "selection_rate": False,
    "mae": True,
}
"""Which direction is adverse: a higher error rate, FNR, FPR, MAE; a lower selection rate."""
STATS: tuple[str, ...] = ("rows", "w", "w2", "den", "den2", "num", "num2")
ROWS, W, W2, DEN, DEN2, NUM, NUM2 = range(len(STATS))

Metric = Literal["error_rate", "fnr", "fpr", "selection_rate", "mae"]


@dataclass(frozen=True, eq=False)
class RowStats:
    """What each row contributes to a slice's statistics, prepared once.

    Attributes
    ----------
    metric : str
        One of :data:`METRICS`.
    cells : numpy.ndarray or None
        Rates: int64 cell of every row (0 outside the denominator, 1 in the
        denominator, 2 in the numerator).
    abs_error : numpy.ndarray or None
        MAE: ``|y_true - y_pred|`` of every row.
    weights : numpy.ndarray or None
        Row weights, divided by the largest (metrics and effective sizes do
        not change; sums of squares cannot overflow).
    """

    metric: str
    cells: np.ndarray | None
    abs_error: np.ndarray | None
    weights: np.ndarray | None

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        arr = self.cells if self.cells is not None else self.abs_error
        assert arr is not None
        return len(arr)

    def table(self, key: np.ndarray, size: int) -> np.ndarray:
        """Statistics of every group ``0 .. size - 1`` of ``key``: shape ``(size, len(STATS))``."""
        out = np.empty((size, len(STATS)), dtype=np.float64)
        w = self.weights
        if self.cells is not None:
            cell_key = key * 3
            cell_key += self.cells
            counts = np.bincount(cell_key, minlength=3 * size).reshape(size, 3)
            if w is None:
                sums = squares = counts.astype(np.float64)
            else:
                sums = np.bincount(cell_key, weights=w, minlength=3 * size).reshape(size, 3)
                squares = np.bincount(cell_key, weights=w * w, minlength=3 * size).reshape(size, 3)
            out[:, ROWS] = counts.sum(axis=1)
            out[:, W] = sums.sum(axis=1)
            out[:, W2] = squares.sum(axis=1)
            out[:, DEN] = sums[:, 1] + sums[:, 2]
            out[:, DEN2] = squares[:, 1] + squares[:, 2]
            out[:, NUM] = sums[:, 2]
            out[:, NUM2] = sums[:, 2]
            return out
        err = self.abs_error
        assert err is not None
        out[:, ROWS] = np.bincount(key, minlength=size)
        if w is None:
            out[:, W] = out[:, ROWS]
            out[:, W2] = out[:, ROWS]
            out[:, NUM] = np.bincount(key, weights=err, minlength=size)
            out[:, NUM2] = np.bincount(key, weights=err * err, minlength=size)
        else:
            out[:, W] = np.bincount(key, weights=w, minlength=size)
            out[:, W2] = np.bincount(key, weights=w * w, minlength=size)
            out[:, NUM] = np.bincount(key, weights=w * err, minlength=size)
            out[:, NUM2] = np.bincount(key, weights=w * err * err, minlength=size)
        out[:, DEN] = out[:, W]
        out[:, DEN2] = out[:, W2]
        return out

    def totals(self) -> np.ndarray:
        """Statistics of all rows together: shape ``(len(STATS),)``."""
        return self.table(np.zeros(self.n_rows, dtype=np.int64), 1)[0]


def row_stats(
    metric: str,
    y_true: np.ndarray | None,
    y_pred: np.ndarray,
    weights: np.ndarray | None,
) -> RowStats:
    """Prepare what each row contributes to ``metric``.

    Parameters
    ----------
    metric : str
        One of :data:`METRICS`.
    y_true : numpy.ndarray or None
        Rates other than the selection rate: 0/1 labels (error rate: any
        labels of the same kind as ``y_pred``). MAE: numbers. Not used by the
        selection rate.
    y_pred : numpy.ndarray
        Predictions: 0/1 for FNR, FPR and the selection rate.
    weights : numpy.ndarray or None
        Non-negative finite weights with a positive sum.
    """
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float64) / float(np.max(weights))
    if metric == "mae":
        assert y_true is not None
        err = np.abs(np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64))
        return RowStats(metric, None, err, weights)
    if metric == "selection_rate":
        cells = 1 + (np.asarray(y_pred) == 1).astype(np.int64)
    else:
        assert y_true is not None
        if metric == "error_rate":
            cells = 1 + (np.asarray(y_true) != np.asarray(y_pred)).astype(np.int64)
        else:
            positive = np.asarray(y_true) == 1
            predicted = np.asarray(y_pred) == 1
            if metric == "fnr":  # among positives, the missed ones
                cells = np.where(positive, np.where(predicted, 1, 2), 0).astype(np.int64)
            else:  # fpr: among negatives, the ones selected
                cells = np.where(positive, 0, np.where(predicted, 2, 1)).astype(np.int64)
    return RowStats(metric, cells, None, weights)
