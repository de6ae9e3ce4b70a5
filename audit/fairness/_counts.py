"""One pass over the rows: per-group sufficient statistics.

Every standard group metric is a function of a few sums per group, so the
rows are read once and reduced to a small table with one row per group; every
metric, difference, ratio, verdict and bootstrap replicate is then arithmetic
on that table. The same table is a ``GROUP BY`` that a database or a cluster
(Spark, DuckDB, Dask, polars) can compute where the data lives.

Columns of :attr:`GroupCounts.table` (one row per group; ``w`` sums are
weighted by ``sample_weight``, ``n`` counts rows; without weights every ``w``
column equals its ``n`` column):

binary
    ``n``, ``w``; for each confusion cell ``c`` in ``tn, fp, fn, tp``:
    ``n_c`` (rows), ``w_c`` (sum of weights), ``w2_c`` (sum of squared
    weights, for the weighted bootstrap). With ``y_score``: ``auc_u``, the
    weighted Mann-Whitney statistic ``sum over (positive i, negative j) of
    w_i * w_j * ([s_i > s_j] + 0.5 * [s_i == s_j])`` within the group.
multiclass
    ``n``, ``w``; for true class ``i`` and predicted class ``j`` (positions
    in :attr:`GroupCounts.classes`): ``n_i_j``, ``w_i_j``, ``w2_i_j``.
regression
    ``n``, ``w``, ``sum_y``, ``sum_pred``, ``sum_abs_err``, ``sum_sq_err``
    (weighted sums of y, the prediction, ``|y - pred|`` and ``(y - pred)**2``)
    and ``ss_y``, the weighted sum of squares of y about the group's weighted
    mean (for R²). The metrics do not use ``sum_y`` and ``sum_pred``, which
    lose the low digits of targets with a large offset (``1e8 + y``); they
    use shifted sums: ``shift_y`` and ``shift_pred``, the target and the
    prediction closest to 0 among the group's rows with a positive weight
    (0 when those values have both signs, or there are none; a database
    gets them from ``MIN`` and ``MAX`` per group),
    ``sum_y_shifted`` and ``sum_pred_shifted``, the weighted sums of
    ``y - shift_y`` and ``pred - shift_pred``, and ``sum_err``, the weighted
    sum of ``e = y - pred``. The shift of a group whose targets are all equal
    is that value, so it has ``sum_y_shifted == ss_y == 0`` exactly (rows of
    weight 0 do not count, as in scikit-learn). For the bootstrap, the second
    moments ``m2_a_b`` of the per-row vector
    ``u = w * (1, yc, pc, |e|, e**2, yc**2)`` where ``yc = y - mean_y`` and
    ``pc = pred - mean_pred`` (group means).

Weights whose largest value lies outside ``[2**-64, 2**64]`` are first
divided by the largest, so that sums of weights, of squared weights and of
products of two weights cannot overflow (weights of ``1e308`` would otherwise
give infinite sums and NaN rates) and weights that are all tiny (``1e-300``)
do not underflow to 0 when squared; the ``w`` columns then hold
sums of these scaled weights. Every metric is a ratio of weighted sums, so
this changes no metric, and equal weights become exactly 1, the result of
unit weights. Weights spanning more than float64 can hold (a positive weight
that would become 0) raise :class:`~audit.errors.DataValidationError`.

Scores (binary with ``y_score``) also give :attr:`GroupCounts.score_cells`, a
long table with one row per (group, true label, score bin): ``n``, ``w``,
``w2``, ``sum_ws`` and ``sum_ws2`` (weighted sums of the score and of its
square). The score bins are ``SCORE_BINS = 100`` equal-width bins of [0, 1]:
bin ``min(floor(100 * s), 99)``. From them:

* Brier score is exact: ``sum(sum_ws2 - 2 * y * sum_ws + y * w) / W``;
* ECE uses ``ECE_BINS = 10`` equal-width bins, each the union of 10 score
  bins, and is exact for that binning:
  ``sum_b |sum_b(w * y) - sum_b(w * s)| / W``;
* AUC from the bins treats scores in the same bin as ties; it is used only
  for bootstrap replicates (shifted by the binning error of the point
  estimate). The point AUC is exact: ``auc_u`` is computed from one sort of
  the rows by (group, score), with tied scores counted as half, the same
  value as :func:`sklearn.metrics.roc_auc_score` (weighted or not).
  The overall AUC is not a sum over groups; :attr:`GroupCounts.overall_auc_u`
  holds its statistic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from audit.errors import DataValidationError
from audit.fairness._groups import EncodedGroups, encode_groups
from audit.fairness._inputs import (
    Targets,
    Task,
    as_1d,
    check_lengths,
    prepare_scores,
    prepare_targets,
    prepare_weights,
)

__all__ = [
    "CELLS",
    "ECE_BINS",
    "MOMENTS",
    "SCORE_BINS",
    "GroupCounts",
    "group_counts",
    "count_prepared",
]

CELLS: tuple[str, ...] = ("tn", "fp", "fn", "tp")
"""Binary confusion cells, in the order of ``2 * y_true + y_pred``."""
SCORE_BINS = 100
"""Number of equal-width score bins of [0, 1] in :attr:`GroupCounts.score_cells`."""
ECE_BINS = 10
"""Number of equal-width bins of the expected calibration error (each 10 score bins)."""
MOMENTS: tuple[str, ...] = ("w", "yc", "pc", "ae", "se", "yc2")
"""Components of the per-row vector whose second moments the regression bootstrap uses."""
_SCORE_STATS: tuple[str, ...] = ("n", "w", "w2", "sum_ws", "sum_ws2")
_SAFE_WEIGHTS = (2.0**-64, 2.0**64)
"""Largest weights used as given; others are divided by the largest first."""
_WEIGHT_RANGE = (
    "sample_weight spans more than float64 can hold: {count} positive weight(s) become 0 when "
    "the weights are divided by the largest one (smallest positive {low!r}, largest {high!r}). "
    "Clip or drop the negligible weights."
)


@dataclass(frozen=True, eq=False)
class GroupCounts:
    """Per-group sufficient statistics: everything group metrics need.

    Attributes
    ----------
    task : {"binary", "multiclass", "regression"}
        The kind of prediction.
    table : pandas.DataFrame
        One row per group (indexed like :attr:`GroupMetrics.by_group`), one
        column per statistic; see the module documentation for the columns.
    classes : tuple
        Binary: ``(negative, positive)`` labels. Multiclass: the class labels
        that ``i`` and ``j`` in the column names index. Regression: ``()``.
    weighted : bool
        Whether sample weights were given.
    score_cells : pandas.DataFrame or None
        With ``y_score``: one row per (group position, label, score bin).
    overall_auc_u : float or None
        With ``y_score``: the weighted Mann-Whitney statistic over all rows.
    engine : str
        What computed the table: ``"numpy"`` in memory, else the engine that
        held the table (``"duckdb"``, ``"polars"``, ``"spark"``, ``"dask"``, ...).
    auc_method : {"exact", "binned"}
        How ``auc_u`` was computed: exactly (one sort, tied scores counted as
        half), or from the ``SCORE_BINS`` score bins (scores in one bin count
        as ties) by an engine without an ordered window function.
    """

    task: Task
    table: pd.DataFrame
    classes: tuple[Any, ...]
    weighted: bool
    score_cells: pd.DataFrame | None = None
    overall_auc_u: float | None = None
    engine: str = "numpy"
    auc_method: str = "exact"
    _score_array: np.ndarray | None = field(default=None, repr=False)

    @property
    def groups(self) -> pd.Index:
        """Labels of the groups (a MultiIndex for several sensitive features)."""
        return self.table.index

    @property
    def sensitive_names(self) -> tuple[str, ...]:
        """Names of the sensitive features."""
        return tuple(str(n) for n in self.table.index.names)

    @property
    def n_groups(self) -> int:
        """Number of groups, including groups with zero rows."""
        return len(self.table)

    @property
    def n_rows(self) -> int:
        """Number of rows counted."""
        return int(self.table["n"].sum())

    def cell_counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(n, w, w2)`` arrays of shape ``(G, cells)`` (classification only).

        Binary cells are ``tn, fp, fn, tp``; multiclass cells are ``(i, j)``
        flattened row-major with ``K * K`` entries.
        """
        names = self._cell_names()
        t = self.table
        return (
            t[[f"n_{c}" for c in names]].to_numpy(dtype=np.float64),
            t[[f"w_{c}" for c in names]].to_numpy(dtype=np.float64),
            t[[f"w2_{c}" for c in names]].to_numpy(dtype=np.float64),
        )

    def _cell_names(self) -> list[str]:
        if self.task == "regression":
            raise ValueError("cell counts exist for classification only")
        return cell_names(self.task, self.classes)

    def score_array(self) -> np.ndarray | None:
        """Score cells as an array ``(G, 2, SCORE_BINS, 5)``: n, w, w2, sum_ws, sum_ws2."""
        if self.score_cells is None:
            return None
        if self._score_array is not None:
            return self._score_array
        cells = self.score_cells.sort_values(["group", "label", "bin"])
        arr = cells[list(_SCORE_STATS)].to_numpy(dtype=np.float64)
        return arr.reshape(self.n_groups, 2, SCORE_BINS, len(_SCORE_STATS))

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of :attr:`table`."""
        return self.table.copy()


def _bincount(key: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(key, weights=weights, minlength=size).astype(np.float64, copy=False)


def cell_names(task: Task, classes: tuple[Any, ...]) -> list[str]:
    """Names of the confusion cells: ``tn, fp, fn, tp`` or ``i_j`` for K classes."""
    if task == "binary":
        return list(CELLS)
    k = len(classes)
    return [f"{i}_{j}" for i in range(k) for j in range(k)]


def cell_keys(codes: np.ndarray, targets: Targets) -> np.ndarray:
    """The cell of every row (or collected cell): ``code * cells + position of (y, pred)``."""
    key = codes.astype(np.int64, copy=True)
    if targets.task == "binary":
        key *= 4
        key += 2 * targets.y_true + targets.y_pred  # int8 temporaries
    else:
        k = len(targets.classes)
        key *= k * k
        key += targets.y_true * k
        key += targets.y_pred
    return key


def classification_frame(
    index: pd.Index,
    names: list[str],
    key: np.ndarray,
    n_weights: np.ndarray | None,
    weights: np.ndarray | None,
    squared_weights: np.ndarray | None,
) -> pd.DataFrame:
    """The classification count table from cell keys.

    In memory every key is one row (``n_weights`` None; ``weights`` the row
    weights, ``squared_weights`` their squares). From an engine every key is
    one collected cell, with its row count and sums of weights and squared
    weights. ``weights`` None: unweighted (every ``w`` column is its ``n``).
    """
    g = len(index)
    n_cells = len(names)
    size = g * n_cells
    n = _bincount(key, size, n_weights).reshape(g, n_cells)
    if weights is None:
        w = n
        w2 = n
    else:
        w = _bincount(key, size, weights).reshape(g, n_cells)
        w2 = _bincount(key, size, squared_weights).reshape(g, n_cells)
    data: dict[str, np.ndarray] = {"n": n.sum(axis=1), "w": w.sum(axis=1)}
    for j, c in enumerate(names):
        data[f"n_{c}"] = n[:, j]
    for j, c in enumerate(names):
        data[f"w_{c}"] = w[:, j]
    for j, c in enumerate(names):
        data[f"w2_{c}"] = w2[:, j]
    return pd.DataFrame(data, index=index)


def _classification_table(
    groups: EncodedGroups,
    targets: Targets,
    weights: np.ndarray | None,
) -> pd.DataFrame:
    key = cell_keys(groups.codes, targets)
    names = cell_names(targets.task, targets.classes)
    squared = None if weights is None else weights * weights
    return classification_frame(groups.index, names, key, None, weights, squared)


def _mann_whitney(
    codes: np.ndarray,
    n_groups: int,
    y: np.ndarray,
    s: np.ndarray,
    w: np.ndarray | None,
) -> tuple[np.ndarray, float]:
    """Weighted Mann-Whitney U per group and overall, from one sort by score.

    The rows are sorted by score once (overall U); a stable sort of that order
    by group then gives the rows sorted by (group, score) for the per-group U.
    Row-sized temporaries are released as soon as they are used, so the peak
    stays at a few row-sized arrays (it matters at millions of rows).
    """
    order = np.argsort(s)
    ss = s[order]
    ys = y[order]
    ws = _take(w, order)
    cs = codes[order]
    del order
    u_all = _u_blocks(_ties(ss), None, 1, ys, ws)
    perm = np.argsort(cs, kind="stable")  # keeps the score order within each group
    cs = cs[perm]
    ss = ss[perm]
    ys = ys[perm]
    ws = _take(ws, perm)
    del perm
    new_block = _ties(ss)
    del ss
    new_block[1:] |= cs[1:] != cs[:-1]
    u = _u_blocks(new_block, cs, n_groups, ys, ws)
    return u, float(u_all[0])


def _take(w: np.ndarray | None, order: np.ndarray) -> np.ndarray | None:
    return None if w is None else w[order]


def _ties(ss: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows that start a new run of equal sorted scores."""
    new_block = np.empty(ss.size, dtype=bool)
    new_block[0] = True
    np.not_equal(ss[1:], ss[:-1], out=new_block[1:])
    return new_block


def _u_blocks(
    new_block: np.ndarray,
    cs: np.ndarray | None,
    n_groups: int,
    ys: np.ndarray,
    ws: np.ndarray | None,
) -> np.ndarray:
    """U statistic per group for rows sorted by (group, score).

    ``new_block`` marks the first row of each block of rows with the same group
    and score (ties); ``cs`` holds the sorted group codes (None: one group).
    ``U_g = sum over blocks b of g of pos_b * (neg below b in g + neg_b / 2)``;
    the negatives below a block are counted across all groups by one cumulative
    sum and the count before the group's first block is subtracted per group.
    """
    dtype = np.int32 if ys.size < 2**31 - 1 else np.int64
    block = np.cumsum(new_block, dtype=dtype)
    block -= 1
    n_blocks = int(block[-1]) + 1
    pos_w = np.bincount(block, weights=ys if ws is None else ws * ys, minlength=n_blocks)
    neg = 1 - ys
    neg_w = np.bincount(block, weights=neg if ws is None else ws * neg, minlength=n_blocks)
    del block, neg
    below = np.cumsum(neg_w)
    below -= neg_w  # negatives strictly below each block, across all groups
    offset = np.zeros(n_groups)
    if cs is not None:
        block_group = cs[new_block]
        first = np.flatnonzero(np.r_[True, block_group[1:] != block_group[:-1]])
        offset[block_group[first]] = below[first]  # negatives before each group's first block
    neg_w *= 0.5
    below += neg_w
    del neg_w
    below *= pos_w  # U of each block, before the group offsets
    if cs is None:
        return np.array([below.sum()])
    u = np.bincount(block_group, weights=below, minlength=n_groups)
    del below
    u -= offset * np.bincount(block_group, weights=pos_w, minlength=n_groups)
    return u


def _score_cells(
    codes: np.ndarray,
    n_groups: int,
    y: np.ndarray,
    s: np.ndarray,
    w: np.ndarray | None,
) -> np.ndarray:
    bins = np.minimum((s * SCORE_BINS).astype(np.intp), SCORE_BINS - 1)
    key = codes.astype(np.int64, copy=True)
    key *= 2
    key += y
    key *= SCORE_BINS
    key += bins
    del bins
    size = n_groups * 2 * SCORE_BINS
    n = _bincount(key, size)
    if w is None:
        ws = s
        stats = [n, n, n, _bincount(key, size, s), _bincount(key, size, s * s)]
    else:
        ws = w * s
        stats = [
            n,
            _bincount(key, size, w),
            _bincount(key, size, w * w),
            _bincount(key, size, ws),
            _bincount(key, size, ws * s),
        ]
    return np.stack(stats, axis=-1).reshape(n_groups, 2, SCORE_BINS, len(_SCORE_STATS))


def score_frame(arr: np.ndarray) -> pd.DataFrame:
    g = arr.shape[0]
    flat = arr.reshape(-1, len(_SCORE_STATS))
    frame = pd.DataFrame(
        {
            "group": np.repeat(np.arange(g), 2 * SCORE_BINS),
            "label": np.tile(np.repeat(np.arange(2), SCORE_BINS), g),
            "bin": np.tile(np.arange(SCORE_BINS), 2 * g),
        }
    )
    for j, name in enumerate(_SCORE_STATS):
        frame[name] = flat[:, j]
    return frame


def _group_shift(
    codes: np.ndarray, n_groups: int, values: np.ndarray, keep: np.ndarray | None
) -> np.ndarray:
    """Per group, the number nearest 0 in [min, max] of ``values`` over the rows where ``keep``.

    That is the group's value closest to 0 when its values share a sign, else
    0, and 0 for a group without such rows (``keep`` None: every row). Sums
    of ``values - shift`` then lose no digits to a common offset, never more
    than sums of the values themselves, and are exactly 0 for equal values.
    """
    if keep is not None:
        codes, values = codes[keep], values[keep]
    low = np.full(n_groups, np.inf)
    high = np.full(n_groups, -np.inf)
    np.minimum.at(low, codes, values)
    np.maximum.at(high, codes, values)
    shift = np.minimum(np.maximum(low, 0.0), high)
    shift[np.isinf(low)] = 0.0  # values are finite: inf marks a group without such rows
    return shift


def _scale_weights(weights: np.ndarray | None) -> np.ndarray | None:
    """Divide the weights by the largest one when it is outside ``_SAFE_WEIGHTS``.

    Within that range, sums of ``n`` weights, squared weights and products of
    two weights stay far from overflow and underflow; outside it they are
    computed from ``weights / max``, which changes no metric (every metric is
    a ratio of weighted sums) and makes equal weights exactly 1.

    Raises
    ------
    DataValidationError
        When a positive weight becomes 0 (the weights span more than float64
        can hold), since that row would silently drop out.
    """
    if weights is None:
        return None
    top = float(weights.max())  # > 0: checked when the weights were prepared
    if _SAFE_WEIGHTS[0] <= top <= _SAFE_WEIGHTS[1]:
        return weights
    scaled = weights / top
    lost = (scaled == 0) & (weights > 0)
    if lost.any():
        raise DataValidationError(
            _WEIGHT_RANGE.format(
                count=int(lost.sum()), low=float(weights[weights > 0].min()), high=top
            )
        )
    return scaled


def _regression_table(
    groups: EncodedGroups, targets: Targets, weights: np.ndarray | None
) -> pd.DataFrame:
    g = groups.n_groups
    codes = groups.codes
    y, p = targets.y_true, targets.y_pred
    w = np.ones_like(y) if weights is None else weights
    positive = None if weights is None else weights > 0
    n = _bincount(codes, g)
    wsum = n if weights is None else _bincount(codes, g, w)
    e = y - p
    ae = np.abs(e)
    se = e * e
    shift_y = _group_shift(codes, g, y, positive)
    shift_p = _group_shift(codes, g, p, positive)
    dy = y - shift_y[codes]  # small numbers whatever the offset of y
    dp = p - shift_p[codes]
    data = {
        "n": n,
        "w": wsum,
        "sum_y": _bincount(codes, g, w * y),
        "sum_pred": _bincount(codes, g, w * p),
        "sum_abs_err": _bincount(codes, g, w * ae),
        "sum_sq_err": _bincount(codes, g, w * se),
        "shift_y": shift_y,
        "shift_pred": shift_p,
        "sum_y_shifted": _bincount(codes, g, w * dy),
        "sum_pred_shifted": _bincount(codes, g, w * dp),
        "sum_err": _bincount(codes, g, w * e),
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        # group means minus the shifts (second pass about the accurate means)
        off_y = np.where(wsum > 0, data["sum_y_shifted"] / wsum, 0.0)
        off_p = np.where(wsum > 0, data["sum_pred_shifted"] / wsum, 0.0)
    yc = dy - off_y[codes]
    pc = dp - off_p[codes]
    yc2 = yc * yc
    data["ss_y"] = _bincount(codes, g, w * yc2)
    parts = {"w": np.ones_like(y), "yc": yc, "pc": pc, "ae": ae, "se": se, "yc2": yc2}
    w2 = w * w
    for a_i, a in enumerate(MOMENTS):
        for b in MOMENTS[a_i:]:
            data[f"m2_{a}_{b}"] = _bincount(codes, g, w2 * parts[a] * parts[b])
    return pd.DataFrame(data, index=groups.index)


def count_prepared(
    groups: EncodedGroups,
    targets: Targets,
    weights: np.ndarray | None,
    scores: np.ndarray | None,
) -> GroupCounts:
    """Build :class:`GroupCounts` from already validated inputs (internal fast path)."""
    weights = _scale_weights(weights)
    if targets.task == "regression":
        table = _regression_table(groups, targets, weights)
        return GroupCounts("regression", table, (), weights is not None)
    table = _classification_table(groups, targets, weights)
    if scores is None:
        return GroupCounts(targets.task, table, targets.classes, weights is not None)
    g = groups.n_groups
    u, u_all = _mann_whitney(groups.codes, g, targets.y_true, scores, weights)
    table["auc_u"] = u
    cells = _score_cells(groups.codes, g, targets.y_true, scores, weights)
    return GroupCounts(
        targets.task,
        table,
        targets.classes,
        weights is not None,
        score_cells=score_frame(cells),
        overall_auc_u=u_all,
        _score_array=cells,
    )


def group_counts(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    sample_weight: Any = None,
    y_score: Any = None,
    task: str = "auto",
    pos_label: Any = None,
    missing: str = "error",
) -> GroupCounts:
    """Reduce the rows to per-group sufficient statistics, in one pass.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True labels (or targets) and predictions: lists, numpy arrays,
        pandas / polars Series or pyarrow arrays.
    sensitive_features : array-like, dict of array-like, or DataFrame
        One sensitive feature, or several (intersectional groups).
    sample_weight : array-like of shape (n,), optional
        Non-negative finite weights; divided by the largest when it lies
        outside ``[2**-64, 2**64]`` (see the module notes).
    y_score : array-like of shape (n,) or (n, 2), optional
        Probability of the positive class (binary only), for AUC, Brier and
        ECE.
    task : {"auto", "binary", "multiclass", "regression"}, default="auto"
        ``"auto"`` infers regression from float predictions with non-integer
        values, binary from 0/1 (or -1/1) labels, multiclass from more labels.
    pos_label : scalar, optional
        The positive (selected) label when the labels are not 0/1.
    missing : {"error", "group"}, default="error"
        A missing sensitive value raises, or forms its own ``"<missing>"`` group.

    Returns
    -------
    GroupCounts
        The per-group table of counts and sums.

    Examples
    --------
    >>> from audit.fairness import group_counts
    >>> gc = group_counts([1, 0, 1, 1], [1, 0, 0, 1], sensitive_features=["a", "a", "b", "b"])
    >>> gc.table.loc["b", ["n", "n_tp", "n_fn", "n_fp", "n_tn"]].tolist()
    [2.0, 1.0, 1.0, 0.0, 0.0]
    """
    groups, targets, weights, scores = prepare_inputs(
        y_true,
        y_pred,
        sensitive_features=sensitive_features,
        sample_weight=sample_weight,
        y_score=y_score,
        task=task,
        pos_label=pos_label,
        missing=missing,
    )
    return count_prepared(groups, targets, weights, scores)


def prepare_inputs(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    sample_weight: Any,
    y_score: Any,
    task: str,
    pos_label: Any,
    missing: str,
) -> tuple[EncodedGroups, Targets, np.ndarray | None, np.ndarray | None]:
    """Validate every input once and encode the groups."""
    yt = as_1d(y_true, what="y_true")
    yp = as_1d(y_pred, what="y_pred")
    weights_raw = None if sample_weight is None else as_1d(sample_weight, what="sample_weight")
    score_raw = None if y_score is None else as_1d(y_score, what="y_score", allow_2d=True)
    n_rows = check_lengths(y_true=yt, y_pred=yp, sample_weight=weights_raw, y_score=score_raw)
    groups = encode_groups(sensitive_features, missing=missing, n_rows=n_rows)  # type: ignore[arg-type]
    targets = prepare_targets(yt, yp, task=task, pos_label=pos_label)
    weights = prepare_weights(weights_raw, len(yt))
    scores = prepare_scores(score_raw, targets.task)
    return groups, targets, weights, scores
