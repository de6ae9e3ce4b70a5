"""The table path equals the in-memory path, engine by engine.

For every dataset of ``conftest.DATASETS`` (binary with and without weights
and scores, text labels with ``pos_label``, a ``"<missing>"`` group, multiclass
with int and text classes, regression with and without a 1e8 offset; two
sensitive columns of 2 x 3 levels with one rare level, so verdicts differ)
and every engine (pandas, polars lazy, chunked pyarrow, DuckDB, a real local
Spark, Dask), ``group_counts_from_table`` / ``group_metrics_from_table`` give
what ``group_counts`` / ``group_metrics`` give on the same rows in memory:

* the count table: same columns, same groups in the same order, integer-valued
  columns (row counts, unweighted sums, shifts, unweighted AUC statistics)
  exactly, every other float to 1e-9 relative; the score cells too;
* metrics, ``difference()``, ``ratio()``, verdicts, and with
  ``n_boot=200, random_state=0`` the intervals (the bootstrap draws from the
  count table only, so equal tables give equal replicates).

Dask has no ordered window, so its AUC may be the binned one
(``auc_method == "binned"``): then AUC is compared within 0.02 and every
other number exactly as above.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scale_checks import BOOT, assert_counts_equal, assert_metrics_equal, close

from audit.fairness import (
    group_counts,
    group_counts_from_table,
    group_metrics,
    group_metrics_from_table,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),  # pyspark on pandas 3
    pytest.mark.filterwarnings("ignore:dask has no ordered window function:UserWarning"),
]

DATASET_NAMES = (
    "binary",  # neither weights nor scores
    "binary_w_score",  # both
    "binary_text_one_feature",  # scores, text labels with pos_label, one sensitive column
    "binary_missing_group_w",  # weights and scores, text labels, null sensitive values as a group
    "multiclass",
    "multiclass_str_w",
    "regression",
    "regression_offset_w",
)


@pytest.fixture(params=DATASET_NAMES)
def dataset_name(request: pytest.FixtureRequest) -> str:
    return request.param


# --------------------------------------------------------------------------- tests


def test_count_table_equals_in_memory(
    dataset_name: str,
    engine: str,
    datasets: Any,
    reference: Any,
    as_engine: Any,
    expected_engine: Any,
) -> None:
    table, kwargs = datasets(dataset_name)
    want = group_counts(**reference(table, kwargs))
    got = group_counts_from_table(as_engine(table, engine, key=dataset_name), **kwargs)
    if expected_engine(engine) is not None:
        assert got.engine == expected_engine(engine)
    assert isinstance(got.engine, str) and got.engine
    assert_counts_equal(got, want, engine)
    assert got.n_rows == table.num_rows


def test_metrics_verdicts_and_intervals_equal_in_memory(
    dataset_name: str,
    engine: str,
    datasets: Any,
    reference: Any,
    as_engine: Any,
) -> None:
    table, kwargs = datasets(dataset_name)
    want = group_metrics(**reference(table, kwargs), min_count=30, **BOOT)
    got = group_metrics_from_table(
        as_engine(table, engine, key=dataset_name), min_count=30, **kwargs, **BOOT
    )
    assert_metrics_equal(got, want, engine)
    verdicts = want.verdicts.to_numpy()
    assert (verdicts == "ok").any() and (verdicts != "ok").any()  # the rare group differs


def test_large_offset_keeps_the_low_digits(
    engine: str, datasets: Any, reference: Any, as_engine: Any
) -> None:
    """Targets 1e8 + y: a group of equal targets has ss_y == 0 exactly and R² NaN; R² of the
    other groups equals the in-memory one and the one computed without the offset."""
    table, kwargs = datasets("regression_offset_w")
    got = group_metrics_from_table(as_engine(table, engine, key="regression_offset_w"), **kwargs)
    t = got.counts.table
    rare = ("F", "C")
    assert t.loc[rare, "ss_y"] == 0.0
    assert t.loc[rare, "sum_y_shifted"] == 0.0
    assert np.isnan(got.by_group.loc[rare, "r2"])
    want = group_metrics(**reference(table, kwargs))
    close(got.by_group["r2"].to_numpy(), want.by_group["r2"].to_numpy(), "r2")
    close(got.by_group["rmse"].to_numpy(), want.by_group["rmse"].to_numpy(), "rmse")
    # the same rows without the offset: same R², RMSE and MAE to 1e-6 (float64 of 1e8 + y)
    import pyarrow as pa
    import pyarrow.compute as pc

    plain = table.set_column(
        table.column_names.index("label"), "label", pc.subtract(table["label"], pa.scalar(1e8))
    )
    plain = plain.set_column(
        plain.column_names.index("pred"), "pred", pc.subtract(plain["pred"], pa.scalar(1e8))
    )
    base = group_metrics(**reference(plain, kwargs))
    for m in ("r2", "rmse", "mae"):
        np.testing.assert_allclose(got.by_group[m], base.by_group[m], rtol=1e-6, err_msg=m)


def test_one_engine_call_per_table_gives_the_counts_it_used(
    engine: str, datasets: Any, as_engine: Any, expected_engine: Any
) -> None:
    """``group_metrics_from_table(...).counts`` is the table ``group_counts_from_table`` gives."""
    table, kwargs = datasets("binary_w_score")
    frame = as_engine(table, engine, key="binary_w_score")
    gm = group_metrics_from_table(frame, **kwargs)
    gc = group_counts_from_table(frame, **kwargs)
    assert gm.counts is not None
    assert gm.counts.engine == gc.engine
    if expected_engine(engine) is not None:
        assert gm.counts.engine == expected_engine(engine)
    pd.testing.assert_frame_equal(gm.counts.table, gc.table)
