"""Small and empty groups: verdicts, denominators, listed zero-row groups, missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.fairness import MISSING_LABEL, VERDICT_INSUFFICIENT, VERDICT_OK, group_metrics


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # big: 100 rows (40 positives, 35 predicted positive); small: 12 rows (3 positives)
    y_true = np.r_[np.ones(40), np.zeros(60), np.ones(3), np.zeros(9)].astype(int)
    y_pred = np.r_[np.ones(30), np.zeros(10), np.ones(5), np.zeros(55), [1, 0, 0], np.zeros(9)]
    group = np.r_[["big"] * 100, ["small"] * 12]
    return y_true, y_pred.astype(int), group


def test_denominators_are_the_rows_behind_each_rate() -> None:
    y_true, y_pred, group = _data()
    gm = group_metrics(y_true, y_pred, sensitive_features=group)
    big = gm.denominators.loc["big"]
    assert big["selection_rate"] == 100 and big["accuracy"] == 100 and big["count"] == 100
    assert big["tpr"] == 40 and big["fnr"] == 40
    assert big["fpr"] == 60 and big["tnr"] == 60
    assert big["precision"] == 35 and big["npv"] == 65
    assert big["balanced_accuracy"] == 40
    small = gm.denominators.loc["small"]
    assert small["tpr"] == 3 and small["precision"] == 1


def test_verdicts_follow_min_count_per_metric() -> None:
    y_true, y_pred, group = _data()
    gm = group_metrics(y_true, y_pred, sensitive_features=group, min_count=36)
    v = gm.verdicts.loc["big"]
    assert v["selection_rate"] == VERDICT_OK and v["tpr"] == VERDICT_OK
    assert v["precision"] == VERDICT_INSUFFICIENT  # 35 predicted positives < 36
    assert (gm.verdicts.loc["small"] == VERDICT_INSUFFICIENT).all()
    # the values are still reported, never silently dropped
    assert gm.by_group.loc["small", "tpr"] == 1 / 3


def test_weighted_verdicts_count_rows_not_weight() -> None:
    y_true, y_pred, group = _data()
    weights = np.where(group == "small", 1000.0, 1.0)
    gm = group_metrics(y_true, y_pred, sensitive_features=group, sample_weight=weights)
    assert gm.denominators.loc["small", "selection_rate"] == 12
    assert gm.verdicts.loc["small", "selection_rate"] == VERDICT_INSUFFICIENT
    assert gm.by_group.loc["small", "share"] > 0.99


def test_empty_denominator_is_insufficient_even_with_min_count_zero() -> None:
    y_true = np.array([0, 0, 1, 1])
    y_pred = np.array([0, 1, 1, 0])
    gm = group_metrics(y_true, y_pred, sensitive_features=["a", "a", "b", "b"], min_count=0)
    assert gm.verdicts.loc["a", "tpr"] == VERDICT_INSUFFICIENT
    assert np.isnan(gm.by_group.loc["a", "tpr"])
    assert gm.verdicts.loc["a", "fpr"] == VERDICT_OK


def test_unused_categorical_level_is_listed_with_count_zero() -> None:
    sex = pd.Series(pd.Categorical(["F", "M", "F", "M"], categories=["F", "M", "X"]), name="sex")
    gm = group_metrics([1, 0, 1, 1], [1, 0, 0, 1], sensitive_features=sex)
    assert list(gm.by_group.index) == ["F", "M", "X"]
    assert gm.by_group.loc["X", "count"] == 0
    assert gm.by_group.loc["X", "share"] == 0
    assert gm.by_group.loc["X", ["selection_rate", "tpr"]].isna().all()
    assert (gm.verdicts.loc["X"] == VERDICT_INSUFFICIENT).all()
    # the empty group is ignored by differences and ratios (as fairlearn ignores NaN)
    with_x = gm.difference()
    without = group_metrics([1, 0, 1, 1], [1, 0, 0, 1], sensitive_features=sex.astype(str))
    pd.testing.assert_series_equal(with_x, without.difference())


def test_intersections_of_categoricals_that_never_occur_are_listed() -> None:
    frame = pd.DataFrame(
        {
            "sex": pd.Categorical(["F", "F", "M", "M"]),
            "race": pd.Categorical(["a", "b", "a", "a"]),
        }
    )
    gm = group_metrics([1, 0, 1, 0], [1, 0, 1, 1], sensitive_features=frame)
    assert list(gm.by_group.index) == [("F", "a"), ("F", "b"), ("M", "a"), ("M", "b")]
    assert gm.by_group.loc[("M", "b"), "count"] == 0
    assert gm.by_group.index.names == ["sex", "race"]


def test_plain_columns_list_the_observed_intersections() -> None:
    frame = pd.DataFrame({"sex": ["F", "F", "M", "M"], "race": ["a", "b", "a", "a"]})
    gm = group_metrics([1, 0, 1, 0], [1, 0, 1, 1], sensitive_features=frame)
    assert list(gm.by_group.index) == [("F", "a"), ("F", "b"), ("M", "a")]


def test_missing_values_form_their_own_group_when_asked() -> None:
    sex = pd.Series(["F", None, "M", np.nan, "F", "M"], name="sex")
    gm = group_metrics(
        [1, 0, 1, 1, 0, 0], [1, 1, 0, 1, 0, 0], sensitive_features=sex, missing="group"
    )
    assert list(gm.by_group.index) == ["F", "M", MISSING_LABEL]
    assert gm.by_group.loc[MISSING_LABEL, "count"] == 2
    assert gm.by_group.loc[MISSING_LABEL, "selection_rate"] == 1.0


def test_missing_categorical_value_joins_the_missing_group() -> None:
    sex = pd.Series(pd.Categorical(["F", None, "M"], categories=["F", "M"]), name="sex")
    gm = group_metrics([1, 0, 1], [1, 1, 0], sensitive_features=sex, missing="group")
    assert list(gm.by_group.index) == ["F", "M", MISSING_LABEL]
    assert gm.by_group["count"].tolist() == [1, 1, 1]


def test_evidence_table_lists_every_group_and_metric() -> None:
    y_true, y_pred, group = _data()
    gm = group_metrics(y_true, y_pred, sensitive_features=group)
    ev = gm.evidence
    assert list(ev.columns) == ["sensitive_feature_0", "metric", "value", "denominator", "verdict"]
    assert len(ev) == 2 * gm.by_group.shape[1]
    row = ev[(ev["sensitive_feature_0"] == "small") & (ev["metric"] == "tpr")].iloc[0]
    assert row["denominator"] == 3 and row["verdict"] == VERDICT_INSUFFICIENT


def test_unused_levels_of_polars_enum_and_arrow_dictionary_are_listed() -> None:
    import polars as pl
    import pyarrow as pa

    y_true, y_pred = [1, 0, 1, 1], [1, 0, 0, 1]
    enum = pl.DataFrame({"sex": pl.Series(["F", "M", "F", "M"], dtype=pl.Enum(["F", "M", "X"]))})
    codes = pa.array([0, 1, 0, 1], pa.int32())
    dictionary = pa.table({"sex": pa.DictionaryArray.from_arrays(codes, pa.array(["F", "M", "X"]))})
    for sensitive in (enum, dictionary):
        gm = group_metrics(y_true, y_pred, sensitive_features=sensitive)
        assert gm.by_group["count"].to_dict() == {"F": 2, "M": 2, "X": 0}
