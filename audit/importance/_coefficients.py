"""Coefficient-based importance: |standardized coefficient| summed by input column."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit._frames import to_pandas_frame
from audit.adapters import make_adapter

__all__ = ["coefficient_importance"]


def coefficient_importance(model: Any, X: Any) -> pd.Series | None:
    """|coef_j| * std(x_j) in the space the coefficients act on, summed per input column.

    A coefficient times its column's standard deviation is the change in the
    model's raw output for a one-standard-deviation change of the column, so
    the values are comparable across columns of different scales. One-hot
    columns add up to the column they encode; a multiclass model's classes are
    averaged.

    Parameters
    ----------
    model : estimator, Pipeline or ModelAdapter
        The fitted model.
    X : table
        Data whose spread standardizes the coefficients.

    Returns
    -------
    pandas.Series or None
        Indexed by input column (``name="coefficient"``), or None when the
        model's final estimator is not linear (see
        :func:`audit.attributions.supports_linear`).
    """
    from audit.attributions._choose import supports_linear
    from audit.attributions._outputs import linear_parameters
    from audit.attributions._result import source_order, sum_to_sources

    adapter = make_adapter(model)
    frame = to_pandas_frame(X, column_names=adapter.input_features)
    transformed = adapter.transform(frame)
    matrix = transformed.matrix
    if not supports_linear(adapter, matrix[:8]).ok:
        return None
    est = getattr(adapter, "final_estimator", adapter.model)
    weights, _ = linear_parameters(est, matrix.shape[1])
    standardized = (np.abs(weights) * matrix.std(axis=0)[:, None]).mean(axis=1)
    sources = tuple(transformed.sources)
    names = source_order(sources, [str(c) for c in frame.columns])
    summed = sum_to_sources(standardized[None, :, None], sources, names)[0, :, 0]
    return pd.Series(summed, index=pd.Index(names, name="feature"), name="coefficient")
