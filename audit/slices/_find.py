"""``find_slices``: validate the inputs once, cut the columns into levels, search."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from audit._frames import check_columns, to_1d_array, to_pandas_frame
from audit._inputs import check_lengths, label_kind, label_types_error
from audit.context import check_no_missing
from audit.errors import DataValidationError, InvalidParameterError
from audit.slices._counts import METRICS, row_stats
from audit.slices._levels import Levels, column_levels
from audit.slices._options import (
    DEFAULT_BINS,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_LEVELS,
    MIN_SUPPORT_SHARE,
    check_slice_settings,
)
from audit.slices._result import SliceResult
from audit.slices._search import MAX_GRID, search

__all__ = ["find_slices", "resolve_metric", "resolve_min_support"]

_NEEDS_Y_TRUE = "metric {metric!r} needs y_true (true labels); got None."
_BINARY_LABELS = (
    "metric {metric!r} is defined for binary labels: 0/1 (or False/True), or give pos_label; "
    "got labels {labels}."
)
_NOT_BINARY = "metric {metric!r} needs two classes; got {count} labels {labels}."
_POS_LABEL_UNSEEN = "pos_label {pos_label!r} is not among the labels {labels}."
_NOT_NUMERIC = "metric 'mae' needs numeric {what}; got values of dtype {dtype} (e.g. {example!r})."
_BAD_WEIGHTS = "sample_weight must be finite and >= 0 with a positive sum; got {problem}."
_NO_COLUMNS = "X has no column to slice by{why}."


class NoSliceColumnsError(DataValidationError):
    """No column of X has two levels or more (e.g. a one-row table): nothing to slice."""


_GRID_TOO_LARGE = (
    "A combination of {depth} columns has {size:,} slices ({detail}), more than the {limit:,} one "
    "search may hold. Lower max_depth, bins or max_levels, or pass fewer columns."
)


def resolve_metric(metric: str, y_pred: np.ndarray) -> str:
    """``"auto"``: MAE for predictions that are non-integer numbers, else the error rate."""
    if metric != "auto":
        return metric
    if y_pred.dtype.kind == "f" and not np.all(np.mod(y_pred[np.isfinite(y_pred)], 1.0) == 0):
        return "mae"
    return "error_rate"


def resolve_min_support(min_support: int | float | None, n_rows: int, min_count: int) -> int:
    """The minimum rows of a slice: given, a share of the rows, or ``max(min_count, 1 %)``."""
    if min_support is None:
        return max(min_count, math.ceil(MIN_SUPPORT_SHARE * n_rows), 1)
    if isinstance(min_support, float):
        return max(1, math.ceil(min_support * n_rows))
    return int(min_support)


def _labels_text(values: np.ndarray) -> str:
    uniq = pd.unique(pd.Series(values, copy=False))
    shown = sorted((u.item() if isinstance(u, np.generic) else u for u in uniq[:10]), key=str)
    return repr(shown) + (" ..." if len(uniq) > 10 else "")


def _binary(
    metric: str, y_true: np.ndarray | None, y_pred: np.ndarray, pos_label: Any
) -> tuple[np.ndarray | None, np.ndarray]:
    both = (
        y_pred
        if y_true is None
        else np.concatenate([np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)])
    )
    labels = pd.unique(pd.Series(both, copy=False))
    if pos_label is None:
        plain = {u.item() if isinstance(u, np.generic) else u for u in labels}
        if not plain <= {0, 1}:
            raise DataValidationError(
                _BINARY_LABELS.format(metric=metric, labels=_labels_text(both))
            )
        pos_label = 1
    else:
        if len(labels) > 2:
            raise DataValidationError(
                _NOT_BINARY.format(metric=metric, count=len(labels), labels=_labels_text(both))
            )
        if pos_label not in set(labels.tolist()):
            raise DataValidationError(
                _POS_LABEL_UNSEEN.format(pos_label=pos_label, labels=_labels_text(both))
            )
    y01 = None if y_true is None else (np.asarray(y_true) == pos_label).astype(np.int8)
    return y01, (np.asarray(y_pred) == pos_label).astype(np.int8)


def _numeric(values: np.ndarray, what: str) -> np.ndarray:
    if values.dtype.kind in "biuf":
        return values.astype(np.float64)
    try:
        if values.dtype.kind in "US" or pd.api.types.infer_dtype(values) not in (
            "integer",
            "floating",
            "mixed-integer-float",
            "decimal",
            "boolean",
        ):
            raise ValueError(what)
        return values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise DataValidationError(
            _NOT_NUMERIC.format(what=what, dtype=values.dtype, example=values[0])
        ) from exc


def _weights(sample_weight: Any, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    w = _numeric(to_1d_array(sample_weight, what="sample_weight"), "sample_weight")
    check_lengths({"X": n, "sample_weight": len(w)})
    check_no_missing(w, what="sample_weight", finite=True)
    if (w < 0).any():
        raise DataValidationError(
            _BAD_WEIGHTS.format(problem=f"{int((w < 0).sum())} negative value(s)")
        )
    if w.sum() <= 0:
        raise DataValidationError(_BAD_WEIGHTS.format(problem="weights summing to 0"))
    return w


def cut_columns(
    frame: pd.DataFrame, *, bins: int, max_levels: int
) -> tuple[list[Levels], dict[str, str]]:
    """Cut every column of ``frame`` into levels; columns with one level are left out."""
    levels: list[Levels] = []
    skipped: dict[str, str] = {}
    for name in frame.columns:
        try:
            lv = column_levels(str(name), frame[name], bins=bins, max_levels=max_levels)
        except (TypeError, ValueError) as exc:  # unhashable values, complex numbers, ...
            skipped[str(name)] = f"its values cannot be levels ({type(exc).__name__})"
            continue
        if lv.n_levels < 2:
            skipped[str(name)] = "a single value"
            continue
        levels.append(lv)
    return levels, skipped


def _check_grid(levels: list[Levels], max_depth: int) -> None:
    sizes = sorted((lv.n_levels for lv in levels), reverse=True)[:max_depth]
    size = int(np.prod(sizes)) if sizes else 0
    if size > MAX_GRID:
        raise InvalidParameterError(
            _GRID_TOO_LARGE.format(
                depth=len(sizes),
                size=size,
                detail=" x ".join(map(str, sizes)) + " levels",
                limit=MAX_GRID,
            )
        )


def find_slices(
    X: Any,
    y_true: Any,
    y_pred: Any,
    *,
    metric: str = "auto",
    sample_weight: Any = None,
    pos_label: Any = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
    min_support: int | float | None = None,
    bins: int = DEFAULT_BINS,
    max_levels: int = DEFAULT_MAX_LEVELS,
    columns: str | Sequence[str] | None = None,
    min_count: int = 30,
    ci: float = 0.95,
    alpha: float | None = None,
    threshold: float = 0.1,
    prune: bool = True,
) -> SliceResult:
    """Find the slices of the data where a model is worst, each tested against the rest.

    A slice is a conjunction of up to ``max_depth`` conditions on different
    columns of ``X`` (``age in [60, 90] and region = north``). Every slice
    with enough rows is counted in one pass per combination of columns,
    tested against the rest of the data, and the p-values of every slice
    tested are adjusted together (Benjamini-Hochberg). See
    :mod:`audit.slices` for the method.

    Parameters
    ----------
    X : DataFrame (pandas, polars, pyarrow) or 2-D array
        The columns to slice by (every column, unless ``columns`` says).
    y_true : array-like of shape (n,) or None
        True labels (targets for MAE). None only for the selection rate.
    y_pred : array-like of shape (n,)
        The model's predictions.
    metric : {"auto", "error_rate", "fnr", "fpr", "selection_rate", "mae"}, default="auto"
        What a slice is judged by; ``"auto"`` is MAE for non-integer numeric
        predictions, else the error rate. FNR, FPR and the selection rate need
        binary labels (0/1, or ``pos_label``). Higher is worse, except for
        the selection rate, where lower is.
    sample_weight : array-like of shape (n,), optional
        Non-negative row weights; sizes are then also effective sizes.
    pos_label : object, optional
        The positive label for FNR, FPR and the selection rate (default 1).
    max_depth : int, default=2
        Most conditions per slice, in ``[1, 4]``.
    min_support : int or float, optional
        Rows a slice needs (a float in (0, 1): a share of the rows); default
        ``max(min_count, 1 % of the rows)``. Weighted, its effective rows too.
    bins : int, default=5
        Quantile bins of a numeric column (``>= 2``).
    max_levels : int, default=20
        Most frequent values of another column that are conditions of their
        own; the others form one level.
    columns : str or list of str, optional
        The columns to slice by (default: all).
    min_count : int, default=30
        Effective rows a slice and the rest need in the metric's denominator
        (positives for FNR, negatives for FPR) to be tested.
    ci : float, default=0.95
        Level of each slice's interval.
    alpha : float, optional
        False discovery rate (default ``1 - ci``).
    threshold : float, default=0.1
        A significant slice is flagged when worse than the rest by more than
        this (MAE: ``ratio > 1 + threshold``). Also the pruning bound: deeper
        slices that cannot be worse by this much are not searched.
    prune : bool, default=True
        Prune with the bound; False tests every slice with enough rows.

    Returns
    -------
    SliceResult
        The table of slices tested (worst first), how many were tested, and
        :meth:`~SliceResult.facts` / :meth:`~SliceResult.findings`.

    Raises
    ------
    InvalidParameterError
        A setting of the wrong type or out of range (checked before any work).
    DataValidationError
        Inputs of different lengths, missing values in ``y_true`` / ``y_pred``
        / ``sample_weight``, labels that do not fit the metric, an unknown
        column (:class:`~audit.errors.UnknownColumnError`).

    Examples
    --------
    >>> from audit.slices import find_slices
    >>> result = find_slices(X, y_test, model.predict(X))  # doctest: +SKIP
    >>> result.table.head()  # doctest: +SKIP
    """
    settings = check_slice_settings(
        metric=metric,
        max_depth=max_depth,
        min_support=min_support,
        bins=bins,
        max_levels=max_levels,
        columns=columns,
        min_count=min_count,
        ci=ci,
        alpha=alpha,
        threshold=threshold,
        prune=prune,
    )
    frame = to_pandas_frame(X)
    if y_pred is None:
        raise DataValidationError("y_pred is required: the model's predictions on X.")
    yp = to_1d_array(y_pred, what="y_pred")
    yt = None if y_true is None else to_1d_array(y_true, what="y_true")
    n = check_lengths(
        {"X": len(frame), "y_pred": len(yp), "y_true": None if yt is None else len(yt)}
    )
    check_no_missing(yp, what="y_pred", finite=yp.dtype.kind == "f")
    if yt is not None:
        check_no_missing(yt, what="y_true", finite=yt.dtype.kind == "f")
    weights = _weights(sample_weight, n)
    chosen = resolve_metric(settings["metric"], yp)
    assert chosen in METRICS
    if yt is None and chosen != "selection_rate":
        raise DataValidationError(_NEEDS_Y_TRUE.format(metric=chosen))
    if chosen in ("fnr", "fpr", "selection_rate"):
        yt, yp = _binary(chosen, yt, yp, pos_label)
    elif chosen == "mae":
        assert yt is not None
        yt, yp = _numeric(yt, "y_true"), _numeric(yp, "y_pred")
    else:
        assert yt is not None
        kinds = {label_kind(yt), label_kind(yp)}
        if kinds == {"text", "number"}:
            raise DataValidationError(
                label_types_error(
                    "y_true's labels", yt, "y_pred's labels", yp, "y_pred.astype(...)"
                )
            )
    if settings["columns"] is not None:
        check_columns(list(settings["columns"]), frame, where="X (slice columns)")
        frame = frame[list(settings["columns"])]
    levels, skipped = cut_columns(frame, bins=settings["bins"], max_levels=settings["max_levels"])
    if not levels:
        why = "" if not skipped else ": " + "; ".join(f"{k!r}: {v}" for k, v in skipped.items())
        raise NoSliceColumnsError(_NO_COLUMNS.format(why=why))
    _check_grid(levels, settings["max_depth"])
    settings["metric"] = chosen
    settings["min_support"] = resolve_min_support(settings["min_support"], n, settings["min_count"])
    return search(levels, row_stats(chosen, yt, yp, weights), settings, skipped=skipped)
