"""The model scored where the data is: Spark mapInPandas, Dask map_partitions, record batches.

Each engine's scored columns equal ``model.predict`` / ``predict_proba`` on the
same rows, and the labels / positive class are the audit context's own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ooc_data import FEATURES, SENSITIVE
from sklearn.linear_model import LogisticRegression

from audit.context import build_context
from audit.errors import DataValidationError, UnknownColumnError
from audit.scale import (
    SCORE,
    WEIGHT,
    Y_PRED,
    Y_TRUE,
    BatchScorer,
    record_batches,
    score_batches,
    score_dask,
    score_spark,
)


def _expected(model, frame: pd.DataFrame) -> pd.DataFrame:
    proba = model.predict_proba(frame[FEATURES])
    positive = list(model.classes_).index(model.classes_[-1])
    return pd.DataFrame(
        {
            "sex": frame["sex"].to_numpy(),
            "race": frame["race"].to_numpy(),
            Y_TRUE: (frame["label"] == model.classes_[-1]).astype(np.int8).to_numpy(),
            Y_PRED: (model.predict(frame[FEATURES]) == model.classes_[-1]).astype(np.int8),
            SCORE: proba[:, positive],
        }
    )


def _check(scored: pd.DataFrame, expected: pd.DataFrame, *, by_score: bool = False) -> None:
    scored = scored.reset_index(drop=True)
    if by_score:  # an engine that does not keep the row order: every score is distinct
        scored = scored.sort_values(SCORE, ignore_index=True)
        expected = expected.sort_values(SCORE, ignore_index=True)
    assert list(scored.columns) == list(expected.columns)
    for col in ("sex", "race"):
        assert scored[col].astype(str).tolist() == expected[col].astype(str).tolist()
    for col in (Y_TRUE, Y_PRED):
        np.testing.assert_array_equal(scored[col].to_numpy(np.int64), expected[col].to_numpy())
    np.testing.assert_allclose(
        scored[SCORE].to_numpy(), expected[SCORE].to_numpy(), rtol=0, atol=1e-12
    )


def test_dask_map_partitions_equals_predict(rows, model) -> None:
    dd = pytest.importorskip("dask.dataframe")
    scorer = BatchScorer.for_model(model, target="label", sensitive_features=SENSITIVE)
    scored = score_dask(dd.from_pandas(rows, npartitions=4), scorer)
    assert scored.npartitions == 4
    _check(scored.compute(), _expected(model, rows))


def test_dask_empty_partitions_are_scored_as_empty(rows, model) -> None:
    dd = pytest.importorskip("dask.dataframe")
    ddf = dd.from_pandas(rows, npartitions=4)
    ddf = ddf[ddf["a"] < 0.5]  # some rows of each partition
    scorer = BatchScorer.for_model(model, target="label", sensitive_features=SENSITIVE)
    kept = rows[rows["a"] < 0.5]
    _check(score_dask(ddf, scorer).compute(), _expected(model, kept))


@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support:FutureWarning")
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")
def test_spark_map_in_pandas_equals_predict(rows, model, spark) -> None:
    df = spark.createDataFrame(rows).repartition(3)
    scorer = BatchScorer.for_model(model, target="label", sensitive_features=SENSITIVE)
    scored = score_spark(df, scorer)
    assert scored.columns == ["sex", "race", Y_TRUE, Y_PRED, SCORE]
    _check(scored.toPandas(), _expected(model, rows), by_score=True)


def test_record_batches_of_every_source_equal_predict(rows, model, tmp_path) -> None:
    import duckdb
    import polars as pl
    import pyarrow as pa

    path = tmp_path / "rows.parquet"
    rows.to_parquet(path, row_group_size=3_000)
    scorer = BatchScorer.for_model(model, target="label", sensitive_features=SENSITIVE)
    expected = _expected(model, rows)
    con = duckdb.connect()
    cols = scorer.input_columns(list(rows.columns))
    assert cols == [*FEATURES, "sex", "race", "label"]  # the weight column is not read
    sources = {
        "file-duckdb": (str(path), {"connection": con}),
        "file-pyarrow": (str(path), {"engine": "pyarrow"}),
        "duckdb": (con.from_df(rows), {}),
        "pyarrow": (pa.Table.from_pandas(rows), {}),
        "polars": (pl.from_pandas(rows), {}),
        "polars-lazy": (pl.from_pandas(rows).lazy(), {}),
        "pandas": (rows, {}),
    }
    for name, (source, options) in sources.items():
        batches = list(record_batches(source, cols, batch_rows=4_000, **options))
        assert max(len(b) for b in batches) <= 4_000, name
        scored = pd.concat(list(score_batches(batches, scorer)), ignore_index=True)
        _check(scored, expected)


def test_the_targets_are_the_contexts_own(rows) -> None:
    """String classes and a pos_label: the scored 0/1 columns are the context's Targets."""
    frame = rows.assign(label=np.where(rows["label"] == 1, "yes", "no"))
    model = LogisticRegression().fit(frame[FEATURES], frame["label"])
    scorer = BatchScorer.for_model(
        model, target="label", sensitive_features="sex", sample_weight="w", pos_label="no"
    )
    scored = scorer(frame)
    ctx = build_context(
        model,
        frame.drop(columns=["w"]),
        "label",
        sensitive_features="sex",
        sample_weight=frame["w"],
        pos_label="no",
    )
    np.testing.assert_array_equal(scored[Y_TRUE].to_numpy(), ctx.targets.y_true01)
    np.testing.assert_array_equal(scored[Y_PRED].to_numpy(), ctx.targets.y_pred01)
    np.testing.assert_array_equal(scored[SCORE].to_numpy(), ctx.targets.score)
    np.testing.assert_array_equal(scored[WEIGHT].to_numpy(), frame["w"].to_numpy())
    assert scored[Y_TRUE].sum() == (frame["label"] == "no").sum()


def test_a_batch_is_validated_like_audit_model(rows, model) -> None:
    scorer = BatchScorer.for_model(model, target="label", sensitive_features=SENSITIVE)
    bad = rows.head(100).copy()
    bad.loc[7, "race"] = None
    with pytest.raises(DataValidationError, match="race"):
        scorer(bad)
    with pytest.raises(UnknownColumnError, match="Did you mean 'race'"):
        BatchScorer.for_model(model, target="label", sensitive_features="rase").input_columns(
            list(rows.columns)
        )
