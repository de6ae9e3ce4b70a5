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


def _first_rows(mask: np.ndarray, limit: int = 5) -> str:
    rows = np.flatnonzero(mask)[:limit].tolist()
    return ", ".join(map(str, rows)) + (", ..." if mask.sum() > limit else "")


def missing_mask(values: np.ndarray) -> np.ndarray:
    """Boolean mask of NaN / None / NA entries of any dtype."""
    return np.array(pd.isna(pd.Series(values, copy=False)), dtype=bool, copy=True)


def check_no_missing(
    values: np.ndarray, *, what: str, allowed: str = "", finite: bool = False
) -> None:
    """Raise MissingValueError naming the count and first offending rows."""
    mask = missing_mask(values)
    if finite and values.dtype.kind in "fc":
        mask |= ~np.isfinite(values)
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
    if arr is None:
        return None
    arr = np.array(arr, copy=True)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class AuditContext:
    """Validated inputs of one audit. Arrays are read-only copies.

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


def _data_hash(X: pd.DataFrame, y: np.ndarray | None) -> str:
    digest = hashlib.sha256()
    digest.update(",".join(map(str, X.columns)).encode())
    digest.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    if y is not None:
        digest.update(pd.util.hash_pandas_object(pd.Series(y), index=False).to_numpy().tobytes())
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
                sensitive[col].to_numpy(),
                what=f"sensitive feature {col!r}",
                allowed="Fill them (e.g. with 'unknown') to audit them as a group of their own.",
            )
    weights: np.ndarray | None = None
    if sample_weight is not None:
        weights = to_1d_array(sample_weight, what="sample_weight").astype(float)
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
        unknown = sorted(set(pd.unique(y_true).tolist()) - set(classes.tolist()), key=str)
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
    y_score = proba[:, -1] if (task == "binary" and proba is not None) else None
    used = set(adapter.input_features or [str(c) for c in frame.columns])
    in_model = tuple(c for c in (sensitive.columns if sensitive is not None else []) if c in used)
    return AuditContext(
        adapter=adapter,
        X=frame,
        y_true=_readonly(y_true),
        y_pred=_readonly(y_pred),
        proba=_readonly(proba),
        y_score=_readonly(y_score),
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
