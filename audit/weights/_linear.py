"""Coefficients of linear models, standardized so weights on different scales compare.

A coefficient ``b_j`` multiplies a model column ``x_j`` whose spread depends on its
unit; ``b_j * std(x_j)`` is the change of the decision value for a one-standard-
deviation change of the column, which compares across columns. The std is taken
on the audit data, of the matrix the final estimator sees (after the Pipeline's
scaling and one-hot encoding), population std (``ddof=0``), weighted when sample
weights are given.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit.adapters import is_linear_model
from audit.weights._inputs import DesignMatrix, column_std

__all__ = [
    "LINEAR_COLUMNS",
    "by_source_weights",
    "coefficient_array",
    "coefficient_table",
    "is_linear_model",
    "output_labels",
]

LINEAR_COLUMNS = [
    "feature",
    "source",
    "class",
    "coef",
    "std",
    "standardized",
    "abs_share",
    "sign",
    "is_zero",
]
def coefficient_array(estimator: Any) -> np.ndarray:
    """``coef_`` as a dense float array of shape (n_outputs, n_features)."""
    coef = estimator.coef_
    if hasattr(coef, "toarray"):
        coef = coef.toarray()
    arr = np.array(coef, dtype=float)
    return arr[None, :] if arr.ndim == 1 else arr


def output_labels(estimator: Any, n_rows: int, classes: np.ndarray | None) -> list[str]:
    """Label of each row of ``coef_``: the positive class of a binary classifier, each
    class of a multiclass one, ``""`` for one-output regression, ``output<k>`` otherwise."""
    coef_ndim = np.ndim(estimator.coef_) if not hasattr(estimator.coef_, "toarray") else 2
    if classes is not None:
        if n_rows == 1 and len(classes) == 2:
            return [str(classes[1])]
        if n_rows == len(classes):
            return [str(c) for c in classes]
        return [str(k) for k in range(n_rows)]
    if coef_ndim == 1:
        return [""]
    return [f"output{k}" for k in range(n_rows)]


def coefficient_table(
    estimator: Any,
    design: DesignMatrix,
    *,
    classes: np.ndarray | None,
    sample_weight: np.ndarray | None = None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Tidy table of a linear model's coefficients, and its intercepts.

    Parameters
    ----------
    estimator : estimator
        The fitted linear final estimator (``coef_``, ``intercept_``).
    design : DesignMatrix
        The matrix it sees on the audit data, with names and sources.
    classes : numpy.ndarray or None
        Class labels of a classifier (None for regression).
    sample_weight : numpy.ndarray, optional
        Row weights for the standard deviations.

    Returns
    -------
    table : pandas.DataFrame
        One row per (class, model column), class-major: ``feature, source, class``
        (the positive class for a binary classifier, ``""`` for one-output
        regression), ``coef, std, standardized`` (coef × std), ``abs_share``
        (|standardized| over the class's total), ``sign`` (−1, 0, +1) and
        ``is_zero`` (coef exactly 0, e.g. L1 sparsity).
    intercepts : dict
        Intercept per class label.
    """
    coef = coefficient_array(estimator)
    n_out, n_feat = coef.shape
    names, sources = list(design.names), list(design.sources)
    if len(names) != n_feat:
        names = [f"f{i}" for i in range(n_feat)]
        sources = list(names)
        std = np.full(n_feat, np.nan)
    else:
        std = column_std(design.matrix, sample_weight)
    labels = output_labels(estimator, n_out, classes)
    standardized = coef * std[None, :]
    absolute = np.abs(standardized)
    totals = np.nansum(absolute, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(totals > 0, absolute / totals, np.nan)
    table = pd.DataFrame(
        {
            "feature": np.tile(np.asarray(names, dtype=object), n_out),
            "source": np.tile(np.asarray(sources, dtype=object), n_out),
            "class": np.repeat(np.asarray(labels, dtype=object), n_feat),
            "coef": coef.ravel(),
            "std": np.tile(std, n_out),
            "standardized": standardized.ravel(),
            "abs_share": share.ravel(),
            "sign": np.sign(coef).astype(np.int64).ravel(),
            "is_zero": (coef == 0).ravel(),
        }
    )
    raw_intercept = np.atleast_1d(np.asarray(getattr(estimator, "intercept_", 0.0), dtype=float))
    if raw_intercept.size == 1 and n_out > 1:
        raw_intercept = np.repeat(raw_intercept, n_out)
    intercepts = {label: float(v) for label, v in zip(labels, raw_intercept, strict=False)}
    return table, intercepts


def by_source_weights(table: pd.DataFrame, *, key: str = "source") -> tuple[pd.Series, pd.Series]:
    """Sum of |standardized| per source column over classes and one-hot columns.

    Returns
    -------
    weights : pandas.Series
        Indexed by ``key`` values, in order of first appearance.
    n_columns : pandas.Series
        How many distinct model columns each source has.
    """
    absolute = table["standardized"].abs().fillna(0.0)
    grouped = absolute.groupby(table[key], sort=False).sum()
    n_columns = table.groupby(key, sort=False)["feature"].nunique()
    return grouped, n_columns
