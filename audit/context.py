"""AuditContext: everything an analyzer needs, validated once at the edge and never mutated."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from audit._frames import check_columns, to_1d_array, to_pandas_frame
from audit.adapters import ModelAdapter, Task, make_adapter
from audit.errors import (
    DataValidationError,
    LengthMismatchError,
    MissingValueError,
)
from audit.policy import Policy

__all__ = ["AuditContext", "build_context"]

_LENGTH_MISMATCH = (
    "Found inputs with inconsistent numbers of rows: X has {n_x} rows but {what} has {n_other}."
)
_MISSING_VALUES = (
    "{what} contains {count} missing value(s) (NaN/None{inf}); first at row position(s) "
    "{rows}. {allowed}"
)
_INDEX_MISALIGNED = (
    "sensitive_features is a pandas object whose index differs from X's index (first "
    "differing position {pos}: {a!r} vs {b!r}). Pass values aligned with X, e.g. "
    "df.loc[X.index, ['sex']], or reset both indexes."
)
_BAD_SENSITIVE = (
    "sensitive_features must be a column name, a list of column names in X, or a "
    "Series / DataFrame / array / dict aligned with X; got {kind}."
)
_ONE_CLASS_LABELS = (
    "y has labels {labels} that the model never predicts; the model's classes are {classes}."
)
_BAD_WEIGHTS = "sample_weight must be finite and >= 0 with a positive sum; got {problem}."
_NONNUMERIC_WEIGHTS = (
    "sample_weight must be numeric; got values of dtype {dtype} (e.g. {example!r})."
)
_TARGET_IS_SENSITIVE = (
    "{name!r} is the target column (y={name!r}); it cannot also be a sensitive feature. "
    "Pass the target and the sensitive attributes as different columns."
)
_DUPLICATE_SENSITIVE = (
    "sensitive_features names the column(s) {names} more than once; name each column once."
)


def _first_rows(mask: np.ndarray, limit: int = 5) -> str:
    rows = np.flatnonzero(mask)[:limit].tolist()
    return ", ".join(map(str, rows)) + (", ..." if mask.sum() > limit else "")


def missing_mask(values: np.ndarray | pd.Series) -> np.ndarray:
    """Boolean mask of NaN / None / NA entries of any dtype.

    A pandas Series is checked as it is (an Arrow-backed string column is not
    turned into Python objects first).
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values, copy=False)
    return np.array(series.isna(), dtype=bool, copy=True)


def check_no_missing(
    values: np.ndarray | pd.Series, *, what: str, allowed: str = "", finite: bool = False
) -> None:
    """Raise MissingValueError naming the count and first offending rows."""
    mask = missing_mask(values)
    kind = getattr(values.dtype, "kind", "O")
    if finite and kind == "f":
        numbers = (
            values.to_numpy(dtype=np.float64, na_value=np.nan)
            if isinstance(values, pd.Series)
            else values
        )
        mask |= ~np.isfinite(numbers)
    elif finite and kind == "O":  # Python floats among other objects
        series = values if isinstance(values, pd.Series) else pd.Series(values, copy=False)
        mask |= series.isin([np.inf, -np.inf]).to_numpy()
    if mask.any():
        raise MissingValueError(
            _MISSING_VALUES.format(
                what=what,
                count=int(mask.sum()),
                inf="/inf" if finite else "",
                rows=_first_rows(mask),
                allowed=allowed,
            )
        )


def _readonly(arr: np.ndarray | None) -> np.ndarray | None:
    """A read-only copy of an array that may share memory with the user's data."""
    if arr is None:
        return None
    arr = np.array(arr, copy=True)
    arr.flags.writeable = False
    return arr


def _freeze(arr: np.ndarray | None) -> np.ndarray | None:
    """Make an array the context created itself (predictions) read-only, without a copy."""
    if arr is None:
        return None
    if not arr.flags.owndata and arr.base is not None and arr.base.flags.writeable:
        return _readonly(arr)  # a view of something else: copy, so nothing can change it
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class AuditContext:
    """Validated inputs of one audit. Arrays are read-only.

    The user's arrays (``y_true``, ``sample_weight``) are copied; the predictions
    are the context's own arrays, made read-only without a copy.

    Attributes
    ----------
    adapter : ModelAdapter
        The wrapped model.
    X : pandas.DataFrame
        The data as given (converted to pandas), every column.
    y_true : numpy.ndarray or None
        True labels / targets as given.
    y_pred : numpy.ndarray
        The model's predictions on X.
    proba : numpy.ndarray or None
        Class probabilities (n, n_classes) where the model has them.
    y_score : numpy.ndarray or None
        Positive-class score for binary tasks.
    sensitive : pandas.DataFrame or None
        The sensitive attributes, one column each, aligned with X.
    sensitive_in_model : tuple of str
        Sensitive attributes that are also model inputs.
    sample_weight : numpy.ndarray or None
        Row weights.
    task : {"binary", "multiclass", "regression"}
        The model's task.
    classes : numpy.ndarray or None
        Class labels; for binary tasks ``classes[-1]`` is the positive label.
    pos_label : object or None
        The positive class of a binary task.
    random_state : int
        Seed every analyzer uses.
    policy : Policy
        Thresholds for findings.
    data_hash : str
        SHA-256 of the data's content (first 16 hex digits), for the model card.
    options : mapping
        Per-analyzer settings, ``{"attributions": {"max_rows": 500}, ...}``.
    """

    adapter: ModelAdapter
    X: pd.DataFrame
    y_true: np.ndarray | None
    y_pred: np.ndarray
    proba: np.ndarray | None
    y_score: np.ndarray | None
    sensitive: pd.DataFrame | None
    sensitive_in_model: tuple[str, ...]
    sample_weight: np.ndarray | None
    task: Task
    classes: np.ndarray | None
    pos_label: Any
    random_state: int
    policy: Policy
    data_hash: str
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def options_for(self, analyzer: str) -> dict[str, Any]:
        """The settings the user gave for one analyzer (empty dict when none)."""
        return dict(self.options.get(analyzer, {}))

    @property
    def n_rows(self) -> int:
        """Number of rows audited."""
        return len(self.X)

    @property
    def model_columns(self) -> list[str]:
        """The input columns the model uses."""
        feats = self.adapter.input_features
        return list(feats) if feats is not None else [str(c) for c in self.X.columns]

    def binary_labels(self) -> tuple[np.ndarray | None, np.ndarray]:
        """(y_true, y_pred) as 0/1 integers for binary tasks (1 = ``pos_label``)."""
        if self.task != "binary":
            raise DataValidationError(
                f"binary_labels() needs a binary task; this one is {self.task}."
            )
        yt = None if self.y_true is None else (self.y_true == self.pos_label).astype(np.int8)
        yp = (self.y_pred == self.pos_label).astype(np.int8)
        return yt, yp


_NUMERIC_KINDS = ("integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty")


def _numeric_weights(raw: np.ndarray) -> np.ndarray:
    """Weights as float64; text (even text that looks like numbers) is refused."""
    text = raw.dtype.kind in "US" or (
        raw.dtype.kind == "O" and pd.api.types.infer_dtype(raw, skipna=True) not in _NUMERIC_KINDS
    )
    try:
        if text:
            raise ValueError("text")
        return raw.astype(float)
    except (TypeError, ValueError) as exc:
        example = next(
            (v for v in raw if not isinstance(v, (int, float, np.number)) or isinstance(v, bool)),
            raw[0] if len(raw) else None,
        )
        if isinstance(example, np.generic):
            example = example.item()
        raise DataValidationError(
            _NONNUMERIC_WEIGHTS.format(dtype=raw.dtype, example=example)
        ) from exc


def _resolve_sensitive(sensitive_features: Any, X: pd.DataFrame) -> pd.DataFrame | None:
    if sensitive_features is None:
        return None
    if isinstance(sensitive_features, str):
        sensitive_features = [sensitive_features]
    if (
        isinstance(sensitive_features, Sequence)
        and not isinstance(sensitive_features, str)
        and all(isinstance(s, str) for s in sensitive_features)
        and not isinstance(sensitive_features, (np.ndarray, pd.Series))
    ):
        names = list(sensitive_features)
        if not names:
            return None
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise DataValidationError(_DUPLICATE_SENSITIVE.format(names=dupes))
        check_columns(names, X, where="X (sensitive_features)")
        return X[names].reset_index(drop=True)
    if isinstance(sensitive_features, pd.Series):
        frame = sensitive_features.to_frame(name=sensitive_features.name or "sensitive")
    elif isinstance(sensitive_features, pd.DataFrame):
        frame = sensitive_features
    elif isinstance(sensitive_features, Mapping):
        frame = pd.DataFrame(
            {
                str(k): to_1d_array(v, what=f"sensitive_features[{k!r}]")
                for k, v in sensitive_features.items()
            }
        )
    elif isinstance(sensitive_features, (np.ndarray, list, tuple)):
        arr = np.asarray(sensitive_features, dtype=object)
        if arr.ndim == 1:
            frame = pd.DataFrame({"sensitive": arr})
        elif arr.ndim == 2:
            frame = pd.DataFrame(arr, columns=[f"sensitive_{i}" for i in range(arr.shape[1])])
        else:
            raise DataValidationError(_BAD_SENSITIVE.format(kind=f"an array of shape {arr.shape}"))
    else:
        try:
            frame = to_pandas_frame(sensitive_features)
        except DataValidationError:
            try:
                frame = pd.DataFrame(
                    {"sensitive": to_1d_array(sensitive_features, what="sensitive_features")}
                )
            except DataValidationError as exc:
                raise DataValidationError(
                    _BAD_SENSITIVE.format(kind=type(sensitive_features).__name__)
                ) from exc
    if len(frame) != len(X):
        raise LengthMismatchError(
            _LENGTH_MISMATCH.format(n_x=len(X), what="sensitive_features", n_other=len(frame))
        )
    if isinstance(sensitive_features, (pd.Series, pd.DataFrame)) and not frame.index.equals(
        X.index
    ):
        if set(frame.index) == set(X.index) or not isinstance(frame.index, pd.RangeIndex):
            diff = np.flatnonzero(frame.index.to_numpy() != X.index.to_numpy())
            pos = int(diff[0]) if len(diff) else 0
            raise DataValidationError(
                _INDEX_MISALIGNED.format(pos=pos, a=frame.index[pos], b=X.index[pos])
            )
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    return frame


_PREDICT_FAILED = (
    "{model} could not predict on the audit data: {error}.{nan} Check that X holds the "
    "columns and value types the model was trained on."
)


def _predict(adapter: ModelAdapter, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """Predictions and probabilities, with the model's own error turned into a clear one."""
    try:
        y_pred = np.asarray(adapter.predict(frame))
        proba = adapter.predict_proba(frame)
    except (ValueError, TypeError) as exc:
        if isinstance(exc, DataValidationError):
            raise
        cols = [c for c in (adapter.input_features or list(frame.columns)) if c in frame.columns]
        numeric = frame[cols].select_dtypes("number")
        bad = int(numeric.isna().sum().sum() + np.isinf(numeric.to_numpy(dtype=float)).sum())
        nan = (
            f" X has {bad} missing or infinite value(s) in the model's columns; impute them or "
            "use a model/Pipeline that accepts them."
            if bad
            else ""
        )
        first = (
            str(exc).strip().splitlines()[0].rstrip(".") if str(exc).strip() else type(exc).__name__
        )
        raise DataValidationError(
            _PREDICT_FAILED.format(model=adapter.name, error=first, nan=nan)
        ) from exc
    if len(y_pred) != len(frame):
        raise DataValidationError(
            f"{adapter.name} returned {len(y_pred)} predictions for {len(frame)} rows."
        )
    return y_pred, proba


_HASH_CHUNK_ROWS = 1 << 18


def _data_hash(X: pd.DataFrame, y: np.ndarray | None) -> str:
    """SHA-256 of the column names and the per-row hashes of X and y (16 hex digits).

    Row hashes depend on their own row only, so hashing blocks of rows gives the
    same digest as hashing the whole frame at once, with a bounded peak memory.
    """
    digest = hashlib.sha256()
    digest.update(",".join(map(str, X.columns)).encode())
    for start in range(0, len(X), _HASH_CHUNK_ROWS):
        block = X.iloc[start : start + _HASH_CHUNK_ROWS]
        digest.update(memoryview(pd.util.hash_pandas_object(block, index=False).to_numpy()))
    if y is not None:
        for start in range(0, len(y), _HASH_CHUNK_ROWS):
            part = pd.Series(y[start : start + _HASH_CHUNK_ROWS], copy=False)
            digest.update(memoryview(pd.util.hash_pandas_object(part, index=False).to_numpy()))
    return digest.hexdigest()[:16]


def build_context(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    sensitive_features: Any = None,
    sample_weight: Any = None,
    pos_label: Any = None,
    policy: Policy | None = None,
    random_state: int | None = 0,
    adapter_options: Mapping[str, Any] | None = None,
    analyzer_options: Mapping[str, Mapping[str, Any]] | None = None,
) -> AuditContext:
    """Validate the inputs of an audit and compute the predictions once.

    See :func:`audit.audit_model` for the parameters.
    """
    adapter = make_adapter(model, **dict(adapter_options or {}))
    column_hint = getattr(adapter, "input_features", None)
    frame = to_pandas_frame(X, column_names=column_hint)
    y_true: np.ndarray | None
    if isinstance(y, str):
        check_columns([y], frame, where="X (target)")
        if (isinstance(sensitive_features, str) and y == sensitive_features) or (
            isinstance(sensitive_features, (list, tuple)) and y in sensitive_features
        ):
            raise DataValidationError(_TARGET_IS_SENSITIVE.format(name=y))
        y_true = frame[y].to_numpy()
        frame = frame.drop(columns=[y])
    elif y is None:
        y_true = None
    else:
        y_true = to_1d_array(y, what="y")
    if y_true is not None:
        if len(y_true) != len(frame):
            raise LengthMismatchError(
                _LENGTH_MISMATCH.format(n_x=len(frame), what="y", n_other=len(y_true))
            )
        check_no_missing(y_true, what="y", finite=True, allowed="Drop or impute these rows first.")
    sensitive = _resolve_sensitive(sensitive_features, frame)
    if sensitive is not None:
        for col in sensitive.columns:
            check_no_missing(
                sensitive[col],
                what=f"sensitive feature {col!r}",
                finite=True,
                allowed="Fill them (e.g. with 'unknown') to audit them as a group of their own.",
            )
    weights: np.ndarray | None = None
    if sample_weight is not None:
        weights = _numeric_weights(to_1d_array(sample_weight, what="sample_weight"))
        if len(weights) != len(frame):
            raise LengthMismatchError(
                _LENGTH_MISMATCH.format(n_x=len(frame), what="sample_weight", n_other=len(weights))
            )
        check_no_missing(weights, what="sample_weight", finite=True)
        if (weights < 0).any():
            raise DataValidationError(
                _BAD_WEIGHTS.format(problem=f"{int((weights < 0).sum())} negative value(s)")
            )
        if weights.sum() <= 0:
            raise DataValidationError(_BAD_WEIGHTS.format(problem="weights summing to 0"))

    adapter.check_features(frame)
    y_pred, proba = _predict(adapter, frame)
    task: Task = adapter.task or "binary"
    classes = adapter.classes
    if y_true is not None and classes is not None:
        # isin hashes the few classes, not the rows, so it needs no row-sized hash table
        known = pd.Series(y_true, copy=False).isin(classes.tolist()).to_numpy()
        unknown = sorted(pd.unique(y_true[~known]).tolist(), key=str) if not known.all() else []
        if unknown:
            raise DataValidationError(
                _ONE_CLASS_LABELS.format(labels=unknown[:10], classes=classes.tolist())
            )
    if task == "binary":
        positive = classes[-1] if pos_label is None else pos_label
        if classes is not None and positive not in classes.tolist():
            raise DataValidationError(
                f"pos_label {positive!r} is not one of the model's classes {classes.tolist()}."
            )
    else:
        positive = None
    y_pred = _freeze(y_pred)
    proba = _freeze(proba)
    y_score = proba[:, -1] if (task == "binary" and proba is not None) else None  # read-only view
    used = set(adapter.input_features or [str(c) for c in frame.columns])
    in_model = tuple(c for c in (sensitive.columns if sensitive is not None else []) if c in used)
    return AuditContext(
        adapter=adapter,
        X=frame,
        y_true=_readonly(y_true),
        y_pred=y_pred,
        proba=proba,
        y_score=y_score,
        sensitive=sensitive,
        sensitive_in_model=in_model,
        sample_weight=_readonly(weights),
        task=task,
        classes=classes,
        pos_label=positive,
        random_state=0 if random_state is None else int(random_state),
        policy=policy or Policy(),
        data_hash=_data_hash(frame, y_true),
        options={k: dict(v) for k, v in (analyzer_options or {}).items()},
    )
