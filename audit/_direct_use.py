"""Whether a model takes a sensitive attribute directly: decided by the data, not by names.

A sensitive attribute is a model input when one of the model's input columns
holds its values row for row. A sensitive Series that merely shares a
feature's name (with other values) is not one. Core: the context decides
``sensitive_in_model`` with :func:`direct_inputs`, and the proxies engine
reuses it for the model card.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["direct_inputs", "same_values"]

_PROBE_ROWS = 64


def _numeric(values: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(values)) and not isinstance(
        values.dtype, pd.CategoricalDtype
    )


def _equal(a: pd.Series, b: pd.Series) -> bool:
    if _numeric(a) and _numeric(b):
        x = a.to_numpy(dtype=float, na_value=np.nan)
        y = b.to_numpy(dtype=float, na_value=np.nan)
        return bool(np.array_equal(x, y, equal_nan=True))
    x = np.asarray(a, dtype=object)
    y = np.asarray(b, dtype=object)
    with np.errstate(all="ignore"):
        equal = np.asarray(x == y, dtype=bool)
    missing = np.asarray(pd.isna(x), dtype=bool) & np.asarray(pd.isna(y), dtype=bool)
    return bool((equal | missing).all())


def same_values(a: Any, b: Any) -> bool:
    """Whether two columns hold equal values, row for row, by position.

    Numbers compare as numbers (``1 == 1.0``), everything else with ``==`` on
    the values (``1 != "1"``; a categorical compares by its labels); two
    missing values are equal. The index is ignored: the caller aligns rows.

    Parameters
    ----------
    a, b : pandas.Series or array-like
        The two columns.

    Returns
    -------
    bool
    """
    a = a if isinstance(a, pd.Series) else pd.Series(a)
    b = b if isinstance(b, pd.Series) else pd.Series(b)
    if len(a) != len(b):
        return False
    # most columns differ in their first rows: reject them before comparing everything
    head = min(len(a), _PROBE_ROWS)
    if not _equal(a.iloc[:head], b.iloc[:head]):
        return False
    return _equal(a, b)


def direct_inputs(
    X: pd.DataFrame, sensitive: pd.DataFrame | None, model_inputs: Sequence[str]
) -> dict[str, str]:
    """The model input column that holds each sensitive attribute, decided by the data.

    A sensitive attribute is a model input when a column of ``X`` the model
    takes holds the attribute's values row for row (:func:`same_values`); the
    column of the attribute's own name is tried first. A column that merely
    shares the attribute's name is not enough.

    Parameters
    ----------
    X : pandas.DataFrame
        The data, aligned with ``sensitive`` by row position.
    sensitive : pandas.DataFrame or None
        The sensitive attributes, one column each.
    model_inputs : sequence of str
        The columns the model takes.

    Returns
    -------
    dict of str to str
        ``{attribute: model input column}`` for the attributes the model takes
        directly, in the order of ``sensitive``'s columns.
    """
    if sensitive is None:
        return {}
    present = [c for c in model_inputs if c in X.columns]
    out: dict[str, str] = {}
    for attribute in sensitive.columns:
        name = str(attribute)
        candidates = ([name] if name in present else []) + [c for c in present if c != name]
        for column in candidates:
            if same_values(X[column], sensitive[attribute]):
                out[name] = column
                break
    return out
