"""Features that differ between groups: SMD by hand, Cramér's V as scipy, TVD as pandas."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.stats.contingency import association

from audit.data_checks import check_data
from audit.policy import Policy


@pytest.fixture(scope="module")
def checks(adult):
    return check_data(adult, "income", sensitive_features=["sex", "race"])


def _smd_by_hand(values: pd.Series, groups: pd.Series, min_count: int) -> tuple[float, str]:
    stats = values.groupby(groups).agg(["count", "mean", "var"])
    stats = stats[stats["count"] >= max(min_count, 2)]
    best, pair = -np.inf, ""
    for a, b in itertools.permutations(stats.index, 2):
        pooled = np.sqrt((stats.loc[a, "var"] + stats.loc[b, "var"]) / 2)
        value = (stats.loc[a, "mean"] - stats.loc[b, "mean"]) / pooled
        if value > best:
            best, pair = value, f"{a} vs {b}"
    return best, pair


@pytest.mark.parametrize("attribute", ["sex", "race"])
def test_numeric_features_get_the_largest_smd_between_comparable_groups(checks, adult, attribute):
    table = checks.differences.query("attribute == @attribute and kind == 'numeric'")
    table = table.set_index("feature")
    numeric = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
    assert set(table.index) == set(numeric)
    for feature in numeric:
        value, pair = _smd_by_hand(adult[feature], adult[attribute], 30)
        assert table.loc[feature, "smd"] == pytest.approx(value)
        assert table.loc[feature, "groups"] == pair
    assert list(table["smd"]) == sorted(table["smd"], reverse=True)  # largest first


@pytest.mark.parametrize("attribute", ["sex", "race"])
def test_categorical_features_get_cramers_v_and_total_variation(checks, adult, attribute):
    table = checks.differences.query("attribute == @attribute and kind == 'categorical'")
    table = table.set_index("feature")
    for feature in ("workclass", "occupation", "relationship", "native_country"):
        column = adult[feature].fillna("<missing>")  # missing is a category of its own
        crosstab = pd.crosstab(adult[attribute], column)
        assert table.loc[feature, "cramers_v"] == pytest.approx(
            association(crosstab.to_numpy(), method="cramer", correction=False)
        )
        shares = pd.crosstab(adult[attribute], column, normalize="index")
        tvd = max(
            0.5 * (shares.loc[a] - shares.loc[b]).abs().sum()
            for a, b in itertools.combinations(shares.index, 2)
        )
        assert table.loc[feature, "tvd"] == pytest.approx(tvd)


def test_sensitive_columns_are_not_compared_with_themselves(checks):
    assert not set(checks.differences["feature"]) & {"sex", "race", "income"}


def test_small_groups_are_left_out_of_the_comparison():
    rng = np.random.default_rng(0)
    g = np.r_[["a"] * 200, ["b"] * 200, ["tiny"] * 5]
    x = np.r_[rng.normal(0, 1, 200), rng.normal(1, 1, 200), [50.0] * 5]
    checks = check_data(pd.DataFrame({"g": g, "x": x}), sensitive_features="g")
    row = checks.differences.set_index("feature").loc["x"]
    assert row["groups"] == "b vs a"  # "tiny" (5 rows < min_count) is not judged
    everything = check_data(
        pd.DataFrame({"g": g, "x": x}), sensitive_features="g", policy=Policy(min_count=2)
    )
    assert "tiny" in everything.differences.set_index("feature").loc["x", "groups"]
