"""Group counts computed where the table lives: DuckDB, Spark, Dask, polars, pyarrow.

The count table of :mod:`audit.fairness._counts` is a ``GROUP BY``. Here the
engine that holds the table runs it, through narwhals, and only small
collected results come back: the driver then computes metrics, verdicts,
intervals and findings with exactly the code of the in-memory path
(:func:`audit.fairness.metrics_from_counts`).

What the engine computes (``../shared/SCALE.md`` has the measurements):

1. one validation pass: missing and infinite values per column, the range of
   weights and scores, the number of distinct labels and group values, and
   whether a float label has a non-integer value (the task);
2. classification: the long form ``GROUP BY sensitive..., y_true, y_pred`` with
   the row count, the sum of weights and of squared weights per cell. The
   labels are encoded on the driver from the distinct collected values with
   the in-memory code, so the task, the positive label and the classes are
   decided by one function;
3. scores: ``GROUP BY sensitive..., y_true, bin`` with the five score-bin
   sums (bins as ``floor(100 * s)`` clipped to 99: never a cast of a float,
   which rounds on some engines), and the exact Mann-Whitney statistic of the
   AUC from ``GROUP BY sensitive..., score`` and a running sum over an ordered
   window. An engine without ordered windows (Dask) gets the AUC from the
   score bins, marked ``auc_method="binned"`` and warned about;
4. regression: the sums of the in-memory table, with the per-group shifts
   (``MIN``/``MAX`` per group) and the group means joined back by
   ``group_by`` + ``join`` (never a window ``over``, which is wrong on chunked
   pyarrow tables), so targets with a large offset lose no digits.

In-memory tables (pandas, polars ``DataFrame``, pyarrow ``Table``) take the
in-memory path directly. Integer results equal the in-memory path exactly;
float sums differ only by summation order.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from audit._frames import closest_name
from audit.errors import (
    DataValidationError,
    EngineResourceError,
    InvalidParameterError,
    MissingValueError,
    UnknownColumnError,
)
from audit.fairness._counts import (
    _SAFE_WEIGHTS,
    _SCORE_STATS,
    _WEIGHT_RANGE,
    MOMENTS,
    SCORE_BINS,
    GroupCounts,
    cell_keys,
    cell_names,
    classification_frame,
    group_counts,
    score_frame,
)
from audit.fairness._engine import _check_settings, metrics_from_counts
from audit.fairness._group_metrics import GroupMetrics
from audit.fairness._groups import _BAD_MISSING, encode_groups
from audit.fairness._inputs import _BAD_TASK, _SCORE_TASK, TASKS, Targets, prepare_targets

__all__ = [
    "MAX_ENGINE_LABELS",
    "MAX_ENGINE_LEVELS",
    "group_counts_from_table",
    "group_metrics_from_table",
]

MAX_ENGINE_LEVELS = 10_000
"""Most distinct values a sensitive column may have on an engine (more is not a group)."""
MAX_ENGINE_LABELS = 1_000
"""Most distinct labels (and predictions) a classification column may have on an engine."""

_P = "__ma_"  # prefix of the columns added in the engine (never a user's name)
_NOT_A_TABLE = (
    "table must be a data frame or a lazy table narwhals accepts (pandas, polars, pyarrow, "
    "DuckDB, PySpark, Dask, Ibis); got {kind}."
)
_NOT_A_NAME = (
    "{role} must be the name of a column of the table (a string) when the data is a table; "
    "got {kind}."
)
_UNKNOWN = (
    "Unknown column {name!r} in the table ({role}).{hint} Available columns: {listed} "
    "({count} in all)."
)
_MISSING_IN = (
    "{role} (column {name!r}) contains {count} missing value(s) (NaN/null). Remove or impute "
    "them before computing group metrics."
)
_MISSING_SENSITIVE_IN = (
    "Sensitive feature {name!r} contains {count} missing value(s) (NaN/null). Remove those "
    "rows, or pass missing='group' to treat them as a group of their own labelled '<missing>'."
)
_INFINITE_IN = "{role} (column {name!r}) must be finite; got {count} infinite value(s)."
_NOT_NUMERIC = "{role} (column {name!r}) must be numeric; got values of type {dtype}."
_TOO_MANY_LEVELS = (
    "Sensitive feature {name!r} has {count} distinct values; at most {limit} are allowed on "
    "an engine (a column with that many values is not a grouping). Bin it first, e.g. into "
    "age bands."
)
_TOO_MANY_LABELS = (
    "{role} (column {name!r}) has {count} distinct values, too many for classification labels "
    "(at most {limit}). For a numeric target pass task='regression'; otherwise check that the "
    "column holds labels."
)
_EMPTY = "The table has no rows; group metrics need at least one row."
_NEGATIVE = "sample_weight (column {name!r}) must be >= 0; got {count} negative value(s)."
_ZERO_TOTAL = (
    "sample_weight (column {name!r}) sums to {total}; at least one row needs a positive weight."
)
_SCORE_RANGE = (
    "y_score (column {name!r}) must hold probabilities in [0, 1]; got {count} value(s) outside "
    "that range (min {low}, max {high})."
)
_NO_ROWS_METRICS = (
    "metrics= (custom metrics f(y_true, y_pred)) needs the rows in memory; it is not available "
    "for tables held by an engine."
)
_BINNED_AUC = (
    "{engine} has no ordered window function, so AUC is computed from {bins} score bins (scores "
    "in one bin count as ties), not exactly; GroupCounts.auc_method is 'binned'."
)
_OUT_OF_MEMORY = (
    "The engine ran out of memory while counting the table ({kind}: {message}). Give it more "
    "(for files opened by model-audit: MODEL_AUDIT_DUCKDB_MEMORY, e.g. '2GB'; for your own "
    "connection or session: its memory setting) or fewer threads."
)
_EAGER = {"pandas", "polars", "pyarrow", "modin", "cudf"}


def _narwhals() -> Any:
    import narwhals as nw

    return nw


def _from_native(table: Any) -> Any:
    nw = _narwhals()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Dask support is moving.*")
        try:
            return nw.from_native(table)
        except TypeError:
            raise DataValidationError(_NOT_A_TABLE.format(kind=type(table).__name__)) from None


def _engine_name(frame: Any) -> str:
    name = str(frame.implementation).lower().rsplit(".", 1)[-1]
    return {"pyspark": "spark", "pyspark_connect": "spark"}.get(name, name)


def _columns(
    frame: Any,
    y_true: Any,
    y_pred: Any,
    sensitive_features: Any,
    y_score: Any,
    sample_weight: Any,
) -> tuple[dict[str, str], list[str], dict[str, Any]]:
    """Check the column names; return {role: column}, sensitive names and the schema."""
    if isinstance(sensitive_features, str):
        sensitive = [sensitive_features]
    elif isinstance(sensitive_features, Sequence) and all(
        isinstance(s, str) for s in sensitive_features
    ):
        sensitive = list(sensitive_features)
    else:
        raise InvalidParameterError(
            _NOT_A_NAME.format(
                role="sensitive_features (a name or a list of names)",
                kind=type(sensitive_features).__name__,
            )
        )
    if not sensitive:
        raise InvalidParameterError(
            _NOT_A_NAME.format(role="sensitive_features", kind="an empty list")
        )
    roles: dict[str, str] = {}
    for role, value in (
        ("y_true", y_true),
        ("y_pred", y_pred),
        ("y_score", y_score),
        ("sample_weight", sample_weight),
    ):
        if value is None and role in ("y_score", "sample_weight"):
            continue
        if not isinstance(value, str):
            raise InvalidParameterError(_NOT_A_NAME.format(role=role, kind=type(value).__name__))
        roles[role] = value
    schema = dict(frame.collect_schema())
    names = list(schema)
    for role, name in [*roles.items(), *(("sensitive_features", s) for s in sensitive)]:
        if name in schema:
            continue
        close = closest_name(name, names)
        raise UnknownColumnError(
            _UNKNOWN.format(
                name=name,
                role=role,
                hint=f" Did you mean {close!r}?" if close is not None else "",
                listed=", ".join(repr(c) for c in names[:30])
                + (", ..." if len(names) > 30 else ""),
                count=len(names),
            )
        )
    return roles, sensitive, schema


_INNER_ROLES = {
    "y_true": f"{_P}y_true",
    "y_pred": f"{_P}y_pred",
    "y_score": f"{_P}y_score",
    "sample_weight": f"{_P}weight",
}


def _normalized(
    frame: Any, roles: dict[str, str], sensitive: list[str], schema: dict[str, Any]
) -> tuple[Any, dict[str, str], _Sensitive, dict[str, Any]]:
    """The used columns under internal names, one per role; NaN group values made null.

    Engines read a name with a dot as a struct field, and one column may play
    two roles (a prediction also used as a group); after this, every column
    the engine sees has a plain name of its own. A float sensitive value NaN
    is missing, as in memory: it becomes null, so NaN and null rows are one group.
    """
    nw = _narwhals()
    used = list(dict.fromkeys([*roles.values(), *sensitive]))
    plain = {name: f"{_P}c{j}" for j, name in enumerate(used)}
    if _engine_name(frame) == "spark":  # Spark resolves "a.b" as a struct field: rename natively
        renamed = nw.from_native(nw.to_native(frame).withColumnsRenamed(plain))
    else:
        renamed = frame.rename(plain)
    exprs = [nw.col(plain[name]).alias(_INNER_ROLES[role]) for role, name in roles.items()]
    # (the other columns are not selected below, so the engine never reads them)
    inner_sensitive = _Sensitive(f"{_P}s{i}" for i in range(len(sensitive)))
    inner_sensitive.users = list(sensitive)
    for name, inner in zip(sensitive, inner_sensitive, strict=True):
        c = nw.col(plain[name])
        if _is_float(schema[name]):
            c = nw.when(~c.is_nan()).then(c)
        exprs.append(c.alias(inner))
    inner_roles = {role: _INNER_ROLES[role] for role in roles}
    inner_schema = {_INNER_ROLES[role]: schema[name] for role, name in roles.items()}
    inner_schema.update(
        {inner: schema[name] for name, inner in zip(sensitive, inner_sensitive, strict=True)}
    )
    return renamed.select(*exprs), inner_roles, inner_sensitive, inner_schema


@contextmanager
def _naming_columns(roles: dict[str, str]) -> Iterator[None]:
    """Re-raise a label error of the in-memory code with the table's column names."""
    try:
        yield
    except DataValidationError as exc:
        named = ", ".join(f"{role} is column {name!r}" for role, name in roles.items())
        raise type(exc)(f"In the table, {named}: {exc}") from None


def _is_float(dtype: Any) -> bool:
    return bool(dtype.is_float())


def _is_numeric(dtype: Any) -> bool:
    nw = _narwhals()
    return bool(dtype.is_numeric()) or dtype == nw.Boolean


def _validation(
    frame: Any, roles: dict[str, str], sensitive: list[str], schema: dict[str, Any]
) -> dict[str, float]:
    """One pass: missing / infinite values, ranges, distinct counts, non-integer labels."""
    nw = _narwhals()
    flags = []
    stats = [nw.len().alias(f"{_P}rows")]
    used = dict(roles)
    for i, s in enumerate(sensitive):
        used[f"sensitive{i}"] = s
    for key, name in used.items():
        col = nw.col(name)
        missing = col.is_null()
        if _is_float(schema[name]):
            missing = missing | col.is_nan()
            flags.append(col.abs().is_in([float("inf")]).cast(nw.Int64).alias(f"{_P}inf_{key}"))
            stats.append(nw.col(f"{_P}inf_{key}").sum())
        flags.append(missing.cast(nw.Int64).alias(f"{_P}null_{key}"))
        stats.append(nw.col(f"{_P}null_{key}").sum())
    for key in ("y_true", "y_pred"):
        name = roles[key]
        stats.append(nw.col(name).n_unique().alias(f"{_P}distinct_{key}"))
        if _is_float(schema[name]):
            col = nw.col(name)
            flags.append(
                (col.is_finite() & (col != col.floor())).cast(nw.Int64).alias(f"{_P}frac_{key}")
            )
            stats.append(nw.col(f"{_P}frac_{key}").sum())
    for i, s in enumerate(sensitive):
        stats.append(nw.col(s).n_unique().alias(f"{_P}distinct_sensitive{i}"))
    if "sample_weight" in roles and _is_numeric(schema[roles["sample_weight"]]):
        w = nw.col(roles["sample_weight"]).cast(nw.Float64)
        flags.append((w < 0).cast(nw.Int64).alias(f"{_P}negative_w"))
        stats += [
            nw.col(f"{_P}negative_w").sum(),
            w.max().alias(f"{_P}max_w"),
            w.sum().alias(f"{_P}sum_w"),
        ]
    if "y_score" in roles and _is_numeric(schema[roles["y_score"]]):
        s = nw.col(roles["y_score"]).cast(nw.Float64)
        flags.append(((s < 0) | (s > 1)).cast(nw.Int64).alias(f"{_P}outside_s"))
        stats += [
            nw.col(f"{_P}outside_s").sum(),
            s.min().alias(f"{_P}min_s"),
            s.max().alias(f"{_P}max_s"),
        ]
    row = frame.with_columns(*flags).select(*stats).collect("pandas").to_native()
    return {str(k).removeprefix(_P): row[k].iloc[0] for k in row.columns}


def _check(
    v: dict[str, Any],
    roles: dict[str, str],
    sensitive: list[str],
    schema: dict[str, Any],
    task: str,
    missing: str,
) -> bool:
    """Raise the typed error of the first problem; return whether the task is regression."""
    if int(v["rows"]) == 0:
        raise DataValidationError(_EMPTY)
    for role in ("y_true", "y_pred", "sample_weight", "y_score"):
        if role not in roles:
            continue
        name = roles[role]
        if role in ("sample_weight", "y_score") and not _is_numeric(schema[name]):
            raise DataValidationError(_NOT_NUMERIC.format(role=role, name=name, dtype=schema[name]))
        count = int(v.get(f"null_{role}", 0) or 0)
        if count:
            raise MissingValueError(_MISSING_IN.format(role=role, name=name, count=count))
        count = int(v.get(f"inf_{role}", 0) or 0)
        if count:
            raise MissingValueError(_INFINITE_IN.format(role=role, name=name, count=count))
    for i, name in enumerate(sensitive):
        count = int(v.get(f"null_sensitive{i}", 0) or 0)
        if count and missing == "error":
            raise MissingValueError(_MISSING_SENSITIVE_IN.format(name=name, count=count))
        count = int(v.get(f"inf_sensitive{i}", 0) or 0)
        if count:
            raise MissingValueError(
                _INFINITE_IN.format(role="sensitive feature", name=name, count=count)
            )
        distinct = int(v[f"distinct_sensitive{i}"])
        if distinct > MAX_ENGINE_LEVELS:
            raise DataValidationError(
                _TOO_MANY_LEVELS.format(name=name, count=distinct, limit=MAX_ENGINE_LEVELS)
            )
    if "sample_weight" in roles:
        name = roles["sample_weight"]
        if int(v["negative_w"]):
            raise DataValidationError(_NEGATIVE.format(name=name, count=int(v["negative_w"])))
        if not float(v["sum_w"]) > 0:
            raise DataValidationError(_ZERO_TOTAL.format(name=name, total=float(v["sum_w"])))
    if "y_score" in roles and int(v["outside_s"]):
        raise DataValidationError(
            _SCORE_RANGE.format(
                name=roles["y_score"],
                count=int(v["outside_s"]),
                low=float(v["min_s"]),
                high=float(v["max_s"]),
            )
        )
    fractional = any(int(v.get(f"frac_{k}", 0) or 0) for k in ("y_true", "y_pred"))
    regression = task == "regression" or (task == "auto" and fractional)
    if regression:
        for role in ("y_true", "y_pred"):
            name = roles[role]
            if not _is_numeric(schema[name]):
                raise DataValidationError(
                    _NOT_NUMERIC.format(role=role, name=name, dtype=schema[name])
                )
        return True
    for role in ("y_true", "y_pred"):
        distinct = int(v[f"distinct_{role}"])
        if distinct > MAX_ENGINE_LABELS:
            raise DataValidationError(
                _TOO_MANY_LABELS.format(
                    role=role, name=roles[role], count=distinct, limit=MAX_ENGINE_LABELS
                )
            )
    return False


def _labels(values: pd.Series) -> np.ndarray:
    """Collected label values as the numpy array the in-memory path would see."""
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        return np.asarray(values.to_numpy(dtype=object))
    if isinstance(values.dtype, pd.api.extensions.ExtensionDtype):
        numpy_dtype = getattr(values.dtype, "numpy_dtype", None)
        if numpy_dtype is not None:
            return values.to_numpy(dtype=numpy_dtype)
        return np.asarray(values.to_numpy(dtype=object))
    return values.to_numpy()


def _weights_expr(roles: dict[str, str], scale: float) -> Any:
    nw = _narwhals()
    if "sample_weight" not in roles:
        return nw.lit(1.0, dtype=nw.Float64)
    w = nw.col(roles["sample_weight"]).cast(nw.Float64)
    return w if scale == 1.0 else w / scale


def _weight_scale(frame: Any, roles: dict[str, str], v: dict[str, Any]) -> float:
    """The divisor of the weights (1 within the safe range), as in the in-memory path."""
    if "sample_weight" not in roles:
        return 1.0
    top = float(v["max_w"])
    if _SAFE_WEIGHTS[0] <= top <= _SAFE_WEIGHTS[1]:
        return 1.0
    nw = _narwhals()
    w = nw.col(roles["sample_weight"]).cast(nw.Float64)
    lost = (
        frame.with_columns(
            ((w > 0) & ((w / top) == 0)).cast(nw.Int64).alias(f"{_P}lost"),
            nw.when(w > 0).then(w).alias(f"{_P}positive"),
        )
        .select(nw.col(f"{_P}lost").sum(), nw.col(f"{_P}positive").min())
        .collect("pandas")
        .to_native()
    )
    count = int(lost.iloc[0, 0])
    if count:
        raise DataValidationError(
            _WEIGHT_RANGE.format(count=count, low=float(lost.iloc[0, 1]), high=top)
        )
    return top


def _keyed(frame: Any, sensitive: list[str]) -> tuple[Any, list[str]]:
    """Add join-safe key columns: each key filled where null, plus a null flag.

    SQL joins never match null keys, so the regression's join-back uses these
    (a missing sensitive value is a group of its own with ``missing="group"``).
    """
    nw = _narwhals()
    schema = frame.collect_schema()
    cols, keys = [], []
    for i, s in enumerate(sensitive):
        dtype = schema[s]
        fill: Any = "" if dtype == nw.String else (False if dtype == nw.Boolean else 0)
        col = nw.col(s)
        if dtype.is_numeric() or dtype in (nw.String, nw.Boolean):  # NaN is null by now
            cols.append(col.is_null().alias(f"{_P}isnull{i}"))
            cols.append(col.fill_null(fill).alias(f"{_P}key{i}"))
        else:
            cols.append(col.is_null().alias(f"{_P}isnull{i}"))
            cols.append(col.cast(nw.String).fill_null("").alias(f"{_P}key{i}"))
        keys += [f"{_P}isnull{i}", f"{_P}key{i}"]
    return frame.with_columns(*cols), keys


class _Sensitive(list):  # type: ignore[type-arg]
    """Internal names of the sensitive columns in the engine, with the user's names."""

    users: list[str]


def _encode(collected: pd.DataFrame, sensitive: list[str], missing: str) -> Any:
    """Encode the collected groups with the in-memory encoder (same order, same labels)."""
    users = getattr(sensitive, "users", sensitive)
    return encode_groups(
        {
            user: collected[s].reset_index(drop=True)
            for s, user in zip(sensitive, users, strict=True)
        },
        missing=missing,  # type: ignore[arg-type]
    )


def _classification(
    frame: Any,
    roles: dict[str, str],
    sensitive: list[str],
    scale: float,
    task: str,
    pos_label: Any,
    missing: str,
) -> tuple[pd.DataFrame, Any, Targets, pd.DataFrame]:
    """The long form: one collected row per (group, label, prediction) cell."""
    nw = _narwhals()
    w = _weights_expr(roles, scale)
    yt, yp = roles["y_true"], roles["y_pred"]
    aggs = [nw.len().alias(f"{_P}n")]
    weighted = "sample_weight" in roles
    if weighted:
        frame = frame.with_columns(w.alias(f"{_P}w"), (w * w).alias(f"{_P}w2"))
        aggs += [nw.col(f"{_P}w").sum(), nw.col(f"{_P}w2").sum()]
    long = frame.group_by(*sensitive, yt, yp).agg(*aggs).collect("pandas").to_native()
    long = long.reset_index(drop=True)
    groups = _encode(long, sensitive, missing)
    targets = prepare_targets(_labels(long[yt]), _labels(long[yp]), task=task, pos_label=pos_label)
    key = cell_keys(groups.codes, targets)
    n = long[f"{_P}n"].to_numpy(np.float64)
    wsum = long[f"{_P}w"].to_numpy(np.float64) if weighted else None
    w2sum = long[f"{_P}w2"].to_numpy(np.float64) if weighted else None
    table = classification_frame(
        groups.index, cell_names(targets.task, targets.classes), key, n, wsum, w2sum
    )
    return table, groups, targets, long


def _positive_value(long: pd.DataFrame, y_true: str, targets: Targets) -> Any:
    """The raw label value of the positive class, read off the collected cells."""
    raw = _labels(long[y_true])
    positive = raw[targets.y_true == 1]
    if positive.size:
        value = positive[0]
    else:
        value = targets.classes[1]
    return value.item() if isinstance(value, np.generic) else value


def _score_cells(
    frame: Any,
    roles: dict[str, str],
    sensitive: list[str],
    scale: float,
    groups_index: pd.Index,
    missing: str,
    positive: Any,
) -> np.ndarray:
    """``(G, 2, SCORE_BINS, 5)`` score-bin sums, computed by the engine."""
    nw = _narwhals()
    s = nw.col(roles["y_score"]).cast(nw.Float64)
    w = _weights_expr(roles, scale)
    label = (nw.col(roles["y_true"]) == positive).cast(nw.Int64)
    b = (s * SCORE_BINS).floor().cast(nw.Int64).clip(upper_bound=SCORE_BINS - 1)
    added = frame.with_columns(
        label.alias(f"{_P}label"),
        b.alias(f"{_P}bin"),
        w.alias(f"{_P}w"),
        (w * w).alias(f"{_P}w2"),
        (w * s).alias(f"{_P}ws"),
        (w * s * s).alias(f"{_P}ws2"),
    )
    cells = (
        added.group_by(*sensitive, f"{_P}label", f"{_P}bin")
        .agg(
            nw.len().alias(f"{_P}n"),
            nw.col(f"{_P}w").sum(),
            nw.col(f"{_P}w2").sum(),
            nw.col(f"{_P}ws").sum(),
            nw.col(f"{_P}ws2").sum(),
        )
        .collect("pandas")
        .to_native()
        .reset_index(drop=True)
    )
    codes = _codes_in(cells, sensitive, groups_index, missing)
    g = len(groups_index)
    key = (codes.astype(np.int64) * 2 + cells[f"{_P}label"].to_numpy(np.int64)) * SCORE_BINS
    key += cells[f"{_P}bin"].to_numpy(np.int64)
    size = g * 2 * SCORE_BINS
    stats = [
        np.bincount(key, weights=cells[f"{_P}{c}"].to_numpy(np.float64), minlength=size)
        for c in ("n", "w", "w2", "ws", "ws2")
    ]
    if "sample_weight" not in roles:
        stats[1] = stats[0]
        stats[2] = stats[0]
    return np.stack(stats, axis=-1).reshape(g, 2, SCORE_BINS, len(_SCORE_STATS))


def _codes_in(
    collected: pd.DataFrame, sensitive: list[str], index: pd.Index, missing: str
) -> np.ndarray:
    """Group codes (positions in ``index``) of collected rows keyed by the sensitive values."""
    encoded = _encode(collected, sensitive, missing)
    position = index.get_indexer(encoded.index)
    if (position < 0).any():  # pragma: no cover - the same rows give the same groups
        raise DataValidationError("The table changed between two passes of the engine.")
    return position[encoded.codes]


_WINDOW_BUCKETS = 1024
"""Score buckets that split the AUC's ordered windows into independent partitions."""
_MAX_BUCKET_ROWS = 200_000
"""Most (group, bucket) rows the AUC brings back to the driver."""
_ROWS_PER_WINDOW_QUERY = 10_000_000
"""Rows beyond which the AUC's windows are computed in several queries of whole buckets."""


def _mann_whitney(
    frame: Any,
    roles: dict[str, str],
    sensitive: list[str],
    scale: float,
    groups_index: pd.Index,
    missing: str,
    positive: Any,
    n_rows: int,
) -> tuple[np.ndarray, float]:
    """Exact weighted Mann-Whitney U per group and overall, by ordered windows.

    ``U = sum over score blocks b of pos_b * (negatives below b + neg_b / 2)``.
    One window ordered by score over all rows runs in a single partition on
    Spark, so the scores are cut into equal-width buckets: the running sum of
    negatives is taken within each (group, bucket) partition, in parallel, and
    the negatives of the lower buckets are added on the driver from the
    collected per-bucket totals. A bucket holds whole blocks of tied scores, so
    the result is exact. Beyond ``_ROWS_PER_WINDOW_QUERY`` rows, ranges of whole
    buckets are queried one after another, so that no window holds more rows
    than that (DuckDB's windows run out of a bounded memory at 100M rows).
    """
    nw = _narwhals()
    col = nw.col
    s = col(roles["y_score"]).cast(nw.Float64)
    w = _weights_expr(roles, scale)
    is_pos = col(roles["y_true"]) == positive
    blocks = frame.with_columns(
        s.alias(f"{_P}s"),
        nw.when(is_pos).then(w).otherwise(0.0).alias(f"{_P}pos"),
        nw.when(is_pos).then(0.0).otherwise(w).alias(f"{_P}neg"),
    )

    def per_bucket(block_keys: list[str], buckets: int) -> pd.DataFrame:
        bucket = (col(f"{_P}s") * buckets).floor().cast(nw.Int64).clip(upper_bound=buckets - 1)
        by = [*block_keys, f"{_P}b"]
        parts = []
        chunks = min(buckets, max(1, math.ceil(n_rows / _ROWS_PER_WINDOW_QUERY)))
        for c in range(chunks):  # whole buckets per query, so each window fits in memory
            low, high = c * buckets // chunks, (c + 1) * buckets // chunks
            bucketed = blocks.with_columns(bucket.alias(f"{_P}b"))
            if chunks > 1:
                bucketed = bucketed.filter((col(f"{_P}b") >= low) & (col(f"{_P}b") < high))
            agg = bucketed.group_by(*by, f"{_P}s").agg(col(f"{_P}pos").sum(), col(f"{_P}neg").sum())
            running = col(f"{_P}neg").cum_sum().over(*by, order_by=f"{_P}s")
            u = col(f"{_P}pos") * (col(f"{_P}below") - 0.5 * col(f"{_P}neg"))
            parts.append(
                agg.with_columns(running.alias(f"{_P}below"))
                .with_columns(u.alias(f"{_P}u"))
                .group_by(*by)
                .agg(col(f"{_P}u").sum(), col(f"{_P}pos").sum(), col(f"{_P}neg").sum())
                .collect("pandas")
                .to_native()
            )
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def total(codes: np.ndarray, buckets: pd.Series, part: pd.DataFrame, g: int) -> np.ndarray:
        """Per group: within-bucket U plus positives times negatives of lower buckets."""
        b = buckets.to_numpy(np.int64)
        n_b = int(b.max()) + 1 if b.size else 1
        key = codes.astype(np.int64) * n_b + b
        size = g * n_b
        u = np.bincount(key, weights=part[f"{_P}u"].to_numpy(np.float64), minlength=size)
        pos = np.bincount(key, weights=part[f"{_P}pos"].to_numpy(np.float64), minlength=size)
        neg = np.bincount(key, weights=part[f"{_P}neg"].to_numpy(np.float64), minlength=size)
        neg = neg.reshape(g, n_b)
        lower = np.cumsum(neg, axis=1) - neg
        return (u.reshape(g, n_b) + pos.reshape(g, n_b) * lower).sum(axis=1)

    g = len(groups_index)
    per = per_bucket(list(sensitive), max(1, min(_WINDOW_BUCKETS, _MAX_BUCKET_ROWS // g)))
    codes = _codes_in(per, sensitive, groups_index, missing)
    u = total(codes, per[f"{_P}b"], per, g)
    overall = per_bucket([], _WINDOW_BUCKETS)
    u_all = total(np.zeros(len(overall), dtype=np.int64), overall[f"{_P}b"], overall, 1)
    return u, float(u_all[0])


def _binned_u(cells: np.ndarray) -> np.ndarray:
    """Mann-Whitney U from score bins (scores in one bin count as ties)."""
    neg = cells[:, 0, :, 1]
    pos = cells[:, 1, :, 1]
    below = np.cumsum(neg, axis=1) - neg
    return np.sum(pos * (below + 0.5 * neg), axis=1)


def _regression(
    frame: Any,
    roles: dict[str, str],
    sensitive: list[str],
    scale: float,
    missing: str,
) -> pd.DataFrame:
    """The regression table of the in-memory path, by three grouped passes and two joins."""
    nw = _narwhals()
    weighted = "sample_weight" in roles
    w = _weights_expr(roles, scale)
    y = nw.col(roles["y_true"]).cast(nw.Float64)
    p = nw.col(roles["y_pred"]).cast(nw.Float64)
    keyed, keys = _keyed(frame, sensitive)
    base = keyed.with_columns(w.alias(f"{_P}w"), y.alias(f"{_P}y"), p.alias(f"{_P}p")).with_columns(
        (nw.col(f"{_P}y") - nw.col(f"{_P}p")).alias(f"{_P}e")
    )
    col = nw.col
    if weighted:
        positive = col(f"{_P}w") > 0
        base = base.with_columns(
            nw.when(positive).then(col(f"{_P}y")).alias(f"{_P}yk"),
            nw.when(positive).then(col(f"{_P}p")).alias(f"{_P}pk"),
        )
    else:
        base = base.with_columns(col(f"{_P}y").alias(f"{_P}yk"), col(f"{_P}p").alias(f"{_P}pk"))
    # pass 1: the shift of each group, the value nearest 0 in [min, max] of its rows
    bounds = base.group_by(*keys).agg(
        col(f"{_P}yk").min().alias(f"{_P}ylo"),
        col(f"{_P}yk").max().alias(f"{_P}yhi"),
        col(f"{_P}pk").min().alias(f"{_P}plo"),
        col(f"{_P}pk").max().alias(f"{_P}phi"),
    )

    def nearest_zero(lo: str, hi: str) -> Any:
        inner = nw.when(col(lo) > 0).then(col(lo)).otherwise(0.0)
        inner = nw.when(inner > col(hi)).then(col(hi)).otherwise(inner)
        return nw.when(col(lo).is_null()).then(0.0).otherwise(inner)

    shifts = bounds.with_columns(
        nearest_zero(f"{_P}ylo", f"{_P}yhi").alias(f"{_P}shift_y"),
        nearest_zero(f"{_P}plo", f"{_P}phi").alias(f"{_P}shift_p"),
    ).select(*keys, f"{_P}shift_y", f"{_P}shift_p")
    shifted = base.join(shifts, on=keys, how="inner").with_columns(
        (col(f"{_P}y") - col(f"{_P}shift_y")).alias(f"{_P}dy"),
        (col(f"{_P}p") - col(f"{_P}shift_p")).alias(f"{_P}dp"),
    )
    # pass 2: the group means minus the shifts
    means = (
        shifted.with_columns(
            (col(f"{_P}w") * col(f"{_P}dy")).alias(f"{_P}wdy"),
            (col(f"{_P}w") * col(f"{_P}dp")).alias(f"{_P}wdp"),
        )
        .group_by(*keys)
        .agg(col(f"{_P}w").sum().alias(f"{_P}W"), col(f"{_P}wdy").sum(), col(f"{_P}wdp").sum())
        .with_columns(
            nw.when(col(f"{_P}W") > 0)
            .then(col(f"{_P}wdy") / col(f"{_P}W"))
            .otherwise(0.0)
            .alias(f"{_P}off_y"),
            nw.when(col(f"{_P}W") > 0)
            .then(col(f"{_P}wdp") / col(f"{_P}W"))
            .otherwise(0.0)
            .alias(f"{_P}off_p"),
        )
        .select(*keys, f"{_P}off_y", f"{_P}off_p")
    )
    full = shifted.join(means, on=keys, how="inner")
    yc = col(f"{_P}dy") - col(f"{_P}off_y")
    pc = col(f"{_P}dp") - col(f"{_P}off_p")
    wcol = col(f"{_P}w")
    e = col(f"{_P}e")
    full = full.with_columns(
        yc.alias(f"{_P}yc"), pc.alias(f"{_P}pc"), e.abs().alias(f"{_P}ae"), (e * e).alias(f"{_P}se")
    ).with_columns((col(f"{_P}yc") * col(f"{_P}yc")).alias(f"{_P}yc2"))
    parts = {
        "w": None,
        "yc": col(f"{_P}yc"),
        "pc": col(f"{_P}pc"),
        "ae": col(f"{_P}ae"),
        "se": col(f"{_P}se"),
        "yc2": col(f"{_P}yc2"),
    }
    sums = {
        "w": wcol,
        "sum_y": wcol * col(f"{_P}y"),
        "sum_pred": wcol * col(f"{_P}p"),
        "sum_abs_err": wcol * col(f"{_P}ae"),
        "sum_sq_err": wcol * col(f"{_P}se"),
        "sum_y_shifted": wcol * col(f"{_P}dy"),
        "sum_pred_shifted": wcol * col(f"{_P}dp"),
        "sum_err": wcol * e,
        "ss_y": wcol * col(f"{_P}yc2"),
    }
    w2 = wcol * wcol
    for a_i, a in enumerate(MOMENTS):
        for b in MOMENTS[a_i:]:
            term = w2
            for part in (parts[a], parts[b]):
                if part is not None:
                    term = term * part
            sums[f"m2_{a}_{b}"] = term
    products = full.with_columns(*(expr.alias(f"{_P}t_{name}") for name, expr in sums.items()))
    aggs = [nw.len().alias(f"{_P}t_n")]
    aggs += [col(f"{_P}t_{name}").sum() for name in sums]
    aggs += [col(f"{_P}shift_y").min(), col(f"{_P}shift_p").min()]
    # the keys determine the sensitive values (NaN is null by now): grouping by both
    # brings back each group's own labels, with their type
    collected = products.group_by(*keys, *sensitive).agg(*aggs)
    out = collected.collect("pandas").to_native().reset_index(drop=True)
    groups = _encode(out, sensitive, missing)
    g = groups.n_groups
    codes = groups.codes
    data: dict[str, np.ndarray] = {}
    order = ["n", *sums]
    for name in order:
        data[name] = np.bincount(
            codes, weights=out[f"{_P}t_{name}"].to_numpy(np.float64), minlength=g
        )
    for name, source in (("shift_y", "shift_y"), ("shift_pred", "shift_p")):
        values = np.zeros(g)
        values[codes] = out[f"{_P}{source}"].to_numpy(np.float64)
        data[name] = values
    if not weighted:
        data["w"] = data["n"]
    columns = [
        "n",
        "w",
        "sum_y",
        "sum_pred",
        "sum_abs_err",
        "sum_sq_err",
        "shift_y",
        "shift_pred",
        "sum_y_shifted",
        "sum_pred_shifted",
        "sum_err",
        "ss_y",
    ]
    columns += [f"m2_{a}_{b}" for a_i, a in enumerate(MOMENTS) for b in MOMENTS[a_i:]]
    return pd.DataFrame({c: data[c] for c in columns}, index=groups.index)


def _in_memory(
    frame: Any,
    roles: dict[str, str],
    sensitive: list[str],
    task: str,
    pos_label: Any,
    missing: str,
) -> GroupCounts:
    """Eager tables (pandas, polars, pyarrow) are counted by the in-memory path."""
    nw = _narwhals()
    native = {role: nw.to_native(frame.get_column(name)) for role, name in roles.items()}
    return group_counts(
        native["y_true"],
        native["y_pred"],
        sensitive_features=nw.to_native(frame.select(*sensitive)),
        sample_weight=native.get("sample_weight"),
        y_score=native.get("y_score"),
        task=task,
        pos_label=pos_label,
        missing=missing,
    )


def group_counts_from_table(
    table: Any,
    *,
    y_true: str,
    y_pred: str,
    sensitive_features: str | Sequence[str],
    y_score: str | None = None,
    sample_weight: str | None = None,
    task: str = "auto",
    pos_label: Any = None,
    missing: str = "error",
) -> GroupCounts:
    """Per-group sufficient statistics of a table, computed by the engine that holds it.

    Parameters
    ----------
    table : data frame or lazy table
        Anything narwhals accepts: a pandas or polars ``DataFrame``, a polars
        ``LazyFrame``, a pyarrow ``Table``, a DuckDB relation, a PySpark
        ``DataFrame``, a Dask ``DataFrame`` (or an Ibis table). Lazy tables
        are reduced by their engine; only the small count tables are
        collected. Eager tables take the in-memory path.
    y_true, y_pred : str
        Names of the label (or target) and prediction columns.
    sensitive_features : str or list of str
        Names of the sensitive columns (several: intersectional groups). At
        most :data:`MAX_ENGINE_LEVELS` distinct values each on an engine.
    y_score : str, optional
        Name of the positive-class probability column (binary only).
    sample_weight : str, optional
        Name of a column of non-negative weights.
    task, pos_label, missing
        As in :func:`audit.fairness.group_counts`.

    Returns
    -------
    GroupCounts
        The same table as :func:`audit.fairness.group_counts` on the same rows
        (counts exactly, sums up to summation order), with ``engine`` naming
        what computed it and ``auc_method`` how the AUC statistic was computed.

    Raises
    ------
    UnknownColumnError
        A name that is not a column of the table (the message lists them).
    MissingValueError
        Null/NaN (or infinite) labels, predictions, scores, weights or, with
        ``missing="error"``, sensitive values; the message names the column.
    DataValidationError
        Non-numeric weights or scores, scores outside [0, 1], negative weights,
        a sensitive column with more than :data:`MAX_ENGINE_LEVELS` values, a
        classification column with more than :data:`MAX_ENGINE_LABELS` labels,
        or labels that do not make a task (see :func:`audit.fairness.group_counts`).

    Examples
    --------
    >>> import duckdb  # doctest: +SKIP
    >>> from audit.fairness import group_metrics_from_table
    >>> rel = duckdb.read_parquet("predictions.parquet")  # doctest: +SKIP
    >>> gm = group_metrics_from_table(rel, y_true="label", y_pred="pred",
    ...                               sensitive_features=["sex", "race"])  # doctest: +SKIP
    """
    if task not in TASKS:
        raise InvalidParameterError(
            _BAD_TASK.format(allowed=", ".join(map(repr, TASKS)), value=task)
        )
    if missing not in ("error", "group"):
        raise InvalidParameterError(_BAD_MISSING.format(value=missing))
    try:
        return _counts_of_table(
            table,
            y_true,
            y_pred,
            sensitive_features,
            y_score,
            sample_weight,
            task,
            pos_label,
            missing,
        )
    except Exception as exc:
        if "outofmemory" not in type(exc).__name__.lower().replace("_", ""):
            raise
        raise EngineResourceError(
            _OUT_OF_MEMORY.format(kind=type(exc).__name__, message=str(exc).splitlines()[0])
        ) from exc


def _counts_of_table(
    table: Any,
    y_true: Any,
    y_pred: Any,
    sensitive_features: Any,
    y_score: Any,
    sample_weight: Any,
    task: str,
    pos_label: Any,
    missing: str,
) -> GroupCounts:
    """:func:`group_counts_from_table` once its settings are checked."""
    frame = _from_native(table)
    roles, sensitive, schema = _columns(
        frame, y_true, y_pred, sensitive_features, y_score, sample_weight
    )
    engine = _engine_name(frame)
    eager = not hasattr(frame, "collect")
    lazy = frame.lazy() if eager else frame
    inner, inner_roles, inner_sensitive, inner_schema = _normalized(lazy, roles, sensitive, schema)
    v = _validation(inner, inner_roles, inner_sensitive, inner_schema)
    regression = _check(v, roles, sensitive, schema, task, missing)
    if eager and engine in _EAGER:  # validated like every table; counted in memory
        with _naming_columns(roles):
            return _in_memory(frame, roles, sensitive, task, pos_label, missing)
    user_roles = roles
    frame, roles, sensitive = inner, inner_roles, inner_sensitive
    scale = _weight_scale(frame, roles, v)
    weighted = "sample_weight" in roles
    if regression:
        if "y_score" in roles:
            raise DataValidationError(_SCORE_TASK.format(task="regression"))
        table_ = _regression(frame, roles, sensitive, scale, missing)
        return GroupCounts("regression", table_, (), weighted, engine=engine)
    with _naming_columns(user_roles):
        table_, groups, targets, long = _classification(
            frame, roles, sensitive, scale, task, pos_label, missing
        )
    if "y_score" not in roles:
        return GroupCounts(targets.task, table_, targets.classes, weighted, engine=engine)
    if targets.task != "binary":
        raise DataValidationError(_SCORE_TASK.format(task=targets.task))
    positive = _positive_value(long, roles["y_true"], targets)
    cells = _score_cells(frame, roles, sensitive, scale, groups.index, missing, positive)
    try:
        u, u_all = _mann_whitney(
            frame, roles, sensitive, scale, groups.index, missing, positive, int(v["rows"])
        )
        method = "exact"
    except NotImplementedError:
        warnings.warn(_BINNED_AUC.format(engine=engine, bins=SCORE_BINS), UserWarning, stacklevel=2)
        u = _binned_u(cells)
        u_all = float(_binned_u(cells.sum(axis=0)[None])[0])
        method = "binned"
    table_["auc_u"] = u
    return GroupCounts(
        targets.task,
        table_,
        targets.classes,
        weighted,
        score_cells=score_frame(cells),
        overall_auc_u=u_all,
        engine=engine,
        auc_method=method,
        _score_array=cells,
    )


def group_metrics_from_table(
    table: Any,
    *,
    y_true: str,
    y_pred: str,
    sensitive_features: str | Sequence[str],
    y_score: str | None = None,
    sample_weight: str | None = None,
    task: str = "auto",
    pos_label: Any = None,
    missing: str = "error",
    n_boot: int = 0,
    ci: float = 0.95,
    random_state: Any = None,
    min_count: int = 30,
    reference: Hashable | None = None,
    zero_division: float = np.nan,
) -> GroupMetrics:
    """Group fairness metrics of a table held by any engine narwhals accepts.

    The engine computes the count table (:func:`group_counts_from_table`);
    the driver computes metrics, verdicts, bootstrap intervals and findings
    from it with the in-memory code (:func:`audit.fairness.metrics_from_counts`),
    so the results equal :func:`audit.fairness.group_metrics` on the same rows.

    Parameters
    ----------
    table : data frame or lazy table
        See :func:`group_counts_from_table`.
    y_true, y_pred, sensitive_features, y_score, sample_weight : str or list of str
        Column names; see :func:`group_counts_from_table`.
    task, pos_label, missing, n_boot, ci, random_state, min_count, reference, zero_division
        As in :func:`audit.fairness.group_metrics`.

    Returns
    -------
    GroupMetrics
    """
    _check_settings(n_boot, ci, min_count, zero_division)
    counts = group_counts_from_table(
        table,
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=sensitive_features,
        y_score=y_score,
        sample_weight=sample_weight,
        task=task,
        pos_label=pos_label,
        missing=missing,
    )
    gm = metrics_from_counts(
        counts,
        min_count=min_count,
        zero_division=zero_division,
        n_boot=n_boot,
        ci=ci,
        random_state=random_state,
        reference=reference,
    )
    if reference is not None:
        gm.difference()  # validates the reference against the groups
    return gm
