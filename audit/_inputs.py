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
* **settings** — :func:`resolve_random_state` (``None`` means fresh OS entropy,
  numpy's meaning), :func:`check_count` and :func:`check_ci` raise
  :class:`~audit.errors.InvalidParameterError`.

Message templates are constants of this module (tests compare with them).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from audit._frames import check_columns
from audit.errors import (
    DataValidationError,
    InvalidParameterError,
    LengthMismatchError,
    MissingValueError,
)

__all__ = [
    "BAD_CI",
    "BAD_COUNT",
    "BAD_COUNT_OR_NONE",
    "BAD_RANDOM_STATE",
    "BAD_SENSITIVE_NDIM",
    "BAD_SENSITIVE_TYPE",
    "BAD_SENSITIVE_WITH_X",
    "DUPLICATE_SENSITIVE",
    "INDEX_MISMATCH",
    "INFINITE_SENSITIVE",
    "LENGTH_MISMATCH",
    "MAX_SEED",
    "MISSING_SENSITIVE",
    "MIXED_SENSITIVE",
    "NO_SENSITIVE_COLUMNS",
    "UNHASHABLE_SENSITIVE",
    "align_rows",
    "check_ci",
    "check_count",
    "check_finite_labels",
    "check_label_types",
    "check_lengths",
    "check_sensitive_values",
    "first_rows",
    "fresh_seed",
    "missing_sensitive_error",
    "resolve_random_state",
    "sensitive_columns",
    "sensitive_frame",
    "unhashable_sensitive_error",
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
        return [(str(c), sf.iloc[:, i]) for i, c in enumerate(sf.columns)]
    if isinstance(sf, pd.Series):
        return [(str(sf.name) if sf.name is not None else _DEFAULT_NAME.format(0), sf)]
    if isinstance(sf, Mapping):
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


def check_ci(value: Any) -> float:
    """Validate a confidence level: a float in the open interval (0, 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < float(value) < 1:
        raise InvalidParameterError(BAD_CI.format(value=_shown(value)))
    return float(value)
