"""Bad input on every engine: a typed error of audit.errors naming the column, never an
engine's stack trace.

* a column that is not in the table (as label, prediction, sensitive feature,
  score or weight): ``UnknownColumnError``;
* a label column of text with 0/1 predictions (``comment``: 2,000 distinct
  strings; ``verdict``: "approved"/"denied"): ``DataValidationError``;
* NaN or null labels or predictions, null sensitive values: ``MissingValueError``;
* a sensitive column of 200,000 distinct floats (20,000 on Spark; the engine
  path caps the levels of a column at 10,000 or fewer): ``DataValidationError``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from audit.errors import (
    AuditError,
    DataValidationError,
    MissingValueError,
    UnknownColumnError,
)
from audit.fairness import group_counts_from_table, group_metrics_from_table

pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),  # pyspark on pandas 3
    pytest.mark.filterwarnings("ignore:dask has no ordered window function:UserWarning"),
]

N = 2000
FLOAT_LEVELS = 200_000
SPARK_FLOAT_LEVELS = 20_000
ENGINE_WORDS = ("Py4J", "AnalysisException", "duckdb.", "polars.exceptions", "Traceback")
"""Fragments of engine errors that must not reach the user's message."""


def _base(n: int = N, seed: int = 5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "sex": np.where(rng.random(n) < 0.5, "F", "M").astype(object),
        "segment": np.array(["A", "B", "C"], dtype=object)[rng.integers(0, 3, n)],
        "defaulted": rng.integers(0, 2, n).astype(np.int64),
        "decision": rng.integers(0, 2, n).astype(np.int64),
        "score": np.round(rng.random(n), 3),
        "w": rng.uniform(0.5, 2.0, n),
    }


_TABLES: dict[str, pa.Table] = {}


def bad_table(kind: str) -> pa.Table:
    """The Arrow table of one kind of bad input (built once)."""
    if kind in _TABLES:
        return _TABLES[kind]
    cols: dict[str, Any] = _base()
    if kind == "plain":
        table = pa.table(cols)
    elif kind == "text_label":
        cols["comment"] = np.array([f"customer said {i}" for i in range(N)], dtype=object)
        cols["verdict"] = np.array(["approved", "denied"], dtype=object)[cols["defaulted"]]
        table = pa.table(cols)
    elif kind.startswith(("nan_", "null_")):
        how, column = kind.split("_", 1)
        bad = np.zeros(N, dtype=bool)
        bad[[3, 500, 1999]] = True
        values = cols[column]
        if column in ("defaulted", "decision"):
            values = values.astype(np.float64)
        if how == "nan":  # a float NaN, not a null, on the engines that tell them apart
            values = values.copy()
            values[bad] = np.nan
            cols[column] = pa.array(values, from_pandas=False)
        else:
            cols[column] = pa.array(values, mask=bad)
        table = pa.table(cols)
        if how == "nan":
            assert table[column].null_count == 0
        else:
            assert table[column].null_count == 3
    elif kind.startswith("float_groups"):
        n = int(kind.rsplit("_", 1)[1])
        rng = np.random.default_rng(6)
        cols = {
            "defaulted": rng.integers(0, 2, n).astype(np.int64),
            "decision": rng.integers(0, 2, n).astype(np.int64),
            "sex": np.where(rng.random(n) < 0.5, "F", "M").astype(object),
            "income": rng.lognormal(10.0, 1.0, n),  # n distinct floats
        }
        table = pa.table(cols)
    else:
        raise ValueError(kind)
    _TABLES[kind] = table
    return table


ARGS = {"y_true": "defaulted", "y_pred": "decision", "sensitive_features": ["sex", "segment"]}
"""Column names unlike the argument names, so a message naming only ``y_true`` does not match."""


def _check_message(err: BaseException) -> None:
    assert isinstance(err, AuditError)
    text = str(err)
    for word in ENGINE_WORDS:
        assert word not in text, f"engine error leaked into the message: {text[:300]}"


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("y_true", "no_such_label"),
        ("y_pred", "no_such_pred"),
        ("sensitive_features", ["sex", "no_such_group"]),
        ("y_score", "no_such_score"),
        ("sample_weight", "no_such_weight"),
    ],
)
def test_missing_column(engine: str, as_engine: Any, argument: str, value: Any) -> None:
    table = as_engine(bad_table("plain"), engine, key="bad_plain")
    kwargs = {**ARGS, argument: value}
    name = value[-1] if isinstance(value, list) else value
    with pytest.raises(UnknownColumnError, match=name) as info:
        group_counts_from_table(table, **kwargs)
    _check_message(info.value)
    with pytest.raises(UnknownColumnError, match=name):
        group_metrics_from_table(table, **kwargs, n_boot=10, random_state=0)


@pytest.mark.parametrize("column", ["comment", "verdict"])
def test_text_label_column(engine: str, as_engine: Any, column: str) -> None:
    """Text labels with 0/1 predictions: 2,000 free-text values, or two words."""
    table = as_engine(bad_table("text_label"), engine, key="bad_text_label")
    with pytest.raises(DataValidationError, match=column) as info:
        group_counts_from_table(table, **{**ARGS, "y_true": column})
    assert not isinstance(info.value, UnknownColumnError)
    _check_message(info.value)
    with pytest.raises(DataValidationError, match=column):
        group_metrics_from_table(table, **{**ARGS, "y_true": column})


@pytest.mark.parametrize(
    "kind", ["nan_defaulted", "null_defaulted", "nan_decision", "null_decision", "null_segment"]
)
def test_missing_values(engine: str, as_engine: Any, kind: str) -> None:
    column = kind.split("_", 1)[1]
    table = as_engine(bad_table(kind), engine, key=f"bad_{kind}")
    with pytest.raises(MissingValueError, match=column) as info:
        group_counts_from_table(table, **ARGS)
    _check_message(info.value)
    with pytest.raises(MissingValueError, match=column):
        group_metrics_from_table(table, **ARGS, y_score="score", sample_weight="w")


def test_null_sensitive_values_form_a_group_when_asked(engine: str, as_engine: Any) -> None:
    """The ``null_segment`` table with ``missing="group"``: no error, a ``<missing>`` group."""
    table = as_engine(bad_table("null_segment"), engine, key="bad_null_segment")
    gc = group_counts_from_table(table, **ARGS, missing="group")
    assert int(gc.table["n"].sum()) == N
    assert "<missing>" in gc.table.index.get_level_values("segment")


def test_float_sensitive_column_with_too_many_levels(engine: str, as_engine: Any) -> None:
    """200,000 distinct floats (Spark: 20,000, still twice the cap, to keep its test short)."""
    kind = f"float_groups_{SPARK_FLOAT_LEVELS if engine == 'spark' else FLOAT_LEVELS}"
    table = as_engine(bad_table(kind), engine, key=f"bad_{kind}")
    assert len(set(bad_table(kind)["income"].to_pylist())) > 10_000
    kwargs = {"y_true": "defaulted", "y_pred": "decision", "sensitive_features": ["sex", "income"]}
    with pytest.raises(DataValidationError, match="income") as info:
        group_counts_from_table(table, **kwargs)
    _check_message(info.value)
    with pytest.raises(DataValidationError, match="income"):
        group_metrics_from_table(table, **{**kwargs, "sensitive_features": "income"})
