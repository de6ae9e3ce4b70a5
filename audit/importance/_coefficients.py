"""Coefficient-based importance: the weight analysis's |standardized coefficient| per column."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit._frames import to_pandas_frame
from audit.adapters import make_adapter

__all__ = ["coefficient_importance"]


def coefficient_importance(
    model: Any, X: Any, sample_weight: np.ndarray | None = None
) -> pd.Series | None:
    """|coef_j| * std(x_j) in the space the coefficients act on, summed per input column.

    The same number as the weight analysis's ``by_source["weight"]``: both are
    :func:`audit.weights.coefficient_importance` (one definition). A
    coefficient times its column's standard deviation is the change in the
    model's raw output for a one-standard-deviation change of the column, so
    the values are comparable across columns of different scales. One-hot
    columns add up to the column they encode; a multiclass model's classes
    add up too.

    Parameters
    ----------
    model : estimator, Pipeline or ModelAdapter
        The fitted model.
    X : table
        Data whose spread standardizes the coefficients.
    sample_weight : array-like, optional
        Row weights of the standard deviations.

    Returns
    -------
    pandas.Series or None
        Indexed by input column (``name="coefficient"``), or None when the
        model's final estimator is not linear.
    """
    from audit.weights import coefficient_importance as owner

    adapter = make_adapter(model)
    frame = to_pandas_frame(X, column_names=adapter.input_features)
    return owner(adapter, frame, sample_weight)
