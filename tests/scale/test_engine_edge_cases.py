"""Awkward but valid tables on every engine: the same count table as in memory.

Column types and names that go through other code paths of the engines:
boolean, int8, -1/1 and 0./1. float labels; ``pos_label=0``; float32 scores;
weights near the float64 limits (scaled) and integer weights; categorical
(Arrow dictionary) and boolean sensitive columns; a float sensitive column
with both NaN and null (``missing="group"``: one ``"<missing>"`` group); names
with a dot or a space (Spark reads ``a.b`` as a struct field unless quoted);
the same column as label and prediction, or as prediction and sensitive
feature. 600 rows each, classification with weights (and scores, except
where only the label encoding is at stake), and regression where its path
differs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from scale_checks import assert_counts_equal

from audit.fairness import group_counts, group_counts_from_table

pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),  # pyspark on pandas 3
    pytest.mark.filterwarnings("ignore:dask has no ordered window function:UserWarning"),
]

N = 600
CLS = {
    "y_true": "label",
    "y_pred": "pred",
    "sensitive_features": ["sex", "race"],
    "y_score": "score",
    "sample_weight": "w",
}
LABELS_ONLY = {k: v for k, v in CLS.items() if k != "y_score"}
"""Cases about label encoding only: no scores (each Spark score pass costs about a second)."""
REG = {"y_true": "label", "y_pred": "pred", "sensitive_features": ["sex", "race"]}


def _classification() -> dict[str, np.ndarray]:
    from scale_data import binary_table

    t = binary_table(N, seed=11, scores=True, weights=True)
    return {c: t[c].to_numpy(zero_copy_only=False) for c in t.column_names}


def _regression() -> dict[str, np.ndarray]:
    from scale_data import regression_table

    t = regression_table(N, seed=12)
    return {c: t[c].to_numpy(zero_copy_only=False) for c in t.column_names}


def _dictionary(race: np.ndarray) -> pa.DictionaryArray:
    """``race`` as an Arrow dictionary (categorical) column with an unused level."""
    codes = np.select([race == "A", race == "B"], [0, 1], 2).astype(np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(["A", "B", "C", "Z"]))


def _nan_and_null(race: np.ndarray) -> pa.Array:
    """A float sensitive column with 7 NaN and 5 nulls."""
    values = np.where(race == "A", 1.5, 2.5)
    values[:7] = np.nan
    mask = np.zeros(len(values), dtype=bool)
    mask[10:15] = True
    return pa.array(values, mask=mask, from_pandas=False)


def _edit(base: Callable[[], dict[str, np.ndarray]], **changes: Callable[[dict], Any]):
    def build() -> pa.Table:
        cols = base()
        for name, change in changes.items():
            cols[name] = change(cols)
        return pa.table(cols)

    return build


def _renamed(build: Callable[[], pa.Table], names: dict[str, str]) -> Callable[[], pa.Table]:
    return lambda: build().rename_columns([names.get(c, c) for c in build().column_names])


CASES: dict[str, tuple[Callable[[], pa.Table], dict[str, Any]]] = {
    "bool_labels": (
        _edit(_classification, label=lambda c: c["label"] == 1, pred=lambda c: c["pred"] == 1),
        CLS,
    ),
    "int8_labels": (
        _edit(
            _classification,
            label=lambda c: c["label"].astype(np.int8),
            pred=lambda c: c["pred"].astype(np.int8),
        ),
        LABELS_ONLY,
    ),
    "minus_one_one_labels": (
        _edit(
            _classification, label=lambda c: 2 * c["label"] - 1, pred=lambda c: 2 * c["pred"] - 1
        ),
        CLS,
    ),
    "float_01_labels": (
        _edit(
            _classification,
            label=lambda c: c["label"].astype(float),
            pred=lambda c: c["pred"].astype(float),
        ),
        LABELS_ONLY,
    ),
    "pos_label_0": (_classification_table := _edit(_classification), {**CLS, "pos_label": 0}),
    "float32_scores": (_edit(_classification, score=lambda c: c["score"].astype(np.float32)), CLS),
    "huge_weights": (_edit(_classification, w=lambda c: c["w"] * 1e300), CLS),
    "tiny_weights": (_edit(_classification, w=lambda c: c["w"] * 1e-300), LABELS_ONLY),
    "integer_weights": (
        _edit(_classification, w=lambda c: (3 * c["w"]).astype(np.int64)),
        LABELS_ONLY,
    ),
    "dictionary_sensitive": (_edit(_classification, race=lambda c: _dictionary(c["race"])), CLS),
    "dictionary_sensitive_regression": (
        _edit(_regression, race=lambda c: _dictionary(c["race"])),
        REG,
    ),
    "bool_sensitive": (_edit(_classification, sex=lambda c: c["sex"] == "F"), CLS),
    "bool_sensitive_regression": (_edit(_regression, sex=lambda c: c["sex"] == "F"), REG),
    "float_sensitive_nan_and_null_as_one_group": (
        _edit(_classification, race=lambda c: _nan_and_null(c["race"])),
        {**CLS, "missing": "group"},
    ),
    "float_sensitive_nan_and_null_as_one_group_regression": (
        _edit(_regression, race=lambda c: _nan_and_null(c["race"])),
        {**REG, "missing": "group"},
    ),
    "dotted_and_spaced_names": (
        _renamed(
            _classification_table,
            {"sex": "user.sex", "race": "race group", "label": "y.true", "score": "s.core"},
        ),
        {
            "y_true": "y.true",
            "y_pred": "pred",
            "sensitive_features": ["user.sex", "race group"],
            "y_score": "s.core",
            "sample_weight": "w",
        },
    ),
    "dotted_names_regression": (
        _renamed(_edit(_regression), {"sex": "user.sex", "label": "y.true"}),
        {"y_true": "y.true", "y_pred": "pred", "sensitive_features": ["user.sex", "race"]},
    ),
    "label_column_as_prediction": (_classification_table, {**CLS, "y_pred": "label"}),
    "prediction_column_as_sensitive": (
        _classification_table,
        {**CLS, "sensitive_features": ["sex", "pred"]},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_awkward_tables_equal_in_memory(case: str, engine: str, as_engine: Any) -> None:
    from scale_data import reference_inputs

    if engine == "polars" and case.startswith("dictionary_sensitive"):
        # polars keeps no declared category order: its Categorical lists categories in order
        # of first appearance, so the groups come out in another order than pandas' A, B, C
        pytest.xfail("polars Categorical has no declared category order")
    build, kwargs = CASES[case]
    table = build()
    want = group_counts(**reference_inputs(table, kwargs))
    got = group_counts_from_table(as_engine(table, engine, key=f"edge_{case}"), **kwargs)
    assert_counts_equal(got, want, engine)
