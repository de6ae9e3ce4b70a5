"""One input module: what every public entry point does with what the user passed.

``audit_model`` / :func:`audit.context.build_context` and
:func:`audit.fairness.group_metrics` validate their inputs through these
functions, so one mistake gets one error class and one message wherever it is
made:

* **rows** — :func:`check_lengths` is the one length check;
  :func:`align_rows` aligns pandas inputs by label (a permuted index is
  reindexed; an index with other labels is refused, never paired by position);
* **sensitive features** — :func:`sensitive_columns` is the one resolver and
  naming rule (a named Series keeps its name; unnamed features are
  ``sensitive_feature_0``, ``sensitive_feature_1``, ..., as in fairlearn);
  :func:`check_sensitive_values` the checks of their values;
* **labels and model outputs** — :func:`label_kind` / :func:`type_names` tell text
  labels from numbers (never converted into each other); :func:`check_model_outputs`
  checks a model's predictions and probabilities once, before any analyzer runs;
* **settings** — :func:`resolve_random_state` (``None`` means fresh OS entropy,
  numpy's meaning), :func:`check_count` and :func:`check_ci` raise
  :class:`~audit.errors.InvalidParameterError`.

Message templates are constants of this module (tests compare with them).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from audit._frames import check_columns
from audit.errors import (
    DataValidationError,
    InvalidParameterError,
    LengthMismatchError,
    MissingValueError,
    ModelOutputError,
)

__all__ = [
    "BAD_POSITIVE_INT",
    "BAD_CI",
    "BAD_COUNT",
    "BAD_COUNT_OR_NONE",
    "BAD_RANDOM_STATE",
    "BAD_SENSITIVE_NDIM",
    "BAD_SENSITIVE_TYPE",
    "BAD_SENSITIVE_WITH_X",
    "COLLIDING_SENSITIVE",
    "DUPLICATE_SENSITIVE",
    "INDEX_MISMATCH",
    "INFINITE_SENSITIVE",
    "LENGTH_MISMATCH",
    "MAX_SEED",
    "LABEL_TYPES",
    "MISSING_SENSITIVE",
    "MIXED_SENSITIVE",
    "MIXED_TYPES_SENSITIVE",
    "MODEL_OUTPUT_NONFINITE",
    "MODEL_OUTPUT_RANGE",
    "MODEL_OUTPUT_UNKNOWN_LABELS",
    "NO_SENSITIVE_COLUMNS",
    "UNHASHABLE_SENSITIVE",
    "align_rows",
    "binary_labels",
    "check_ci",
    "check_count",
    "check_option_names",
    "check_positive_int",
    "check_finite_labels",
    "check_label_types",
    "check_lengths",
    "check_model_outputs",
    "check_one_label_type",
    "check_sensitive_values",
    "first_rows",
    "label_kind",
    "label_types_error",
    "fresh_seed",
    "missing_sensitive_error",
    "resolve_random_state",
    "sensitive_columns",
    "sensitive_frame",
    "type_names",
    "unhashable_sensitive_error",
    "where_rows",
]

# ------------------------------------------------------------------ messages
LENGTH_MISMATCH = (
    "Found inputs with inconsistent numbers of rows: {reference} has {n} rows but {others}. "
    "They must be aligned row by row."
)
INDEX_MISMATCH = (
    "The index of {what} differs from the index of {reference} ({detail}), and rows are never "
    "paired by position when their indexes disagree. Align it by label with "
    "{what}.loc[{reference}.index], or pass {what}.to_numpy() to pair the rows by position."
)
BAD_SENSITIVE_TYPE = (
    "sensitive_features must be a 1-D array, list or Series, a dict of such arrays, or a "
    "DataFrame (pandas, polars or pyarrow); got {kind}."
)
BAD_SENSITIVE_WITH_X = (
    "sensitive_features must be a column name, a list of column names in X, or a "
    "Series / DataFrame / array / dict aligned with X; got {kind}."
)
BAD_SENSITIVE_NDIM = (
    "sensitive_features must be 1-D (one feature) or 2-D (one column per feature); got an "
    "array of shape {shape}."
)
NO_SENSITIVE_COLUMNS = "sensitive_features has no columns; give at least one sensitive feature."
DUPLICATE_SENSITIVE = (
    "sensitive_features names {names} more than once; each sensitive feature needs a distinct name."
)
MISSING_SENSITIVE = (
    "Sensitive feature {name!r} contains {count} missing value(s) (NaN/None) at row "
    "position(s) {rows}. {fix}"
)
INFINITE_SENSITIVE = (
    "Sensitive feature {name!r} contains {count} infinite value(s) at row position(s) {rows}; "
    "a group label must be a finite number, a string or a category. Fix or bin those values."
)
MIXED_SENSITIVE = (
    "Sensitive feature {name!r} mixes values of different types that read the same "
    "({first!r} and {second!r}), so they would be two groups with one label. Convert the "
    "column to one type first, e.g. .astype(str)."
)
MIXED_TYPES_SENSITIVE = (
    "Sensitive feature {name!r} mixes values of the types {types} (e.g. {examples}); the "
    "groups of one feature must be labelled with one type so they can be told apart and "
    "ordered. Convert the column to one type first, e.g. .astype(str)."
)
COLLIDING_SENSITIVE = (
    "sensitive_features has the keys {keys}, which all become the feature name {name!r} "
    "(feature names are text), so one feature would silently replace the other. Give each "
    "sensitive feature a distinct name."
)
UNHASHABLE_SENSITIVE = (
    "Sensitive feature {name!r} holds values that cannot be group labels (e.g. a "
    "{kind}); use strings, numbers or categories."
)
BAD_COUNT = "{what} must be an int >= 0; got {value}."
BAD_COUNT_OR_NONE = "{what} must be None or an int >= 0; got {value}."
BAD_CI = "ci must be a float in the open interval (0, 1); got {value}."
MAX_SEED = 2**32 - 1
BAD_RANDOM_STATE = (
    "random_state must be None (fresh entropy) or an int in [0, 2**32 - 1]{more}; got {value}."
)
_GENERATORS = ", a numpy SeedSequence or Generator"
LABEL_TYPES = (
    "{what} are of type {types} (e.g. {examples}) but {other} are of type {other_types} (e.g. "
    "{other_examples}); labels are never converted, so '1' and 1 would be different classes. "
    "Convert them to one type first, e.g. {fix}."
)
MODEL_OUTPUT_NONFINITE = (
    "The model {model} returned NaN or infinite {what} for {count} of {n} row(s), at {rows}. "
    "Model outputs must be finite numbers; nothing was audited (these rows would otherwise "
    "count as a class silently). Check the model on these rows (e.g. a network that "
    "overflows, or NaN in its weights or inputs), or drop them from X."
)
MODEL_OUTPUT_RANGE = (
    "The model {model} returned probabilities outside [0, 1] for {count} of {n} row(s), at "
    "{rows} (min {low}, max {high}). predict_proba must return probabilities in [0, 1]; if "
    "the model returns logits or scores, say so (a torch module: output='logits')."
)
MODEL_OUTPUT_UNKNOWN_LABELS = (
    "The model {model} predicted labels {labels} (type {types}) that are not among its "
    "classes {classes} (type {class_types}), for {count} of {n} row(s), at {rows}. "
    "Predictions are matched to the classes as they are, never converted, so these rows "
    "would belong to no class. Make predict return values of the model's classes (e.g. "
    "wrap the model so its predictions have the classes' type)."
)

_DEFAULT_NAME = "sensitive_feature_{}"


def _shown(value: Any) -> str:
    """A setting's value in a message: its repr for plain values, else its type."""
    if value is None or isinstance(value, (numbers.Number, str, bytes)):
        return repr(value)
    return f"a {type(value).__name__}"


def first_rows(mask: np.ndarray, limit: int = 5) -> str:
    """Format the first ``limit`` positions where ``mask`` is true, e.g. ``"3, 17, ..."``."""
    rows = np.flatnonzero(mask)
    text = ", ".join(str(int(r)) for r in rows[:limit])
    return text + (", ..." if rows.size > limit else "")


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (for messages and type names)."""
    return value.item() if isinstance(value, np.generic) else value


def where_rows(mask: np.ndarray, index: pd.Index | None = None, limit: int = 5) -> str:
    """The first ``limit`` rows where ``mask`` is true, as positions and, if they differ, labels.

    Examples
    --------
    >>> where_rows(np.array([False, True, True]), pd.Index(["a", "b", "c"]))
    "row position(s) 1, 2 (index label(s) 'b', 'c')"
    """
    text = f"row position(s) {first_rows(mask, limit)}"
    if index is None or len(index) != len(mask) or index.equals(pd.RangeIndex(len(index))):
        return text
    rows = np.flatnonzero(mask)
    labels = ", ".join(repr(_plain(label)) for label in index[rows[:limit]])
    return text + f" (index label(s) {labels}{', ...' if rows.size > limit else ''})"


def type_names(values: Any, limit: int = 5) -> list[str]:
    """The distinct Python types of ``values``, in order of appearance (numpy scalars unwrapped).

    Examples
    --------
    >>> type_names(np.array([1, "1"], dtype=object))
    ['int', 'str']
    """
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(type(_plain(value)).__name__, None)
        if len(seen) >= limit:
            break
    return list(seen)


_NUMBER_KINDS = frozenset({"integer", "floating", "mixed-integer-float", "decimal", "boolean"})


def label_kind(values: np.ndarray) -> Literal["text", "number"] | None:
    """Whether labels are text (``'0'``, ``'yes'``) or numbers (``0``, ``1.0``, ``True``).

    None when they are neither, mixed, or empty. Text and number labels are never
    matched with each other: ``'1'`` and ``1`` are different labels.
    """
    kind = values.dtype.kind
    if kind in "US":
        return "text"
    if kind in "biuf":
        return "number"
    if kind != "O" or len(values) == 0:
        return None
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred in ("string", "bytes"):
        return "text"
    return "number" if inferred in _NUMBER_KINDS else None


def label_types_error(
    what: str, values: np.ndarray, other: str, other_values: np.ndarray, fix: str
) -> str:
    """The :data:`LABEL_TYPES` message for two label arrays of different kinds."""

    distinct = sorted(pd.unique(pd.Series(values, copy=False)), key=str)
    other_distinct = sorted(pd.unique(pd.Series(other_values, copy=False)), key=str)
    return LABEL_TYPES.format(
        what=what,
        types=" and ".join(type_names(distinct)),
        examples=", ".join(repr(_plain(v)) for v in distinct[:3]),
        other=other,
        other_types=" and ".join(type_names(other_distinct)),
        other_examples=", ".join(repr(_plain(v)) for v in other_distinct[:3]),
        fix=fix,
    )


# ------------------------------------------------------------------ rows
def check_lengths(lengths: Mapping[str, int | None]) -> int:
    """Raise :class:`LengthMismatchError` unless every given length equals the first.

    ``lengths`` maps the inputs' names, as the user knows them, to their numbers
    of rows (None: not given). The first entry is the reference every other one
    is compared with. Returns the common number of rows.

    Examples
    --------
    >>> check_lengths({"X": 3, "y": 3, "sample_weight": None})
    3
    """
    given = [(name, int(n)) for name, n in lengths.items() if n is not None]
    reference, n = given[0]
    bad = [(name, m) for name, m in given[1:] if m != n]
    if bad:
        raise LengthMismatchError(
            LENGTH_MISMATCH.format(
                reference=reference,
                n=n,
                others=", ".join(f"{name} has {m}" for name, m in bad),
            )
        )
    return n


def _first_duplicate(index: pd.Index) -> Any:
    return index[index.duplicated()][0]


def _align_one(
    value: Any, what: str, reference: tuple[str, pd.Index] | None
) -> tuple[tuple[str, pd.Index] | None, Any]:
    """Align one input with the reference index; the first pandas input becomes the reference."""
    if not isinstance(value, (pd.Series, pd.DataFrame)):
        return reference, value
    if reference is None:
        return (what, value.index), value
    ref_what, ref_index = reference
    index = value.index
    if index is ref_index or len(index) != len(ref_index) or index.equals(ref_index):
        return reference, value  # a length mismatch is reported by check_lengths
    if not ref_index.is_unique:
        detail = f"the index of {ref_what} has the duplicate label {_first_duplicate(ref_index)!r}"
    elif not index.is_unique:
        detail = f"its index has the duplicate label {_first_duplicate(index)!r}"
    else:
        foreign = ~index.isin(ref_index)
        if not foreign.any():  # the same labels in another order: align by label
            return reference, value.reindex(ref_index)
        detail = f"its label {index[int(np.argmax(foreign))]!r} is not in the index of {ref_what}"
    raise DataValidationError(INDEX_MISMATCH.format(what=what, reference=ref_what, detail=detail))


def align_rows(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Align the pandas inputs by label with the first pandas input among ``inputs``.

    ``inputs`` maps names (as the user knows them: ``"X"``, ``"y"``, ...) to
    what was passed, in order of precedence. The first pandas Series or
    DataFrame is the reference. Every other pandas input (also a pandas value
    of a dict, e.g. ``sensitive_features={"sex": series}``) whose index holds
    the same unique labels in another order is reindexed to the reference's
    order; one whose index holds other labels raises
    :class:`DataValidationError` naming the input and the first label that
    differs. Inputs without an index (numpy arrays, lists, polars) are paired
    by position and returned as they are, and so are pandas inputs of another
    length (:func:`check_lengths` reports those).

    Returns
    -------
    dict
        ``inputs`` with the pandas values aligned (the user's objects are not changed).
    """
    reference: tuple[str, pd.Index] | None = None
    out: dict[str, Any] = {}
    for what, value in inputs.items():
        if isinstance(value, Mapping) and not isinstance(value, (pd.Series, pd.DataFrame)):
            aligned = {}
            for key, item in value.items():
                reference, aligned[key] = _align_one(item, f"{what}[{key!r}]", reference)
            changed = any(aligned[key] is not item for key, item in value.items())
            out[what] = aligned if changed else value
        else:
            reference, out[what] = _align_one(value, what, reference)
    return out


# ------------------------------------------------------------------ sensitive features
def _is_pyarrow(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "pyarrow"


def _as_series(values: Any, name: str) -> pd.Series:
    """One sensitive feature as a pandas Series (no copy for pandas / numpy input)."""
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, (pd.Index, pd.Categorical)):
        return pd.Series(values, name=name)
    if isinstance(values, np.ndarray):
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        if values.ndim != 1:
            raise DataValidationError(BAD_SENSITIVE_NDIM.format(shape=values.shape))
        return pd.Series(values, name=name, copy=False)
    if isinstance(values, (list, tuple)):
        return pd.Series(list(values), name=name)
    if _is_pyarrow(values) and hasattr(values, "to_pandas"):
        # pyarrow keeps dictionary arrays as pandas categoricals
        return pd.Series(values.to_pandas(), name=name)
    import narwhals as nw

    try:
        series = nw.from_native(values, series_only=True)
    except TypeError as exc:
        raise DataValidationError(BAD_SENSITIVE_TYPE.format(kind=type(values).__name__)) from exc
    return pd.Series(series.to_pandas(), name=name)


def _array_columns(arr: np.ndarray) -> list[tuple[str, pd.Series]]:
    if arr.ndim == 2 and arr.shape[1] != 1:
        return [
            (_DEFAULT_NAME.format(i), pd.Series(arr[:, i], copy=False)) for i in range(arr.shape[1])
        ]
    name = _DEFAULT_NAME.format(0)
    return [(name, _as_series(arr, name))]


def _is_names(sensitive_features: Any) -> bool:
    return (
        isinstance(sensitive_features, Sequence)
        and not isinstance(sensitive_features, (str, bytes))
        and all(isinstance(s, str) for s in sensitive_features)
    )


def _check_colliding_names(keys: Sequence[Any]) -> None:
    """Refuse distinct keys that become one feature name (``0`` and ``'0'``)."""
    by_name: dict[str, list[Any]] = {}
    for key in keys:
        by_name.setdefault(str(key), []).append(key)
    for name, group in by_name.items():
        if len({(type(key), key) for key in group}) > 1:
            shown = " and ".join(f"{_plain(k)!r} ({type(_plain(k)).__name__})" for k in group)
            raise DataValidationError(COLLIDING_SENSITIVE.format(keys=shown, name=name))


def _raw_columns(sf: Any, X: pd.DataFrame | None) -> list[tuple[str, pd.Series]]:
    """Split ``sensitive_features`` into named pandas Series, one per feature."""
    bad = BAD_SENSITIVE_TYPE if X is None else BAD_SENSITIVE_WITH_X
    if X is not None and isinstance(sf, str):
        sf = [sf]
    if X is not None and _is_names(sf):
        names = list(sf)
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise DataValidationError(DUPLICATE_SENSITIVE.format(names=dupes))
        check_columns(names, X, where="X (sensitive_features)")
        return [(name, X[name]) for name in names]
    if isinstance(sf, pd.DataFrame):
        _check_colliding_names(list(sf.columns))
        return [(str(c), sf.iloc[:, i]) for i, c in enumerate(sf.columns)]
    if isinstance(sf, pd.Series):
        return [(str(sf.name) if sf.name is not None else _DEFAULT_NAME.format(0), sf)]
    if isinstance(sf, Mapping):
        _check_colliding_names(list(sf.keys()))
        return [(str(k), _as_series(v, str(k))) for k, v in sf.items()]
    if isinstance(sf, np.ndarray):
        return _array_columns(sf)
    if isinstance(sf, (list, tuple)):
        if sf and all(isinstance(row, (list, tuple, np.ndarray)) for row in sf[:100]):
            try:  # a list of rows: one column per position
                arr = np.asarray(sf, dtype=object)
            except ValueError as exc:
                raise DataValidationError(
                    bad.format(kind="a list of rows of unequal length")
                ) from exc
            return _array_columns(arr)
        name = _DEFAULT_NAME.format(0)
        return [(name, _as_series(sf, name))]
    if isinstance(sf, (pd.Index, pd.Categorical)):
        name = _DEFAULT_NAME.format(0)
        return [(name, _as_series(sf, name))]
    if sf is None or isinstance(sf, (str, bytes, numbers.Number)):
        raise DataValidationError(bad.format(kind=type(sf).__name__))
    if _is_pyarrow(sf) and hasattr(sf, "column_names"):  # pyarrow Table / RecordBatch
        return [(str(c), pd.Series(sf.column(c).to_pandas(), name=str(c))) for c in sf.column_names]
    import narwhals as nw

    frame = nw.from_native(sf, eager_only=True, pass_through=True)
    if isinstance(frame, nw.DataFrame):
        return [(str(c), pd.Series(frame[c].to_pandas(), name=str(c))) for c in frame.columns]
    name = _DEFAULT_NAME.format(0)
    try:
        series = _as_series(sf, name)
    except DataValidationError as exc:
        raise DataValidationError(bad.format(kind=type(sf).__name__)) from exc
    own = getattr(sf, "name", None)
    return [(str(own) if own else name, series)]


def sensitive_columns(
    sensitive_features: Any, *, X: pd.DataFrame | None = None
) -> list[tuple[str, pd.Series]]:
    """The one resolver of ``sensitive_features``: named columns, one per feature.

    Parameters
    ----------
    sensitive_features : array-like, dict of array-like, DataFrame, or column names
        A 1-D array / list / Series (one feature), a 2-D array, a dict of 1-D
        arrays, or a pandas / polars DataFrame / pyarrow Table (several
        features). With ``X`` given, also a column name or a list of column
        names of ``X``.
    X : pandas.DataFrame, optional
        The data whose columns may be named.

    Returns
    -------
    list of (str, pandas.Series)
        One entry per feature, in the order given. Naming rule: a column or
        dict key keeps its name (as a string), a named Series keeps its name,
        unnamed features are ``sensitive_feature_0``, ``sensitive_feature_1``,
        ... (fairlearn's convention). The Series keep the user's index and
        dtype (categoricals stay categorical); an empty list of names gives ``[]``.

    Raises
    ------
    DataValidationError
        An unsupported type or shape, no columns, two features of one name, or
        features of different lengths (:class:`LengthMismatchError`).
    UnknownColumnError
        A name that is not a column of ``X``.
    """
    if X is not None and _is_names(sensitive_features) and not list(sensitive_features):
        return []
    columns = _raw_columns(sensitive_features, X)
    if not columns:
        raise DataValidationError(NO_SENSITIVE_COLUMNS)
    names = [name for name, _ in columns]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise DataValidationError(DUPLICATE_SENSITIVE.format(names=dupes))
    if isinstance(sensitive_features, Mapping) and len(columns) > 1:
        check_lengths({f"sensitive_features[{name!r}]": len(s) for name, s in columns})
    return columns


def missing_sensitive_error(name: str, mask: np.ndarray, fix: str) -> MissingValueError:
    """The error for missing values of one sensitive feature (``mask`` marks them)."""
    return MissingValueError(
        MISSING_SENSITIVE.format(name=name, count=int(mask.sum()), rows=first_rows(mask), fix=fix)
    )


def check_finite_labels(series: pd.Series, name: str) -> None:
    """Refuse +-inf as a group label (it is a broken value, not a group)."""
    kind = getattr(series.dtype, "kind", "O")
    if kind == "f":
        mask = np.isinf(series.to_numpy(dtype=np.float64, na_value=np.nan))
    elif kind == "O":
        mask = np.asarray(series.isin([np.inf, -np.inf]), dtype=bool)
    else:
        return
    if mask.any():
        raise MissingValueError(
            INFINITE_SENSITIVE.format(name=name, count=int(mask.sum()), rows=first_rows(mask))
        )


def check_label_types(levels: pd.Index | np.ndarray, name: str) -> None:
    """Refuse distinct group labels of different types that read the same (``1`` and ``'1'``).

    ``levels`` are the distinct values of one sensitive feature. Labels of
    mixed types that read differently (``[1, 'x']``) are allowed.
    """
    levels = pd.Index(levels)
    if levels.dtype != object or len(levels) < 2:
        return
    inferred = pd.api.types.infer_dtype(levels, skipna=True)
    if not inferred.startswith("mixed") or inferred == "mixed-integer-float":
        return
    seen: dict[str, Any] = {}
    for value in levels:
        text = str(value)
        if text in seen:
            first = seen[text]
            raise DataValidationError(
                MIXED_SENSITIVE.format(
                    name=name,
                    first=first.item() if isinstance(first, np.generic) else first,
                    second=value.item() if isinstance(value, np.generic) else value,
                )
            )
        seen[text] = value


def unhashable_sensitive_error(series: pd.Series, name: str) -> DataValidationError:
    """The error for a sensitive feature whose values cannot be hashed (lists, dicts, ...)."""
    kind = next(
        (type(v).__name__ for v in series if not isinstance(v, (str, numbers.Number))), "value"
    )
    return DataValidationError(UNHASHABLE_SENSITIVE.format(name=name, kind=kind))


def check_sensitive_values(series: pd.Series, name: str, *, fix: str) -> None:
    """Check one resolved sensitive feature: no missing or infinite values, one type per label.

    ``fix`` ends the missing-value message (what the caller can do about them).
    """
    mask = np.array(series.isna(), dtype=bool, copy=True)
    if mask.any():
        raise missing_sensitive_error(name, mask, fix)
    check_finite_labels(series, name)
    if series.dtype == object:
        try:
            levels = pd.unique(series)
        except TypeError:
            raise unhashable_sensitive_error(series, name) from None
        check_label_types(levels, name)
        check_one_label_type(levels, name)


def check_one_label_type(levels: pd.Index | np.ndarray, name: str) -> None:
    """Refuse group labels of several types (``1``, ``'a'``, ``2.5``); ints with floats are fine.

    The audit orders and reports every group; labels of mixed types cannot be
    ordered, and usually mean a column read with the wrong types.
    """
    levels = pd.Index(levels)
    if levels.dtype != object or len(levels) < 2:
        return
    inferred = pd.api.types.infer_dtype(levels, skipna=True)
    if not inferred.startswith("mixed") or inferred == "mixed-integer-float":
        return
    firsts: dict[str, Any] = {}
    for value in levels:
        firsts.setdefault(type(_plain(value)).__name__, _plain(value))
    raise DataValidationError(
        MIXED_TYPES_SENSITIVE.format(
            name=name,
            types=", ".join(firsts),
            examples=", ".join(repr(v) for v in list(firsts.values())[:5]),
        )
    )


def sensitive_frame(
    sensitive_features: Any, X: pd.DataFrame, *, align: bool = True, fix: str = ""
) -> pd.DataFrame | None:
    """The sensitive features as a frame with one row per row of ``X``, checked.

    The resolver of :func:`sensitive_columns` with ``X``, then (``align=True``)
    pandas inputs aligned with ``X``'s index (:func:`align_rows`), the length
    check against ``X`` and :func:`check_sensitive_values` per column. The frame
    has a fresh ``RangeIndex`` (row positions of ``X``).
    Returns None when no sensitive feature is given.
    """
    if sensitive_features is None:
        return None
    if align:
        sensitive_features = align_rows({"X": X, "sensitive_features": sensitive_features})[
            "sensitive_features"
        ]
    columns = sensitive_columns(sensitive_features, X=X)
    if not columns:
        return None
    check_lengths({"X": len(X), "sensitive_features": len(columns[0][1])})
    frame = pd.DataFrame({name: series.reset_index(drop=True) for name, series in columns})
    for name in frame.columns:
        check_sensitive_values(frame[name], name, fix=fix)
    return frame


# ------------------------------------------------------------------ model outputs
def _nonfinite_rows(values: np.ndarray) -> np.ndarray:
    """Rows (of a 1-D or 2-D array) holding NaN / None / inf."""
    if values.dtype.kind in "biu":
        return np.zeros(len(values), dtype=bool)
    if values.dtype.kind in "fc":
        bad = ~np.isfinite(values)
    elif values.dtype.kind == "O":
        flat = pd.Series(values.reshape(-1), copy=False)
        bad = np.asarray(flat.isna() | flat.isin([np.inf, -np.inf]), dtype=bool)
        bad = bad.reshape(values.shape)
    else:
        return np.zeros(len(values), dtype=bool)
    return bad.any(axis=1) if bad.ndim == 2 else bad


def check_model_outputs(
    model: str,
    y_pred: np.ndarray,
    proba: np.ndarray | None,
    *,
    classes: np.ndarray | None = None,
    index: pd.Index | None = None,
) -> None:
    """Check a model's outputs once, before anything reads them.

    Parameters
    ----------
    model : str
        The model's display name, for messages.
    y_pred : numpy.ndarray
        What ``predict`` returned, one entry per row.
    proba : numpy.ndarray or None
        What ``predict_proba`` returned, shape (n, n_classes), if anything.
    classes : numpy.ndarray, optional
        The model's classes (classification); every prediction must be one of them.
    index : pandas.Index, optional
        The data's index, to name the offending rows by label too.

    Raises
    ------
    ModelOutputError
        NaN / inf predictions or probabilities, probabilities outside [0, 1], or
        predicted labels that are not among ``classes`` (e.g. ``'1'`` for the
        class ``1``). The message names how many rows and the first of them.
    """
    n = len(y_pred)
    bad_pred = _nonfinite_rows(y_pred)
    bad_proba = np.zeros(n, dtype=bool)
    numeric_proba = None
    if proba is not None:
        numeric_proba = np.asarray(proba)
        if numeric_proba.dtype.kind not in "biufc":
            numeric_proba = pd.DataFrame(numeric_proba).apply(pd.to_numeric, errors="coerce")
            numeric_proba = numeric_proba.to_numpy(dtype=float)
        if len(numeric_proba) == n:
            bad_proba = _nonfinite_rows(numeric_proba)
    bad = bad_pred | bad_proba
    if bad.any():
        what = " and ".join(
            w for w, b in (("predictions", bad_pred), ("probabilities", bad_proba)) if b.any()
        )
        raise ModelOutputError(
            MODEL_OUTPUT_NONFINITE.format(
                model=model, what=what, count=int(bad.sum()), n=n, rows=where_rows(bad, index)
            )
        )
    if numeric_proba is not None and len(numeric_proba) == n and numeric_proba.size:
        outside = (numeric_proba < 0) | (numeric_proba > 1)
        outside = outside.any(axis=1) if outside.ndim == 2 else outside
        if outside.any():
            raise ModelOutputError(
                MODEL_OUTPUT_RANGE.format(
                    model=model,
                    count=int(outside.sum()),
                    n=n,
                    rows=where_rows(outside, index),
                    low=float(numeric_proba.min()),
                    high=float(numeric_proba.max()),
                )
            )
    if classes is None or y_pred.ndim != 1 or n == 0:
        return
    # isin hashes the few classes, not the rows
    unknown = ~np.asarray(pd.Series(y_pred, copy=False).isin(classes.tolist()), dtype=bool)
    if unknown.any():
        labels = sorted(pd.unique(pd.Series(y_pred[unknown], copy=False)), key=str)
        raise ModelOutputError(
            MODEL_OUTPUT_UNKNOWN_LABELS.format(
                model=model,
                labels=[_plain(v) for v in labels[:10]],
                types=", ".join(type_names(labels)),
                classes=[_plain(v) for v in classes.tolist()[:10]],
                class_types=", ".join(type_names(classes)),
                count=int(unknown.sum()),
                n=n,
                rows=where_rows(unknown, index),
            )
        )


# ------------------------------------------------------------------ settings
def fresh_seed() -> int:
    """A seed in ``[0, 2**32 - 1]`` drawn from fresh OS entropy."""
    return int(np.random.SeedSequence().entropy % (MAX_SEED + 1))


@overload
def resolve_random_state(random_state: Any, *, generators: Literal[False] = False) -> int: ...


@overload
def resolve_random_state(
    random_state: Any, *, generators: Literal[True]
) -> int | np.random.SeedSequence | np.random.Generator: ...


def resolve_random_state(
    random_state: Any, *, generators: bool = False
) -> int | np.random.SeedSequence | np.random.Generator:
    """The one meaning of ``random_state``: validate it and return the seed to use.

    ``None`` means fresh OS entropy (numpy's meaning): a new int seed is drawn
    and returned, so the caller can record the seed actually used. An int in
    ``[0, 2**32 - 1]`` is returned as a Python int. With ``generators=True`` a
    numpy ``SeedSequence`` or ``Generator`` is returned as it is.

    Raises
    ------
    InvalidParameterError
        A bool, a negative or too large int, a float, a string, or any other type.
    """
    if random_state is None:
        return fresh_seed()
    if generators and isinstance(random_state, (np.random.SeedSequence, np.random.Generator)):
        return random_state
    if (
        isinstance(random_state, bool)
        or not isinstance(random_state, numbers.Integral)
        or not 0 <= int(random_state) <= MAX_SEED
    ):
        raise InvalidParameterError(
            BAD_RANDOM_STATE.format(
                more=_GENERATORS if generators else "", value=_shown(random_state)
            )
        )
    return int(random_state)


def check_count(value: Any, what: str, *, allow_none: bool = False) -> int | None:
    """Validate a count setting (``n_boot``, ``min_count``): an int >= 0 (or None if allowed)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 0:
        template = BAD_COUNT_OR_NONE if allow_none else BAD_COUNT
        raise InvalidParameterError(template.format(what=what, value=_shown(value)))
    return int(value)


UNKNOWN_OPTION = "Unknown {what} option(s) {names}; allowed: {allowed}."


def check_option_names(what: str, given: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuse settings named outside ``allowed``, naming the allowed ones.

    The one check of option names, for ``analyzer_options`` and for the
    engines' own option dicts (``what``: the analyzer, e.g. ``"calibration"``).

    Raises
    ------
    InvalidParameterError
        A key of ``given`` is not in ``allowed``.
    """
    allowed = tuple(allowed)
    bad = sorted(str(k) for k in given if k not in allowed)
    if bad:
        raise InvalidParameterError(
            UNKNOWN_OPTION.format(
                what=what, names=", ".join(map(repr, bad)), allowed=", ".join(allowed)
            )
        )


BAD_POSITIVE_INT = "{name} must be an int >= 1; got {value!r}."


def check_positive_int(name: str, value: Any) -> int:
    """Validate a size setting (``max_rows``, ``n_repeats``, ...): an int >= 1.

    Raises
    ------
    InvalidParameterError
        ``value`` is a bool, not an integer, or below 1.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise InvalidParameterError(BAD_POSITIVE_INT.format(name=name, value=value))
    return int(value)


def check_ci(value: Any) -> float:
    """Validate a confidence level: a float in the open interval (0, 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < float(value) < 1:
        raise InvalidParameterError(BAD_CI.format(value=_shown(value)))
    return float(value)


# ------------------------------------------------------------------ binary labels
BINARY_LABELS = (
    "{what} must hold two classes with a known positive one: 0/1, -1/1 or True/False, or any "
    "two labels with pos_label= naming the positive one; got the labels {labels}."
)
POS_LABEL_ABSENT = "pos_label={pos_label!r} is not one of {what}'s labels {labels}."


def binary_labels(values: Any, *, pos_label: Any = None, what: str = "y_true") -> np.ndarray:
    """Binary labels as int8, 1 for the positive class (standalone functions on scores).

    The positive class is ``pos_label``, or 1 (``True``) for labels that are all
    0/1, -1/1 or booleans; text and numbers are never converted into each other.

    Raises
    ------
    MissingValueError
        A missing (NaN / None) or infinite label.
    DataValidationError
        More than two labels, labels whose positive class is ambiguous without
        ``pos_label``, or a ``pos_label`` that is not among the labels.
    """
    from audit._frames import to_1d_array

    arr = to_1d_array(values, what=what)
    series = pd.Series(arr, copy=False)
    bad = np.asarray(series.isna() | series.isin([np.inf, -np.inf]), dtype=bool)
    if bad.any():
        raise MissingValueError(
            f"{what} contains {int(bad.sum())} missing or infinite value(s) at row position(s) "
            f"{first_rows(bad)}; remove them first."
        )
    labels = sorted((_plain(v) for v in pd.unique(series)), key=repr)
    shown = labels[:10]
    if pos_label is None:
        numeric = arr.dtype.kind in "biuf" or all(
            isinstance(v, (bool, numbers.Real)) for v in labels
        )
        if numeric and (set(labels) <= {0, 1} or set(labels) <= {-1, 1}):
            return (arr == 1).astype(np.int8)
        raise DataValidationError(BINARY_LABELS.format(what=what, labels=shown))
    if len(labels) > 2:
        raise DataValidationError(BINARY_LABELS.format(what=what, labels=shown))
    if pos_label not in labels:
        raise DataValidationError(
            POS_LABEL_ABSENT.format(pos_label=pos_label, what=what, labels=shown)
        )
    return (arr == pos_label).astype(np.int8)
