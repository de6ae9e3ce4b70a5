"""Validate and normalise labels, predictions, scores and weights, once, at the edge.

Arrays may come as lists, numpy arrays, pandas / polars Series or pyarrow
arrays; they leave as 1-D numpy arrays. Every problem raises a typed error of
:mod:`audit.errors` whose message template is a constant of this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from audit._inputs import check_lengths as check_row_counts
from audit._inputs import first_rows, label_kind, label_types_error, type_names
from audit.errors import DataValidationError, InvalidParameterError, MissingValueError

__all__ = [
    "Task",
    "TASKS",
    "Targets",
    "as_1d",
    "check_lengths",
    "prepare_targets",
    "prepare_weights",
    "prepare_scores",
]

Task = Literal["binary", "multiclass", "regression"]
TASKS: tuple[str, ...] = ("auto", "binary", "multiclass", "regression")

_NOT_1D = "{what} must be one-dimensional (a list, array or Series); got shape {shape}."
_BAD_ARRAY = (
    "{what} must be a list, numpy array, pandas/polars Series or pyarrow array; got {kind}."
)
_EMPTY_INPUT = "y_true has no rows; group metrics need at least one row."
_MISSING_VALUES = (
    "{what} contains {count} missing value(s) (NaN/None) at row position(s) {rows}. "
    "Remove or impute them before computing group metrics."
)
_NONNUMERIC = "{what} must be numeric; got values of dtype {dtype}."
_NEGATIVE_WEIGHTS = (
    "sample_weight must be >= 0; got {count} negative value(s) at row position(s) {rows}."
)
_NONFINITE = "{what} must be finite; got {count} infinite value(s) at row position(s) {rows}."
_ZERO_WEIGHT_SUM = "sample_weight sums to {total}; at least one row needs a positive weight."
_SCORE_RANGE = (
    "y_score must hold probabilities in [0, 1]; got {count} value(s) outside that range at row "
    "position(s) {rows} (min {low}, max {high}). Pass predict_proba(X)[:, 1], or map decision "
    "scores to [0, 1]."
)
_SCORE_SHAPE = (
    "y_score must be 1-D (the probability of the positive class) or of shape (n, 2); "
    "got shape {shape}."
)
_SCORE_TASK = "y_score is supported for binary classification only; the task here is {task!r}."
_BAD_TASK = "task must be one of {allowed}; got {value!r}."
_AMBIGUOUS_POSITIVE = (
    "y_true and y_pred have the labels {labels}, which are not 0/1 (or -1/1), so the positive "
    "outcome is ambiguous. Pass pos_label= to name it, or task='multiclass' for one-vs-rest "
    "metrics per class."
)
_POS_LABEL_NOT_FOUND = (
    "pos_label={pos_label!r} is not one of the labels of y_true and y_pred: {labels}."
)
_TOO_MANY_LABELS = (
    "task='binary' needs at most 2 labels; y_true and y_pred have {count}: {labels}. "
    "Use task='multiclass' for one-vs-rest metrics per class."
)
_REGRESSION_NONNUMERIC = (
    "task='regression' needs numeric y_true and y_pred; got dtypes {dtype_true} and {dtype_pred}."
)
_MIXED_LABELS = (
    "{what} mixes labels of different types ({types}, e.g. {examples}), so equal-looking labels "
    "such as 1 and '1' would count as different classes. Convert the labels to one type first."
)


def _short(values: list[Any], limit: int = 10) -> str:
    shown = ", ".join(repr(v) for v in values[:limit])
    more = f", ... (+{len(values) - limit} more)" if len(values) > limit else ""
    return f"[{shown}{more}]"


def as_1d(values: Any, *, what: str, allow_2d: bool = False) -> np.ndarray:
    """Return ``values`` as a numpy array without copying numpy / pandas input.

    Parameters
    ----------
    values : array-like
        A list, tuple, numpy array, pandas / polars Series or pyarrow array.
    what : str
        Name used in error messages, e.g. ``"y_true"``.
    allow_2d : bool, default=False
        Return 2-D input as it is instead of raising (used for ``y_score``).
    """
    if isinstance(values, pd.DataFrame):
        values = values.to_numpy()
    if isinstance(values, pd.api.extensions.ExtensionArray):  # pd.array(..., dtype="Int64")
        values = pd.Series(values, copy=False)
    if isinstance(values, (pd.Series, pd.Index)):
        if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object:
            arr = np.asarray(values.to_numpy(dtype=object))
        elif isinstance(values.dtype, pd.api.extensions.ExtensionDtype):
            # nullable ints / floats / booleans / strings: NA becomes NaN or None
            numpy_dtype = getattr(values.dtype, "numpy_dtype", None)
            if values.hasnans or numpy_dtype is None or numpy_dtype.kind not in "biuf":
                if numpy_dtype is not None and numpy_dtype.kind in "biuf":
                    arr = values.to_numpy(dtype=float, na_value=np.nan)
                else:
                    arr = values.to_numpy(dtype=object, na_value=None)
            else:
                arr = values.to_numpy(dtype=numpy_dtype)
        else:
            arr = values.to_numpy()
    elif isinstance(values, np.ndarray):
        arr = values
    elif isinstance(values, (list, tuple)):
        arr = np.asarray(values)
        if arr.dtype.kind in "US":  # keep strings as objects, like pandas does
            arr = arr.astype(object)
    else:
        import narwhals as nw

        try:
            series = nw.from_native(values, series_only=True)
        except TypeError:
            if type(values).__module__.split(".")[0] == "pyarrow" and hasattr(values, "to_numpy"):
                arr = np.asarray(values.to_numpy(zero_copy_only=False))
            else:
                raise DataValidationError(
                    _BAD_ARRAY.format(what=what, kind=type(values).__name__)
                ) from None
        else:
            arr = np.asarray(series.to_numpy())
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 and not (allow_2d and arr.ndim == 2):
        raise DataValidationError(_NOT_1D.format(what=what, shape=arr.shape))
    return arr


def check_lengths(**arrays: Any) -> int:
    """Raise :class:`LengthMismatchError` unless every given array has the length of the first.

    The one length check of :func:`audit._inputs.check_lengths` (one message for
    every entry point), plus: no rows at all is an error here.
    """
    n = check_row_counts({name: None if a is None else len(a) for name, a in arrays.items()})
    if n == 0:
        raise DataValidationError(_EMPTY_INPUT)
    return n


def _check_missing(arr: np.ndarray, what: str) -> None:
    kind = arr.dtype.kind
    if kind in "biu":
        return
    mask = np.isnan(arr) if kind in "fc" else np.asarray(pd.isna(arr), dtype=bool)
    if mask.any():
        raise MissingValueError(
            _MISSING_VALUES.format(what=what, count=int(mask.sum()), rows=first_rows(mask))
        )


def _check_finite(arr: np.ndarray, what: str) -> None:
    if arr.dtype.kind == "O":  # Python floats among other objects
        mask = np.asarray(pd.Series(arr, copy=False).isin([np.inf, -np.inf]), dtype=bool)
    elif arr.dtype.kind in "fc":
        mask = np.isinf(arr)
    else:
        return
    if mask.any():
        raise MissingValueError(
            _NONFINITE.format(what=what, count=int(mask.sum()), rows=first_rows(mask))
        )


def _check_one_type(arr: np.ndarray, what: str) -> None:
    """Refuse object labels that mix types (``[0, 1, 'x']``, ``[1, '1']``)."""
    if arr.dtype.kind != "O":
        return
    inferred = pd.api.types.infer_dtype(arr, skipna=True)
    if not inferred.startswith("mixed") or inferred == "mixed-integer-float":
        return  # ints and floats together are numbers of one kind
    seen: dict[str, Any] = {}
    for value in arr:
        seen.setdefault(
            type(value).__name__, value.item() if isinstance(value, np.generic) else value
        )
        if len(seen) >= 3:
            break
    raise DataValidationError(
        _MIXED_LABELS.format(
            what=what,
            types=", ".join(seen),
            examples=", ".join(repr(v) for v in seen.values()),
        )
    )


def _check_same_kind(y_true: np.ndarray, y_pred: np.ndarray) -> None:
    """Refuse text labels on one side and number labels on the other (``'1'`` vs ``1``).

    They are never converted into each other: ``y_true=['0', '1']`` with
    ``y_pred=[0, 1]`` would otherwise be four classes and an accuracy of 0.
    """
    kinds = (label_kind(y_true), label_kind(y_pred))
    if set(kinds) != {"text", "number"}:
        return
    text, numbers = ("y_true", y_pred) if kinds[0] == "text" else ("y_pred", y_true)
    number_type = type_names(pd.unique(pd.Series(numbers[:1], copy=False)))[0]
    raise DataValidationError(
        label_types_error(
            "y_true's labels", y_true, "y_pred's labels", y_pred, f"{text}.astype({number_type})"
        )
    )


@dataclass(frozen=True)
class Targets:
    """Encoded labels and predictions.

    Attributes
    ----------
    task : {"binary", "multiclass", "regression"}
    y_true, y_pred : ndarray
        Binary: int8 with 1 for the positive label. Multiclass: class codes
        (positions in ``classes``). Regression: float64.
    classes : tuple
        Binary: ``(negative, positive)`` labels (the negative one is ``None``
        when only the positive label occurs). Multiclass: the sorted labels.
        Regression: ``()``.
    """

    task: Task
    y_true: np.ndarray
    y_pred: np.ndarray
    classes: tuple[Any, ...]


def _as01(arr: np.ndarray) -> np.ndarray | None:
    """Return ``arr`` as int8 when all its values are 0/1, else None (no sort, no unique)."""
    kind = arr.dtype.kind
    if kind == "b":
        return arr.astype(np.int8)
    if kind in "iu":
        if arr.min() >= 0 and arr.max() <= 1:
            return arr.astype(np.int8)
        return None
    if kind == "f" and bool(np.all((arr == 0) | (arr == 1))):
        return arr.astype(np.int8)
    return None


def _as_pm1(arr: np.ndarray) -> np.ndarray | None:
    """Return ``arr == 1`` as int8 when all its values are -1/1, else None."""
    if arr.dtype.kind in "iuf" and bool(np.all((arr == -1) | (arr == 1))):
        return (arr == 1).astype(np.int8)
    return None


def _non_integer(arr: np.ndarray) -> bool:
    return arr.dtype.kind == "f" and bool(np.any(arr != np.floor(arr)))


def prepare_targets(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    task: str = "auto",
    pos_label: Any = None,
) -> Targets:
    """Check labels / predictions for missing values and infer the task.

    The task is ``"regression"`` when ``task="regression"``, or with
    ``task="auto"`` when ``y_pred`` or ``y_true`` is a float array with a
    non-integer value. Otherwise it is classification: binary when every
    label is 0/1 (or -1/1; positive 1) or when ``pos_label`` names one of at
    most two labels, multiclass when there are more labels (or
    ``task="multiclass"``).
    """
    if task not in TASKS:
        raise InvalidParameterError(
            _BAD_TASK.format(allowed=", ".join(map(repr, TASKS)), value=task)
        )
    _check_missing(y_true, "y_true")
    _check_missing(y_pred, "y_pred")
    _check_finite(y_true, "y_true")  # inf would otherwise become a class of its own
    _check_finite(y_pred, "y_pred")
    _check_one_type(y_true, "y_true")
    _check_one_type(y_pred, "y_pred")

    if task == "regression" or (task == "auto" and (_non_integer(y_pred) or _non_integer(y_true))):
        if y_true.dtype.kind not in "biuf" or y_pred.dtype.kind not in "biuf":
            raise DataValidationError(
                _REGRESSION_NONNUMERIC.format(dtype_true=y_true.dtype, dtype_pred=y_pred.dtype)
            )
        yt = np.asarray(y_true, dtype=np.float64)
        yp = np.asarray(y_pred, dtype=np.float64)
        _check_finite(yt, "y_true")
        _check_finite(yp, "y_pred")
        return Targets("regression", yt, yp, ())

    _check_same_kind(y_true, y_pred)  # classification: '1' is never the class 1
    if task in ("auto", "binary") and pos_label in (None, 0, 1):
        bt, bp = _as01(y_true), _as01(y_pred)
        if bt is not None and bp is not None:
            if pos_label == 0:
                return Targets("binary", 1 - bt, 1 - bp, (1, 0))
            return Targets("binary", bt, bp, (0, 1))
    if task in ("auto", "binary") and pos_label in (None, 1):
        bt, bp = _as_pm1(y_true), _as_pm1(y_pred)
        if bt is not None and bp is not None:
            return Targets("binary", bt, bp, (-1, 1))

    # general path: factorize the union of the labels once
    if y_true.dtype.kind in "biuf" and y_pred.dtype.kind in "biuf":
        both = np.concatenate([y_true, y_pred])
    else:
        both = np.concatenate([y_true.astype(object), y_pred.astype(object)])
    raw, uniques = pd.factorize(both, sort=False)
    uniques = pd.Index(uniques)
    try:
        order = np.asarray(uniques.argsort(), dtype=np.intp)
    except TypeError:
        order = np.arange(len(uniques), dtype=np.intp)
    lookup = np.empty(len(order), dtype=np.intp)
    lookup[order] = np.arange(len(order), dtype=np.intp)
    codes = lookup[raw]
    labels = [v.item() if isinstance(v, np.generic) else v for v in uniques.take(order).tolist()]
    n = len(y_true)

    if task == "multiclass" or (task == "auto" and pos_label is None and len(labels) > 2):
        return Targets("multiclass", codes[:n], codes[n:], tuple(labels))
    if len(labels) > 2:
        raise DataValidationError(_TOO_MANY_LABELS.format(count=len(labels), labels=_short(labels)))
    if pos_label is None:
        raise DataValidationError(_AMBIGUOUS_POSITIVE.format(labels=_short(labels)))
    if pos_label not in labels:
        raise DataValidationError(
            _POS_LABEL_NOT_FOUND.format(pos_label=pos_label, labels=_short(labels))
        )
    pos = labels.index(pos_label)
    negative = [lab for lab in labels if lab != pos_label]
    binary = (codes == pos).astype(np.int8)
    return Targets("binary", binary[:n], binary[n:], (negative[0] if negative else None, pos_label))


def prepare_weights(sample_weight: Any, n: int) -> np.ndarray | None:
    """Return weights as float64 after checking they are finite, >= 0 and not all 0."""
    if sample_weight is None:
        return None
    w = as_1d(sample_weight, what="sample_weight")
    if w.dtype.kind not in "biuf":
        raise DataValidationError(_NONNUMERIC.format(what="sample_weight", dtype=w.dtype))
    w = np.asarray(w, dtype=np.float64)
    _check_missing(w, "sample_weight")
    _check_finite(w, "sample_weight")
    negative = w < 0
    if negative.any():
        raise DataValidationError(
            _NEGATIVE_WEIGHTS.format(count=int(negative.sum()), rows=first_rows(negative))
        )
    total = float(w.sum())
    if total <= 0:
        raise DataValidationError(_ZERO_WEIGHT_SUM.format(total=total))
    return w


def prepare_scores(y_score: Any, task: str) -> np.ndarray | None:
    """Return positive-class probabilities as float64 after checking they lie in [0, 1]."""
    if y_score is None:
        return None
    if task != "binary":
        raise DataValidationError(_SCORE_TASK.format(task=task))
    s = as_1d(y_score, what="y_score", allow_2d=True)
    if s.ndim == 2:
        if s.shape[1] != 2:
            raise DataValidationError(_SCORE_SHAPE.format(shape=s.shape))
        s = s[:, 1]
    if s.dtype.kind not in "biuf":
        raise DataValidationError(_NONNUMERIC.format(what="y_score", dtype=s.dtype))
    s = np.asarray(s, dtype=np.float64)
    _check_missing(s, "y_score")
    outside = (s < 0) | (s > 1)
    if outside.any():
        raise DataValidationError(
            _SCORE_RANGE.format(
                count=int(outside.sum()),
                rows=first_rows(outside),
                low=float(s.min()),
                high=float(s.max()),
            )
        )
    return s
