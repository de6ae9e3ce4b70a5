"""The stratified sample: every group represented, bounded, seeded, drawn by the engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ooc_data import SENSITIVE, make_rows

from audit.errors import InvalidParameterError
from audit.scale import allocate, stratified_sample


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """20,000 rows, with 5 rows of ``race="tiny"`` (2 f, 3 m) that a uniform sample would miss."""
    frame = make_rows(20_000, seed=4)
    frame.loc[frame.index[:5], "race"] = "tiny"
    frame.loc[frame.index[:5], "sex"] = ["f", "f", "m", "m", "m"]
    return frame


def _groups(sample) -> dict[tuple[str, str], tuple[int, int]]:
    g = sample.groups
    return {
        (s, r): (int(n), int(k))
        for s, r, n, k in zip(g["sex"], g["race"], g["rows"], g["sampled"], strict=True)
    }


def _check_rule(sample, n_rows: int) -> None:
    """Every group present, sized min(rows, max(m, floor(rate * rows))), the total bounded."""
    g = sample.groups
    expected = np.minimum(
        g["rows"], np.maximum(sample.min_per_group, np.floor(sample.rate * g["rows"]))
    )
    np.testing.assert_array_equal(g["sampled"].to_numpy(), expected.to_numpy())
    assert (g["sampled"] >= 1).all()
    assert sample.rows_sampled == int(g["sampled"].sum()) <= n_rows
    counts = sample.frame.groupby(SENSITIVE).size()
    assert {k: int(v) for k, v in counts.items()} == {k: v[1] for k, v in _groups(sample).items()}


def test_every_group_is_represented_and_the_size_is_bounded(table) -> None:
    sample = stratified_sample(table, SENSITIVE, n_rows=2_000, min_per_group=150, random_state=0)
    _check_rule(sample, 2_000)
    groups = _groups(sample)
    assert len(groups) == 8  # 2 x 3 groups and the two "tiny" ones
    tiny = [v for k, v in groups.items() if k[1] == "tiny"]
    assert all(n == k for n, k in tiny) and sum(n for n, _ in tiny) == 5  # taken whole
    assert sample.rows_total == len(table)
    record = sample.to_dict()
    assert record["rows_total"] == 20_000 and record["rows_sampled"] == sample.rows_sampled
    assert {g["group"] for g in record["per_group"]} >= {"sex=f, race=x", "sex=m, race=z"}


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(table) -> None:
    one = stratified_sample(table, SENSITIVE, n_rows=2_000, min_per_group=150, random_state=7)
    again = stratified_sample(table, SENSITIVE, n_rows=2_000, min_per_group=150, random_state=7)
    other = stratified_sample(table, SENSITIVE, n_rows=2_000, min_per_group=150, random_state=8)
    pd.testing.assert_frame_equal(one.frame, again.frame)
    assert not one.frame["a"].reset_index(drop=True).equals(other.frame["a"].reset_index(drop=True))
    assert _groups(one) == _groups(other)  # the quotas depend on the group sizes only


def test_batch_size_row_order_and_engine_do_not_change_the_sample(table, tmp_path) -> None:
    """Rows are keyed by their content: pandas, polars, pyarrow, a file and Dask agree."""
    import polars as pl
    import pyarrow as pa

    dd = pytest.importorskip("dask.dataframe")
    path = tmp_path / "t.parquet"
    table.to_parquet(path, row_group_size=3_000)
    kw = {"n_rows": 2_000, "min_per_group": 150, "random_state": 3}
    reference = stratified_sample(table, SENSITIVE, **kw).frame.reset_index(drop=True)
    shuffled = table.sample(frac=1.0, random_state=1)
    others = {
        "batches of 777": stratified_sample(table, SENSITIVE, batch_rows=777, **kw),
        "shuffled rows": stratified_sample(shuffled, SENSITIVE, **kw),
        "polars": stratified_sample(pl.from_pandas(table), SENSITIVE, **kw),
        "pyarrow": stratified_sample(pa.Table.from_pandas(table), SENSITIVE, **kw),
        "file (pyarrow)": stratified_sample(str(path), SENSITIVE, engine="pyarrow", **kw),
        "dask": stratified_sample(dd.from_pandas(table, npartitions=5), SENSITIVE, **kw),
    }
    for name, sample in others.items():
        frame = sample.frame.reset_index(drop=True)
        assert frame.shape == reference.shape, name
        np.testing.assert_array_equal(frame["a"].to_numpy(), reference["a"].to_numpy(), name)
        assert frame["race"].astype(str).tolist() == reference["race"].astype(str).tolist()


def test_duckdb_draws_the_sample_with_a_window(table, tmp_path) -> None:
    import duckdb

    con = duckdb.connect()
    rel = con.from_df(table)
    kw = {"n_rows": 2_000, "min_per_group": 150, "random_state": 5}
    sample = stratified_sample(rel, SENSITIVE, **kw)
    assert sample.engine == "duckdb"
    _check_rule(sample, 2_000)
    pd.testing.assert_frame_equal(sample.frame, stratified_sample(rel, SENSITIVE, **kw).frame)
    assert _groups(sample) == _groups(stratified_sample(table, SENSITIVE, **kw))
    path = tmp_path / "t.parquet"
    table.to_parquet(path)
    from_file = stratified_sample(str(path), SENSITIVE, **kw)  # DuckDB reads files by default
    pd.testing.assert_frame_equal(from_file.frame, sample.frame)


@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support:FutureWarning")
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")
def test_spark_draws_the_sample_with_a_window(table, spark) -> None:
    df = spark.createDataFrame(table).repartition(3)
    kw = {"n_rows": 2_000, "min_per_group": 150, "random_state": 5}
    sample = stratified_sample(df, SENSITIVE, **kw)
    assert sample.engine == "spark"
    _check_rule(sample, 2_000)
    again = stratified_sample(df, SENSITIVE, **kw)
    pd.testing.assert_frame_equal(sample.frame, again.frame)
    assert _groups(sample) == _groups(stratified_sample(table, SENSITIVE, **kw))


def test_allocate_is_one_rate_with_a_floor() -> None:
    sizes = np.array([100_000, 10_000, 500, 20])
    alloc = allocate(sizes, 5_000, 300)
    assert alloc.minimum == 300
    np.testing.assert_array_equal(
        alloc.quotas,
        np.minimum(sizes, np.maximum(300, np.floor(alloc.rate * sizes))),
    )
    assert alloc.quotas[3] == 20 and alloc.quotas[2] == 300  # small groups: whole or the floor
    assert 5_000 - len(sizes) <= alloc.quotas.sum() <= 5_000
    assert alloc.quotas[0] / sizes[0] == pytest.approx(alloc.quotas[1] / sizes[1], rel=0.01)
    everything = allocate(sizes, 10**6, 300)
    assert everything.rate == 1.0 and (everything.quotas == sizes).all()
    many = allocate(np.full(50, 1_000), 20, 300)  # more groups than rows: one row each
    assert (many.quotas == 1).all()


def test_bad_settings_are_refused(table) -> None:
    with pytest.raises(InvalidParameterError, match="sample_rows"):
        stratified_sample(table, SENSITIVE, n_rows=0)
    with pytest.raises(InvalidParameterError, match="sensitive_features"):
        stratified_sample(table, [], n_rows=10)
