"""Missing values per group and feature, against pandas ``isna().groupby()``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit.data_checks import check_data


def test_missing_per_group_equals_pandas(adult):
    checks = check_data(adult, "income", sensitive_features=["sex", "race"])
    features = adult.drop(columns=["income", "sex", "race"])
    with_missing = features.columns[features.isna().any()]
    assert set(checks.missing["feature"]) == set(with_missing) != set()
    table = checks.missing.set_index(["attribute", "group", "feature"])
    for attribute in ("sex", "race"):
        counts = features[with_missing].isna().groupby(adult[attribute]).agg(["sum", "mean"])
        for group in counts.index:
            for feature in with_missing:
                row = table.loc[(attribute, group, feature)]
                assert row["missing"] == counts.loc[group, (feature, "sum")]
                assert row["missing_share"] == pytest.approx(counts.loc[group, (feature, "mean")])
                assert row["count"] == (adult[attribute] == group).sum()


def test_no_missing_values_give_an_empty_table():
    frame = pd.DataFrame({"g": ["a", "b"] * 50, "x": np.arange(100.0)})
    assert check_data(frame, sensitive_features="g").missing.empty
