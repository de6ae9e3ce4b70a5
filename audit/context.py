"""AuditContext: everything an analyzer needs, validated once at the edge and never mutated."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from audit._direct_use import direct_inputs
from audit._frames import check_columns, to_1d_array, to_pandas_frame
from audit._inputs import (
    align_rows,
    check_lengths,
    check_model_outputs,
    first_rows,
    label_kind,
    label_types_error,
    resolve_random_state,
    sensitive_frame,
)
from audit.adapters import ModelAdapter, Task, make_adapter
from audit.errors import DataValidationError, MissingValueError
from audit.policy import Policy

__all__ = [
    "AuditContext",
    "ProvidedQuantities",
    "Targets",
    "build_context",
    "make_targets",
    "provided_quantities",
]

T = TypeVar("T")

_MISSING_VALUES = (
    "{what} contains {count} missing value(s) (NaN/None{inf}); first at row position(s) "
    "{rows}. {allowed}"
)
_SENSITIVE_FIX = "Fill them (e.g. with 'unknown') to audit them as a group of their own."
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
                rows=first_rows(mask),
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
class Targets:
    """The labels, predictions and scores of one audit, derived once.

    For a binary task the positive class, the 0/1 labels, the 0/1 predictions
    and the positive-class score are built here from one ``pos_label`` and read
    by every analyzer, so no two places can disagree about which class is
    "positive".

    Attributes
    ----------
    task : {"binary", "multiclass", "regression"}
    classes : numpy.ndarray or None
        The model's class labels, in the order of ``proba``'s columns.
    pos_label : object or None
        The positive class of a binary task (default ``classes[-1]``).
    y_true : numpy.ndarray or None
        True labels / targets as given (read-only).
    y_pred : numpy.ndarray
        The model's predictions (read-only).
    proba : numpy.ndarray or None
        Class probabilities, shape (n, n_classes), where the model has them.
    y_true01, y_pred01 : numpy.ndarray or None
        Binary tasks: int8 with 1 for ``pos_label``.
    score : numpy.ndarray or None
        Binary tasks: the probability of ``pos_label`` (the column of ``proba``
        that belongs to it, whichever position that is).
    """

    task: Task
    classes: np.ndarray | None
    pos_label: Any
    y_true: np.ndarray | None
    y_pred: np.ndarray
    proba: np.ndarray | None
    y_true01: np.ndarray | None = None
    y_pred01: np.ndarray | None = None
    score: np.ndarray | None = None

    @property
    def target(self) -> np.ndarray:
        """What model performance is scored against: ``y_true``, else the model's own ``y_pred``."""
        return self.y_pred if self.y_true is None else self.y_true


def make_targets(
    task: Task,
    classes: np.ndarray | None,
    y_true: np.ndarray | None,
    y_pred: np.ndarray,
    proba: np.ndarray | None,
    pos_label: Any = None,
) -> Targets:
    """Build :class:`Targets`, checking ``pos_label`` against the model's classes.

    Raises
    ------
    DataValidationError
        ``pos_label`` is not one of ``classes``, or given for a task that is not binary.
    """
    if task != "binary":
        if pos_label is not None:
            raise DataValidationError(
                f"pos_label={pos_label!r} applies to binary tasks only; this model's task is "
                f"{task}."
            )
        return Targets(task, classes, None, y_true, y_pred, proba)
    labels = None if classes is None else classes.tolist()
    positive = (labels[-1] if labels else 1) if pos_label is None else pos_label
    if labels is not None and positive not in labels:
        raise DataValidationError(
            f"pos_label {positive!r} is not one of the model's classes {labels}."
        )
    y_true01 = None if y_true is None else _freeze((y_true == positive).astype(np.int8))
    y_pred01 = _freeze((y_pred == positive).astype(np.int8))
    score = None
    if proba is not None:
        col = labels.index(positive) if labels is not None else proba.shape[1] - 1
        score = proba[:, col]  # a read-only view of the context's own probabilities
    return Targets(task, classes, positive, y_true, y_pred, proba, y_true01, y_pred01, score)


@dataclass(frozen=True, eq=False)
class AuditContext:
    """Validated inputs of one audit, and the quantities derived from them.

    The inputs never change. Quantities derived from them (the transformed
    matrix, attributions for a set of options, per-feature reliance,
    permutation importance, ...) are computed the first time an analyzer asks
    for them through :meth:`derived` and reused by every later ask, whichever
    analyzer asks: no analyzer reads another analyzer's result, and the order
    the analyzers run in carries no meaning.

    The user's arrays (``y_true``, ``sample_weight``) are copied; the predictions
    are the context's own arrays, made read-only without a copy.

    Attributes
    ----------
    adapter : ModelAdapter
        The wrapped model.
    X : pandas.DataFrame
        The data as given (converted to pandas), every column.
    targets : Targets
        Labels, predictions, probabilities, the positive class and its score.
    sensitive : pandas.DataFrame or None
        The sensitive attributes, one column each, aligned with X.
    sensitive_in_model : tuple of str
        Sensitive attributes that are also model inputs: a column the model
        takes holds their values row for row (a shared name is not enough).
    sample_weight : numpy.ndarray or None
        Row weights.
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
    targets: Targets
    sensitive: pd.DataFrame | None
    sensitive_in_model: tuple[str, ...]
    sample_weight: np.ndarray | None
    random_state: int
    policy: Policy
    data_hash: str
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    _cache: dict[Hashable, Any] = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------ targets
    @property
    def task(self) -> Task:
        """The model's task."""
        return self.targets.task

    @property
    def classes(self) -> np.ndarray | None:
        """Class labels; ``proba``'s columns are in this order."""
        return self.targets.classes

    @property
    def pos_label(self) -> Any:
        """The positive class of a binary task (None otherwise)."""
        return self.targets.pos_label

    @property
    def y_true(self) -> np.ndarray | None:
        """True labels / targets as given."""
        return self.targets.y_true

    @property
    def y_pred(self) -> np.ndarray:
        """The model's predictions on X."""
        return self.targets.y_pred

    @property
    def proba(self) -> np.ndarray | None:
        """Class probabilities (n, n_classes) where the model has them."""
        return self.targets.proba

    @property
    def y_score(self) -> np.ndarray | None:
        """Binary tasks: the probability of ``pos_label``."""
        return self.targets.score

    # ------------------------------------------------------------ settings
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

    # ------------------------------------------------------------ derived quantities
    def derived(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The quantity named ``key``: computed by ``compute()`` on the first ask, then reused.

        ``key`` names the quantity and every option it depends on, e.g.
        ``("attributions", ("max_rows", 500))``; two asks with equal keys get the
        same object. A ``compute`` that raises is remembered too: every later
        ask re-raises the same error instead of paying for the failure again
        (SHAP failing once for attributions fails the same way for importance).
        """
        try:
            value = self._cache[key]
        except KeyError:
            try:
                value = compute()
            except Exception as exc:
                self._cache[key] = _Failure(exc)
                raise
            self._cache[key] = value
        if isinstance(value, _Failure):
            raise value.error
        return value

    def is_derived(self, key: Hashable) -> bool:
        """Whether the quantity ``key`` has been computed already."""
        return key in self._cache


class _Failure:
    """A derived quantity whose computation raised: every ask re-raises the error."""

    def __init__(self, error: Exception) -> None:
        self.error = error


@dataclass(eq=False)
class ProvidedQuantities:
    """Derived quantities a caller computed already, for the next context built.

    Attributes
    ----------
    quantities : dict
        ``{key: value}`` as :meth:`AuditContext.derived` names them.
    used : bool
        Whether a context took them (only the first context built in the block does).
    """

    quantities: dict[Hashable, Any]
    used: bool = False


_PROVIDED: ContextVar[ProvidedQuantities | None] = ContextVar(
    "audit_provided_quantities", default=None
)


@contextmanager
def provided_quantities(quantities: Mapping[Hashable, Any]) -> Iterator[ProvidedQuantities]:
    """Start the next context built in this block with these derived quantities.

    For a quantity the caller has from elsewhere: the group metrics of every
    row of a table too large for memory, while the context holds a sample of
    its rows (:func:`audit.audit_large`). The first :func:`build_context` in
    the block puts them in its cache, so every analyzer that asks for one of
    them (:meth:`AuditContext.derived`) gets the caller's object; other
    contexts are not affected. The yielded object's ``used`` says whether a
    context took them.
    """
    provided = ProvidedQuantities(dict(quantities))
    token = _PROVIDED.set(provided)
    try:
        yield provided
    finally:
        _PROVIDED.reset(token)


def _take_provided() -> dict[Hashable, Any]:
    provided = _PROVIDED.get()
    if provided is None or provided.used:
        return {}
    provided.used = True
    return dict(provided.quantities)


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

    See :func:`audit.audit_model` for the parameters. Inputs go through
    :mod:`audit._inputs`: pandas ``y``, ``sample_weight`` and sensitive features
    are aligned with X's index (a permuted index is reindexed, other labels are
    refused), and ``random_state=None`` draws a fresh seed, kept in
    ``ctx.random_state``.
    """
    seed = resolve_random_state(random_state)
    adapter = make_adapter(model, **dict(adapter_options or {}))
    column_hint = getattr(adapter, "input_features", None)
    frame = to_pandas_frame(X, column_names=column_hint)
    # pandas inputs are aligned with X's index (or refused), never paired by position
    aligned = align_rows(
        {
            "X": frame if isinstance(X, (pd.DataFrame, pd.Series)) else None,
            "y": y,
            "sample_weight": sample_weight,
            "sensitive_features": sensitive_features,
        }
    )
    y, sample_weight = aligned["y"], aligned["sample_weight"]
    sensitive_features = aligned["sensitive_features"]
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
        check_lengths({"X": len(frame), "y": len(y_true)})
        check_no_missing(y_true, what="y", finite=True, allowed="Drop or impute these rows first.")
    sensitive = sensitive_frame(sensitive_features, frame, align=False, fix=_SENSITIVE_FIX)
    weights: np.ndarray | None = None
    if sample_weight is not None:
        weights = _numeric_weights(to_1d_array(sample_weight, what="sample_weight"))
        check_lengths({"X": len(frame), "sample_weight": len(weights)})
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
    # the model's outputs are checked once, here, before any analyzer reads them
    check_model_outputs(
        adapter.name,
        y_pred,
        proba,
        classes=classes if task != "regression" else None,
        index=frame.index,
    )
    if y_true is not None and classes is not None:
        # isin hashes the few classes, not the rows, so it needs no row-sized hash table
        known = pd.Series(y_true, copy=False).isin(classes.tolist()).to_numpy()
        unknown = sorted(pd.unique(y_true[~known]).tolist(), key=str) if not known.all() else []
        if unknown:
            message = _ONE_CLASS_LABELS.format(labels=unknown[:10], classes=classes.tolist())
            given = np.asarray(unknown, dtype=object)
            if {label_kind(given), label_kind(classes)} == {"text", "number"}:
                # '1' and 1 are never converted into each other: say so, and how to fix it
                fix = f"y.astype({type(classes.tolist()[0]).__name__})"
                message += " " + label_types_error(
                    "y's labels", given, "the model's classes", classes, fix
                )
            raise DataValidationError(message)
    targets = make_targets(
        task, classes, _readonly(y_true), _freeze(y_pred), _freeze(proba), pos_label
    )
    # --- sensitive attributes the model takes: decided by the data (a model input holding
    # their values row for row), not by a column's name (core: audit._direct_use).
    model_inputs = adapter.input_features or [str(c) for c in frame.columns]
    in_model = tuple(direct_inputs(frame, sensitive, model_inputs))
    # --- end
    return AuditContext(
        adapter=adapter,
        X=frame,
        targets=targets,
        sensitive=sensitive,
        sensitive_in_model=in_model,
        sample_weight=_readonly(weights),
        random_state=seed,
        policy=policy or Policy(),
        data_hash=_data_hash(frame, y_true),
        options={k: dict(v) for k, v in (analyzer_options or {}).items()},
        _cache=_take_provided(),
    )
