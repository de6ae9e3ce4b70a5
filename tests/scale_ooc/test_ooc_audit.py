"""``audit.audit_large``: fairness on all rows from counts, the rest on a stratified sample."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from ooc_data import FEATURES, SENSITIVE

import audit
from audit.analyzers.fairness import group_metrics_key
from audit.context import build_context, provided_quantities
from audit.errors import InvalidParameterError, ModelFileError, UnknownColumnError
from audit.fairness import group_metrics

SPARK_WARNINGS = ("ignore:PySpark does not yet fully support:FutureWarning",)


def _reference(model, rows: pd.DataFrame, columns, *, weight=None, n_boot=50):
    """group_metrics in memory on every row, with the model's own predictions."""
    return group_metrics(
        (rows["label"] == model.classes_[-1]).astype(np.int8).to_numpy(),
        (model.predict(rows[FEATURES]) == model.classes_[-1]).astype(np.int8),
        sensitive_features=rows[list(columns)],
        y_score=model.predict_proba(rows[FEATURES])[:, 1],
        sample_weight=None if weight is None else rows[weight].to_numpy(),
        n_boot=n_boot,
        random_state=0,
        task="binary",
    )


def _assert_same(got, want, *, index_type: bool = True) -> None:
    """Equal tables: counts exactly, floats to 1e-9 (index dtype: Spark's strings are NA-backed)."""
    assert got.by_group.index.equals(want.by_group.index)
    same = {"check_index_type": index_type}
    pd.testing.assert_frame_equal(got.by_group, want.by_group, rtol=1e-9, atol=1e-12, **same)
    pd.testing.assert_frame_equal(got.ci_low, want.ci_low, rtol=1e-9, atol=1e-12, **same)
    pd.testing.assert_frame_equal(got.ci_high, want.ci_high, rtol=1e-9, atol=1e-12, **same)
    pd.testing.assert_frame_equal(got.verdicts, want.verdicts, **same)
    np.testing.assert_array_equal(got.by_group["count"], want.by_group["count"])


@pytest.fixture(scope="module")
def parquet(rows, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("ooc") / "rows.parquet"
    rows.to_parquet(path, row_group_size=2_500)
    return str(path)


@pytest.fixture(scope="module")
def report(model, parquet):
    return audit.audit_large(
        model,
        parquet,
        target="label",
        sensitive_features=SENSITIVE,
        analyzers=["fairness", "calibration", "weights", "importance"],
        batch_rows=3_000,
        sample_rows=3_000,
        min_per_group=200,
        n_boot=50,
    )


def test_fairness_is_computed_on_every_row(report, model, rows) -> None:
    _assert_same(report.fairness, _reference(model, rows, SENSITIVE))
    for col in SENSITIVE:  # each attribute on its own, too
        marginal = report.outputs["fairness"].extras["marginals"][col]
        _assert_same(marginal, _reference(model, rows, [col]))
    assert report.data["n_rows"] == len(rows)
    assert report.data["sensitive"]["race"] == {
        str(k): int(v) for k, v in rows["race"].value_counts().sort_index().items()
    }
    accuracy = float(np.mean(model.predict(rows[FEATURES]) == rows["label"]))
    assert report.data["performance"]["accuracy"] == pytest.approx(accuracy, abs=1e-12)


def test_calibration_reads_the_all_rows_table(report, model, rows) -> None:
    from audit.calibration import calibration_from_metrics

    want = calibration_from_metrics(
        _reference(model, rows, SENSITIVE), n_bins=10, n_boot=50, random_state=0
    )
    got = report.outputs["calibration"].facts
    assert set(got) == set(want.facts())
    for path, fact in want.facts().items():
        assert got[path].value == pytest.approx(fact.value, rel=1e-9, nan_ok=True), path


def test_the_report_says_what_read_all_rows_and_what_the_sample(report, rows) -> None:
    scope = report.data["data_scope"]
    assert scope["engine"] == "duckdb" and scope["source"] == "rows.parquet"
    assert scope["rows_total"] == len(rows)
    assert 0 < scope["rows_sampled"] <= 3_000
    assert scope["all_rows"] == ["fairness", "calibration"]
    assert scope["sampled"] == ["weights", "importance"]
    assert "all 20,000 rows" in scope["summary"] and "stratified sample" in scope["summary"]
    per_group = scope["sample"]["per_group"]
    assert len(per_group) == 6 and all(g["sampled"] >= 1 for g in per_group)
    assert sum(g["rows"] for g in per_group) == len(rows)
    assert sum(g["sampled"] for g in per_group) == scope["rows_sampled"]
    assert scope["batch_rows"] == 3_000 and scope["batches"] >= 7  # a batch ends a row group
    assert scope["columns_read"] == [*FEATURES, "sex", "race", "label"]
    record = json.loads(report.to_json())
    assert record["data"]["data_scope"]["rows_sampled"] == scope["rows_sampled"]
    assert record["data"]["n_rows"] == len(rows)


def test_the_pyarrow_reader_gives_the_same_audit(report, model, parquet) -> None:
    other = audit.audit_large(
        model,
        parquet,
        target="label",
        sensitive_features=SENSITIVE,
        engine="pyarrow",
        analyzers=["fairness", "weights"],
        batch_rows=4_000,
        sample_rows=3_000,
        min_per_group=200,
        n_boot=50,
    )
    _assert_same(other.fairness, report.fairness)
    assert other.data["data_hash"] == report.data["data_hash"]  # the same rows, in order
    assert other.data["data_scope"]["sample"] == report.data["data_scope"]["sample"] | {
        "engine": "pyarrow"
    }


def test_weights_and_in_memory_tables(model, rows) -> None:
    import duckdb

    for source in (rows, duckdb.connect().from_df(rows)):
        rep = audit.audit_large(
            model,
            source,
            target="label",
            sensitive_features="sex",
            sample_weight="w",
            analyzers=["fairness", "weights"],
            sample_rows=2_000,
            n_boot=50,
        )
        _assert_same(rep.fairness, _reference(model, rows, ["sex"], weight="w"))
        assert rep.data["weighted"] is True
        assert "w" not in rep.data["columns"]  # the weight column is not a feature


def test_the_temporary_file_is_deleted(model, parquet, tmp_path) -> None:
    folder = tmp_path / "scratch"
    folder.mkdir()
    audit.audit_large(
        model,
        parquet,
        target="label",
        sensitive_features="sex",
        analyzers=["fairness"],
        sample_rows=500,
        n_boot=0,
        temp_dir=folder,
    )
    assert list(folder.iterdir()) == []


def test_settings_are_checked_before_any_data_is_read(model, rows, tmp_path) -> None:
    missing = str(tmp_path / "nowhere.parquet")
    common = {"target": "label", "sensitive_features": SENSITIVE}
    with pytest.raises(InvalidParameterError, match="Unknown analyzer"):
        audit.audit_large(model, missing, analyzers=["fairnes"], **common)
    with pytest.raises(InvalidParameterError, match="batch_rows"):
        audit.audit_large(model, missing, batch_rows=0, **common)
    with pytest.raises(InvalidParameterError, match="engine"):
        audit.audit_large(model, rows, engine="pyarrow", **common)
    with pytest.raises(InvalidParameterError, match="engine"):
        audit.audit_large(model, missing, engine="spark", **common)
    with pytest.raises(ModelFileError, match="not found"):
        audit.audit_large(model, missing, **common)
    with pytest.raises(UnknownColumnError, match="Did you mean 'label'"):
        audit.audit_large(model, rows, target="labl", sensitive_features="sex")


@pytest.mark.filterwarnings(*SPARK_WARNINGS)
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")
def test_a_spark_table_is_scored_counted_and_sampled_by_spark(model, rows, spark) -> None:
    rep = audit.audit_large(
        model,
        spark.createDataFrame(rows).repartition(2),
        target="label",
        sensitive_features=SENSITIVE,
        analyzers=["fairness", "weights"],
        sample_rows=2_000,
        n_boot=50,
    )
    _assert_same(rep.fairness, _reference(model, rows, SENSITIVE), index_type=False)
    scope = rep.data["data_scope"]
    assert scope["engine"] == scope["counted_by"] == scope["sample"]["engine"] == "spark"
    assert scope["auc"] == "exact" and scope["rows_total"] == len(rows)


def test_a_dask_table_is_scored_counted_and_sampled_by_dask(model, rows) -> None:
    dd = pytest.importorskip("dask.dataframe")
    with pytest.warns(UserWarning, match="score bins"):  # Dask has no ordered windows
        rep = audit.audit_large(
            model,
            dd.from_pandas(rows, npartitions=3),
            target="label",
            sensitive_features=SENSITIVE,
            analyzers=["fairness", "weights"],
            sample_rows=2_000,
            n_boot=50,
        )
    scope = rep.data["data_scope"]
    assert scope["engine"] == scope["sample"]["engine"] == "dask"
    assert scope["auc"] == "binned"  # said in the record
    want = _reference(model, rows, SENSITIVE).by_group.drop(columns=["auc"])
    got = rep.fairness.by_group.drop(columns=["auc"])
    pd.testing.assert_frame_equal(got, want, rtol=1e-9, check_index_type=False)


def test_provided_quantities_reach_the_next_context_only(model, rows) -> None:
    sentinel = object()
    key = group_metrics_key(["sex"])
    frame = rows.head(200)
    with provided_quantities({key: sentinel}) as provided:
        first = build_context(model, frame, "label", sensitive_features="sex")
        second = build_context(model, frame, "label", sensitive_features="sex")
    third = build_context(model, frame, "label", sensitive_features="sex")
    assert provided.used
    assert first.derived(key, lambda: None) is sentinel
    assert second.derived(key, lambda: "computed") == "computed"
    assert not third.is_derived(key)
