"""Turning user data (pandas, polars, pyarrow, numpy, lists) into pandas/numpy once, at the edge."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from audit.errors import DataValidationError, UnknownColumnError

__all__ = ["closest_name", "to_1d_array", "to_pandas_frame", "unknown_column_message"]

_UNSUPPORTED_FRAME = (
    "X must be a pandas, polars or pyarrow table, or a 2-D numpy array; got {kind}."
)
_NOT_1D = "{what} must be one-dimensional (a list, array or Series); got shape {shape}."
_UNKNOWN_COLUMN = "Unknown column {name!r} in {where}.{hint} Available columns: {available}."
_DUPLICATE_COLUMNS = "X has duplicate column names: {names}. Column names must be unique."
_EMPTY_FRAME = "X has no rows (shape {shape}); an audit needs at least one row."


def _short_list(names: Sequence[Any], limit: int = 12) -> str:
    shown = ", ".join(repr(str(n)) for n in list(names)[:limit])
    extra = len(names) - limit
    return shown + (f", ... (+{extra} more)" if extra > 0 else "")


def closest_name(name: str, candidates: Sequence[Any]) -> str | None:
    """Return the candidate closest to ``name`` (case-insensitive), or None."""
    lowered = {str(c).lower(): str(c) for c in candidates}
    if str(name).lower() in lowered:
        return lowered[str(name).lower()]
    match = difflib.get_close_matches(str(name).lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def unknown_column_message(name: Any, candidates: Sequence[Any], where: str) -> str:
    """Build the message for an unknown column, suggesting the closest match."""
    close = closest_name(str(name), candidates)
    hint = f" Did you mean {close!r}?" if close is not None else ""
    return _UNKNOWN_COLUMN.format(
        name=name, where=where, hint=hint, available=_short_list(candidates)
    )


def check_columns(names: Sequence[Any], frame: pd.DataFrame, where: str) -> None:
    """Raise :class:`UnknownColumnError` for the first name not in ``frame``."""
    for name in names:
        if name not in frame.columns:
            raise UnknownColumnError(unknown_column_message(name, list(frame.columns), where))


def to_pandas_frame(X: Any, *, column_names: Sequence[str] | None = None) -> pd.DataFrame:
    """Return ``X`` as a pandas DataFrame, without copying pandas input.

    Polars and pyarrow tables go through narwhals; a 2-D numpy array gets
    ``column_names`` when their count matches, else ``x0, x1, ...``; a Series or a
    1-D array of strings (documents for a text model) becomes one column.
    """
    if isinstance(X, pd.DataFrame):
        frame = X
    elif isinstance(X, pd.Series):
        frame = X.to_frame(name=X.name if X.name is not None else "text")
    elif isinstance(X, np.ndarray) or isinstance(X, list):
        arr = np.asarray(X)
        if arr.ndim == 1 and arr.dtype.kind in "OUS":
            arr = arr.astype(object)
            frame = pd.DataFrame({"text": arr})
            _check_frame(frame)
            return frame
        if arr.ndim != 2:
            raise DataValidationError(
                _UNSUPPORTED_FRAME.format(kind=f"an array of shape {arr.shape}")
            )
        if column_names is not None and len(column_names) == arr.shape[1]:
            cols = [str(c) for c in column_names]
        else:
            cols = [f"x{i}" for i in range(arr.shape[1])]
        frame = pd.DataFrame(arr, columns=cols)
    else:
        try:
            import narwhals as nw

            frame = nw.from_native(X, eager_only=True).to_pandas()
        except TypeError as exc:
            raise DataValidationError(_UNSUPPORTED_FRAME.format(kind=type(X).__name__)) from exc
    _check_frame(frame)
    return frame


def _check_frame(frame: pd.DataFrame) -> None:
    dupes = frame.columns[frame.columns.duplicated()].unique().tolist()
    if dupes:
        raise DataValidationError(_DUPLICATE_COLUMNS.format(names=_short_list(dupes)))
    if len(frame) == 0:
        raise DataValidationError(_EMPTY_FRAME.format(shape=frame.shape))


def to_1d_array(values: Any, *, what: str) -> np.ndarray:
    """Return a 1-D numpy array from a list, array, pandas/polars Series or pyarrow array."""
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise DataValidationError(_NOT_1D.format(what=what, shape=values.shape))
        values = values.iloc[:, 0]
    if isinstance(values, (pd.Series, pd.Index)):
        return values.to_numpy()
    if not isinstance(values, (np.ndarray, list, tuple)):
        try:
            import narwhals as nw

            values = nw.from_native(values, series_only=True).to_numpy()
        except TypeError:
            values = np.asarray(values)
    arr = np.asarray(values)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise DataValidationError(_NOT_1D.format(what=what, shape=arr.shape))
    return arr
