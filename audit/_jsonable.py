"""Turning results into deterministic, JSON-serialisable data: one function for all of them."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["frame_to_dict", "to_jsonable"]


def _label(value: Any) -> Any:
    if isinstance(value, tuple):
        return " & ".join(str(_label(v)) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def frame_to_dict(frame: pd.DataFrame) -> dict[str, Any]:
    """A DataFrame as ``{"index_names", "index", "columns", "data"}`` with plain values."""
    return {
        "index_names": [None if n is None else str(n) for n in frame.index.names],
        "index": [_label(i) for i in frame.index],
        "columns": [_label(c) for c in frame.columns],
        "data": [[to_jsonable(v) for v in row] for row in frame.itertuples(index=False, name=None)],
    }


def to_jsonable(obj: Any) -> Any:
    """Recursively convert numpy/pandas/dataclass values to JSON-friendly Python values.

    Non-finite floats become ``None`` so the output is strict JSON.
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)) and not isinstance(obj, bool):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, pd.DataFrame):
        return frame_to_dict(obj)
    if isinstance(obj, pd.Series):
        return {str(_label(k)): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, Mapping):
        return {str(_label(k)): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = sorted(obj, key=str) if isinstance(obj, (set, frozenset)) else obj
        return [to_jsonable(v) for v in items]
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return to_jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable({f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)})
    if isinstance(obj, (pd.Timestamp,)):
        return obj.isoformat()
    return str(obj)
