"""Per-group thresholds that equalize a rate, from each group's operating points.

For one group, sorting its rows by score once gives every operating point of a
threshold rule ``score > t`` (one per distinct score): the weighted true and
false positives above ``t``, hence its selection rate, TPR, FPR and accuracy.
A random choice between two thresholds reaches every point on the segment
between them, so the reachable (rate, accuracy) pairs are the upper concave
hull of the operating points. For each constraint:

* ``demographic_parity`` / ``true_positive_rate_parity``: every included group
  gets the same selection rate (TPR); the common value maximises the overall
  accuracy, the weighted sum of the groups' hull accuracies (piecewise linear
  and concave, so its maximum is at a hull vertex or on the grid searched);
* ``equalized_odds``: every included group gets the same (FPR, TPR) point, on
  or below each group's ROC hull (the lowest hull TPR at that FPR); a group
  whose hull lies above it mixes its hull point with a coin that selects with
  probability FPR (Hardt, Price and Srebro, 2016).

The same method as :class:`fairlearn.postprocessing.ThresholdOptimizer`
(``flip=False``, objective accuracy), with sample weights, and with each
group's hull vertices searched besides a grid of ``grid_size + 1`` points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audit._inputs import (
    check_count,
    check_positive_int,
    sensitive_columns,
)
from audit.calibration import scored_rows
from audit.errors import DataValidationError
from audit.fairness import GroupMetrics, group_metrics
from audit.thresholds._result import (
    BASELINE,
    GROUP_TABLE_COLUMNS,
    SUMMARY_COLUMNS,
    ThresholdResult,
    rule_text,
)
from audit.thresholds._settings import CONSTRAINTS, check_constraints

__all__ = ["row_codes", "threshold_tradeoffs", "tradeoffs_from_rows"]

NOT_BINARY = (
    "Threshold trade-offs need the group metrics of a binary classifier; got a {task} result."
)
ROWS_NOT_IN_GROUPS = (
    "{count} row(s) have sensitive values that are not among the groups of the group metrics "
    "(first at row position {first}); the rows and the group metrics must come from the same data."
)
_CURVE_POINTS = 101
_METRIC_OF = {
    "demographic_parity": ("selection_rate",),
    "true_positive_rate_parity": ("tpr",),
    "equalized_odds": ("tpr", "fpr"),
}
_RATES = ("selection_rate", "tpr", "fpr", "accuracy")


@dataclass(frozen=True)
class _Points:
    """One group's operating points (``score > threshold``), best first."""

    threshold: np.ndarray
    rates: dict[str, np.ndarray]
    weight: float
    positives: float
    negatives: float


def _points(score: np.ndarray, y: np.ndarray, w: np.ndarray) -> _Points:
    order = np.argsort(-score, kind="stable")
    s, yy, ww = score[order], y[order], w[order]
    new = np.empty(s.size, dtype=bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    block = np.cumsum(new) - 1
    m = int(block[-1]) + 1
    tp = np.r_[0.0, np.cumsum(np.bincount(block, weights=ww * yy, minlength=m))]
    fp = np.r_[0.0, np.cumsum(np.bincount(block, weights=ww * (1 - yy), minlength=m))]
    distinct = s[new]
    threshold = np.r_[np.inf, (distinct[:-1] + distinct[1:]) / 2, -np.inf]
    pos, neg = tp[-1], fp[-1]
    total = pos + neg
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = {
            "selection_rate": (tp + fp) / total,
            "tpr": tp / pos,
            "fpr": fp / neg,
            "accuracy": (tp + neg - fp) / total,
        }
    return _Points(threshold, rates, float(total), float(pos), float(neg))


_BELOW = 1e-12
"""A point this far (in cross product) below a chord of two others is surely not a vertex."""


def _upper_hull(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of the upper concave hull of the points, by increasing x.

    Collinear points are not vertices (fairlearn's rule). First, vectorized
    passes drop every point that lies clearly below the chord of its current
    neighbours (never a vertex: it is below a segment between two of the
    points); then Andrew's monotone chain runs on the few points left, so the
    result is the chain's on all the points, in O(n) numpy work instead of a
    Python loop over every operating point.
    """
    order = np.lexsort((-y, x))  # by x, the highest y first
    xs = x[order]
    candidates = order[np.r_[True, xs[1:] != xs[:-1]]]
    while candidates.size > 2:
        o, a, b = candidates[:-2], candidates[1:-1], candidates[2:]
        cross = (x[a] - x[o]) * (y[b] - y[o]) - (y[a] - y[o]) * (x[b] - x[o])
        below = cross > _BELOW
        if not below.any():
            break
        candidates = np.r_[candidates[0], a[~below], candidates[-1]]
    hull: list[int] = []
    for i in candidates.tolist():
        while len(hull) >= 2:
            o, a = hull[-2], hull[-1]
            cross = (x[a] - x[o]) * (y[i] - y[o]) - (y[a] - y[o]) * (x[i] - x[o])
            if cross >= 0:  # a lies on or below the chord o -> i
                hull.pop()
            else:
                break
        hull.append(i)
    return np.asarray(hull, dtype=np.intp)


@dataclass(frozen=True)
class _Hull:
    x: np.ndarray
    y: np.ndarray
    index: np.ndarray  # operating point of each vertex

    def at(self, value: float) -> tuple[int, int, float]:
        """Vertices around ``value`` and the share of the second: ``(k0, k1, p1)``."""
        j = int(np.searchsorted(self.x, value, side="left"))
        j = min(max(j, 0), self.x.size - 1)
        if self.x[j] == value or j == 0:
            return int(self.index[j]), int(self.index[j]), 0.0
        x0, x1 = self.x[j - 1], self.x[j]
        return int(self.index[j - 1]), int(self.index[j]), float((value - x0) / (x1 - x0))


def _hull(points: _Points, x_name: str, y_name: str) -> _Hull:
    x, y = points.rates[x_name], points.rates[y_name]
    idx = _upper_hull(x, y)
    return _Hull(x[idx], y[idx], idx)


def _mix(points: _Points, k0: int, k1: int, p1: float) -> dict[str, float]:
    return {m: float((1 - p1) * points.rates[m][k0] + p1 * points.rates[m][k1]) for m in _RATES}


def row_codes(index: pd.Index, sensitive: pd.DataFrame) -> np.ndarray:
    """Position in ``index`` (a :attr:`GroupMetrics.by_group` index) of every row's group.

    Raises
    ------
    DataValidationError
        A row whose sensitive values are not one of the groups.
    """
    if sensitive.shape[1] == 1:
        codes = index.get_indexer(pd.Index(sensitive.iloc[:, 0].to_numpy(dtype=object)))
    else:
        keys = pd.MultiIndex.from_arrays(
            [sensitive[c].to_numpy(dtype=object) for c in sensitive.columns]
        )
        codes = index.get_indexer(keys)
    missing = codes < 0
    if missing.any():
        raise DataValidationError(
            ROWS_NOT_IN_GROUPS.format(count=int(missing.sum()), first=int(np.argmax(missing)))
        )
    return codes


def _solve(
    constraint: str,
    points: dict[int, _Points],
    included: list[int],
    grid: np.ndarray,
    share: np.ndarray,
    base_acc: np.ndarray,
) -> tuple[dict[int, dict[str, Any]], dict[str, float], np.ndarray, np.ndarray]:
    """Solve one constraint over the included groups.

    Returns the per-group solutions, the common rates, and the trade-off curve
    (rates, overall accuracy) on ``grid``-like points for the plot.
    """
    excluded_mass = float(
        sum(share[g] * base_acc[g] for g in range(share.size) if g not in included and share[g] > 0)
    )
    if constraint == "equalized_odds":
        hulls = {g: _hull(points[g], "fpr", "tpr") for g in included}
    else:
        x_name = "selection_rate" if constraint == "demographic_parity" else "tpr"
        hulls = {g: _hull(points[g], x_name, "accuracy") for g in included}
    candidates = np.unique(np.concatenate([grid, *(h.x for h in hulls.values())]))
    candidates = candidates[(candidates >= 0) & (candidates <= 1)]
    total = float(share.sum())

    def objective(xs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        if constraint == "equalized_odds":
            y_min = np.min([np.interp(xs, h.x, h.y) for h in hulls.values()], axis=0)
            pos = sum(share[g] * points[g].positives / points[g].weight for g in included)
            neg = sum(share[g] * points[g].negatives / points[g].weight for g in included)
            return (pos * y_min + neg * (1 - xs) + excluded_mass) / total, y_min
        acc = sum(share[g] * np.interp(xs, hulls[g].x, hulls[g].y) for g in included)
        return (acc + excluded_mass) / total, None

    values, y_min = objective(candidates)
    best = int(np.argmax(np.round(values, 12)))
    x_best = float(candidates[best])
    targets: dict[str, float] = {"selection_rate": np.nan, "tpr": np.nan, "fpr": np.nan}
    solutions: dict[int, dict[str, Any]] = {}
    if constraint == "equalized_odds":
        assert y_min is not None
        y_best = float(y_min[best])
        targets.update(fpr=x_best, tpr=y_best)
    else:
        targets["selection_rate" if constraint == "demographic_parity" else "tpr"] = x_best
    for g in included:
        k0, k1, p1 = hulls[g].at(x_best)
        rates = _mix(points[g], k0, k1, p1)
        p_coin = 0.0
        if constraint == "equalized_odds":
            tpr_g = rates["tpr"]
            if tpr_g > x_best:  # above the diagonal: mix with a coin of rate x_best
                p_coin = min(max((tpr_g - y_best) / (tpr_g - x_best), 0.0), 1.0)
            pt = points[g]
            tpr = (1 - p_coin) * tpr_g + p_coin * x_best
            fpr = (1 - p_coin) * rates["fpr"] + p_coin * x_best
            rates = {
                "selection_rate": (pt.positives * tpr + pt.negatives * fpr) / pt.weight,
                "tpr": tpr,
                "fpr": fpr,
                "accuracy": (pt.positives * tpr + pt.negatives * (1 - fpr)) / pt.weight,
            }
        thresholds = points[g].threshold
        solutions[g] = {
            "threshold": float(thresholds[k0]),
            "threshold_2": float(thresholds[k1]) if p1 > 0 else np.nan,
            "p_threshold_2": p1,
            "p_coin": p_coin,
            "coin_rate": x_best if p_coin > 0 else np.nan,
            **rates,
        }
    curve_x = np.linspace(0.0, 1.0, _CURVE_POINTS)
    curve_y, _ = objective(curve_x)
    return solutions, targets, curve_x, curve_y


def _spread(values: np.ndarray, ok: np.ndarray) -> float:
    v = values[ok & np.isfinite(values)]
    return float(v.max() - v.min()) if v.size >= 2 else np.nan


def tradeoffs_from_rows(
    y01: np.ndarray,
    score: np.ndarray,
    codes: np.ndarray,
    gm: GroupMetrics,
    *,
    sample_weight: np.ndarray | None = None,
    constraints: Any = CONSTRAINTS,
    grid_size: int = 1000,
) -> ThresholdResult:
    """Threshold trade-offs of validated rows, against the baseline of ``gm``.

    This is the engine behind :func:`threshold_tradeoffs` and the ``thresholds``
    analyzer.

    Parameters
    ----------
    y01 : ndarray of int
        True labels, 1 for the positive class.
    score : ndarray of float
        The positive-class score.
    codes : ndarray of int
        Every row's position in ``gm.by_group`` (:func:`row_codes`).
    gm : GroupMetrics
        Binary group metrics of the model's own predictions on the same rows:
        the baseline (single threshold) and the evidence verdicts that decide
        which groups are included.
    sample_weight : ndarray, optional
        Row weights (those ``gm`` was computed with).
    constraints : str or sequence of str, default=all of :data:`CONSTRAINTS`
        Which constraints to solve.
    grid_size : int, default=1000
        The common rate is searched on ``grid_size + 1`` equally spaced points
        of [0, 1] and at every group's hull vertices.

    Returns
    -------
    ThresholdResult
    """
    constraints = check_constraints(constraints)
    grid_size = check_positive_int("grid_size", grid_size)
    if gm.task != "binary":
        raise DataValidationError(NOT_BINARY.format(task=gm.task))
    weights = np.ones(y01.size) if sample_weight is None else np.asarray(sample_weight, float)
    y = np.asarray(y01, dtype=np.float64)
    labels = gm.group_labels()
    n_groups = len(labels)
    by = gm.by_group
    share = by["share"].to_numpy(dtype=float)
    base = {m: by[m].to_numpy(dtype=float) for m in _RATES}
    base_acc = np.nan_to_num(base["accuracy"])
    baseline_accuracy = float(gm.overall["accuracy"])
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_groups + 1))
    points: dict[int, _Points] = {}
    grid = np.linspace(0.0, 1.0, grid_size + 1)
    sufficient = {
        m: gm.sufficient[m].to_numpy(dtype=bool) for m in ("selection_rate", "tpr", "fpr")
    }
    summary_rows: dict[str, dict[str, float]] = {}
    group_rows: list[dict[str, Any]] = []
    curves: list[pd.DataFrame] = []
    insufficient: dict[str, tuple[str, ...]] = {}
    diff = gm.difference()
    summary_rows[BASELINE] = {
        "accuracy": baseline_accuracy,
        "accuracy_change": 0.0,
        "selection_rate_difference": float(diff["selection_rate"]),
        "tpr_difference": float(diff["tpr"]),
        "fpr_difference": float(diff["fpr"]),
        "selection_rate_target": np.nan,
        "tpr_target": np.nan,
        "fpr_target": np.nan,
        "n_groups": float(n_groups),
    }
    for g in range(n_groups):
        group_rows.append(_baseline_row(BASELINE, g, labels, base, True))
    for constraint in constraints:
        ok = np.logical_and.reduce([sufficient[m] for m in _METRIC_OF[constraint]])
        included = [int(g) for g in np.flatnonzero(ok & (share > 0))]
        counts = by["count"].to_numpy()
        insufficient[constraint] = tuple(
            labels[g] for g in range(n_groups) if g not in included and counts[g] > 0
        )
        if len(included) < 2:
            summary_rows[constraint] = {c: np.nan for c in SUMMARY_COLUMNS}
            summary_rows[constraint]["n_groups"] = float(len(included))
            for g in range(n_groups):
                group_rows.append(_baseline_row(constraint, g, labels, base, False))
            continue
        for g in included:
            if g not in points:
                rows = order[bounds[g] : bounds[g + 1]]
                points[g] = _points(score[rows], y[rows], weights[rows])
        solutions, targets, curve_x, curve_y = _solve(
            constraint, points, included, grid, share, base_acc
        )
        rates = {m: base[m].copy() for m in _RATES}
        for g in range(n_groups):
            if g in solutions:
                sol = solutions[g]
                for m in _RATES:
                    rates[m][g] = sol[m]
                group_rows.append(
                    {
                        "strategy": constraint,
                        "g": g,
                        "group": labels[g],
                        "included": True,
                        **{k: sol[k] for k in ("threshold", "threshold_2", "p_threshold_2")},
                        "p_coin": sol["p_coin"],
                        "coin_rate": sol["coin_rate"],
                        "rule": rule_text(
                            sol["threshold"],
                            sol["threshold_2"],
                            sol["p_threshold_2"],
                            sol["p_coin"],
                            sol["coin_rate"],
                        ),
                        **{m: sol[m] for m in _RATES},
                        "accuracy_change": sol["accuracy"] - base["accuracy"][g],
                    }
                )
            else:
                group_rows.append(_baseline_row(constraint, g, labels, base, False))
        accuracy = float(
            np.nansum(share * np.where(share > 0, rates["accuracy"], 0.0)) / share.sum()
        )
        summary_rows[constraint] = {
            "accuracy": accuracy,
            "accuracy_change": accuracy - baseline_accuracy,
            "selection_rate_difference": _spread(
                rates["selection_rate"], sufficient["selection_rate"]
            ),
            "tpr_difference": _spread(rates["tpr"], sufficient["tpr"]),
            "fpr_difference": _spread(rates["fpr"], sufficient["fpr"]),
            "selection_rate_target": targets["selection_rate"],
            "tpr_target": targets["tpr"],
            "fpr_target": targets["fpr"],
            "n_groups": float(len(included)),
        }
        curves.append(pd.DataFrame({"strategy": constraint, "rate": curve_x, "accuracy": curve_y}))
    summary = pd.DataFrame.from_dict(summary_rows, orient="index")[list(SUMMARY_COLUMNS)]
    summary.index.name = "strategy"
    groups = _group_frame(group_rows, gm)
    curve_frame = (
        pd.concat(curves, ignore_index=True)
        if curves
        else pd.DataFrame({"strategy": [], "rate": [], "accuracy": []})
    )
    return ThresholdResult(
        summary=summary,
        groups=groups,
        curves=curve_frame,
        insufficient=insufficient,
        constraints=constraints,
        sensitive_names=gm.sensitive_names,
        grid_size=grid_size,
        min_count=gm.min_count,
    )


def _baseline_row(
    strategy: str, g: int, labels: list[str], base: dict[str, np.ndarray], included: bool
) -> dict[str, Any]:
    return {
        "strategy": strategy,
        "g": g,
        "group": labels[g],
        "included": included,
        "threshold": np.nan,
        "threshold_2": np.nan,
        "p_threshold_2": np.nan,
        "p_coin": np.nan,
        "coin_rate": np.nan,
        "rule": "the model's own predictions",
        **{m: float(base[m][g]) for m in _RATES},
        "accuracy_change": 0.0,
    }


def _group_frame(rows: list[dict[str, Any]], gm: GroupMetrics) -> pd.DataFrame:
    """The rows, indexed by their group (a :attr:`GroupMetrics.by_group` label)."""
    frame = pd.DataFrame(rows)
    frame.index = gm.by_group.index[frame.pop("g").to_numpy()]
    return frame[list(GROUP_TABLE_COLUMNS)]


def threshold_tradeoffs(
    y_true: Any,
    y_score: Any,
    *,
    sensitive_features: Any,
    constraints: Any = CONSTRAINTS,
    sample_weight: Any = None,
    pos_label: Any = None,
    threshold: float = 0.5,
    min_count: int = 30,
    grid_size: int = 1000,
) -> ThresholdResult:
    """What per-group thresholds on a binary score would equalize, and what they would cost.

    A what-if, never applied to a model: for each constraint, the per-group
    thresholds (randomized between two where needed, and for equalized odds
    mixed with a coin) that equalize selection rate, TPR, or both TPR and FPR
    across the groups with enough evidence, chosen for the best accuracy, and
    the accuracy each costs against one threshold for everyone.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels: 0/1, -1/1, booleans, or two labels with ``pos_label``.
    y_score : array-like of shape (n,) or (n, 2)
        Probability of the positive class.
    sensitive_features : array-like, dict of array-like, or DataFrame
        One sensitive feature or several (their intersections are the groups).
    constraints : str or sequence of str, default=all three
        Any of ``"demographic_parity"`` (selection rate), ``"true_positive_rate_parity"``
        (TPR) and ``"equalized_odds"`` (TPR and FPR), fairlearn's names.
    sample_weight : array-like of shape (n,), optional
        Non-negative row weights.
    pos_label : scalar, optional
        The positive label when the labels are not 0/1.
    threshold : float, default=0.5
        The single threshold of the baseline: ``y_score > threshold`` (what a
        scikit-learn binary classifier's ``predict`` returns at 0.5).
    min_count : int, default=30
        A group is included in a constraint when each rate the constraint
        equalizes has a denominator of at least this (rows for selection rate,
        positives for TPR, negatives for FPR; effective size when weighted);
        other groups keep the baseline and are named in ``insufficient``.
    grid_size : int, default=1000
        Grid of the common rate (fairlearn's ``grid_size``), searched together
        with every group's hull vertices.

    Returns
    -------
    ThresholdResult

    Examples
    --------
    >>> import numpy as np
    >>> from audit.thresholds import threshold_tradeoffs
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(["a", "b"], 500)
    >>> s = np.clip(rng.normal(np.where(g == "a", 0.6, 0.4), 0.2), 0, 1)
    >>> y = (rng.uniform(size=1000) < s).astype(int)
    >>> res = threshold_tradeoffs(y, s, sensitive_features=g, constraints="demographic_parity")
    >>> bool(res.summary.loc["demographic_parity", "selection_rate_difference"] < 1e-9)
    True
    """
    constraints = check_constraints(constraints)
    grid_size = check_positive_int("grid_size", grid_size)
    check_count(min_count, "min_count")
    aligned, y01, score, y_pred = scored_rows(
        y_true, y_score, sensitive_features, sample_weight, pos_label, threshold
    )
    gm = group_metrics(
        y01,
        y_pred,
        sensitive_features=aligned["sensitive_features"],
        y_score=score,  # validated here (finite, in [0, 1]); the hulls use the rows
        sample_weight=aligned["sample_weight"],
        n_boot=0,
        min_count=min_count,
        task="binary",
    )
    columns = sensitive_columns(aligned["sensitive_features"])
    frame = pd.DataFrame({name: np.asarray(s.to_numpy(dtype=object)) for name, s in columns})
    codes = row_codes(gm.by_group.index, frame)
    weights = None
    if aligned["sample_weight"] is not None:
        weights = np.asarray(pd.Series(aligned["sample_weight"]).to_numpy(), dtype=np.float64)
    return tradeoffs_from_rows(
        y01, score, codes, gm, sample_weight=weights, constraints=constraints, grid_size=grid_size
    )
