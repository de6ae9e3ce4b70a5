"""The explained rows are a stratified sample: every group present, sizes reported."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit._inputs import BAD_POSITIVE_INT
from audit.attributions import explain, stratified_sample
from audit.errors import DataValidationError


def test_small_groups_are_all_represented():
    groups = pd.DataFrame({"g": ["a"] * 950 + ["b"] * 45 + ["c"] * 5})
    sample = stratified_sample(groups, 1000, max_rows=100, random_state=0)
    assert len(sample.positions) == 100
    picked = groups["g"].iloc[sample.positions].value_counts()
    assert picked["c"] == 5 and picked["b"] >= 30
    sizes = sample.sizes.set_index("group")
    assert sizes["n_rows"].to_dict() == {"a": 950, "b": 45, "c": 5}
    assert sizes["n_explained"].to_dict() == picked.to_dict()
    assert np.isclose(sample.weights.sum(), 1000)  # weights restore population totals


def test_sample_is_deterministic_and_sorted():
    groups = pd.DataFrame({"g": np.repeat(["x", "y"], 500), "h": np.tile(["u", "v"], 500)})
    a = stratified_sample(groups, 1000, max_rows=50, random_state=7)
    b = stratified_sample(groups, 1000, max_rows=50, random_state=7)
    np.testing.assert_array_equal(a.positions, b.positions)
    assert np.all(np.diff(a.positions) > 0)
    assert set(map(tuple, groups.iloc[a.positions].to_numpy())) == {
        ("x", "u"),
        ("x", "v"),
        ("y", "u"),
        ("y", "v"),
    }


def test_everything_kept_under_budget_and_bad_budget_rejected():
    sample = stratified_sample(None, 10, max_rows=20)
    np.testing.assert_array_equal(sample.positions, np.arange(10))
    assert sample.sizes.to_dict(orient="records") == [
        {"attribute": "(all)", "group": "(all)", "n_rows": 10, "n_explained": 10}
    ]
    with pytest.raises(DataValidationError) as info:
        stratified_sample(None, 10, max_rows=0)
    assert str(info.value) == BAD_POSITIVE_INT.format(name="max_rows", value=0)


def test_explain_reports_group_sample_sizes(biased):
    from sklearn.linear_model import LogisticRegression

    X = biased.X.drop(columns=["group"])
    model = LogisticRegression().fit(X, biased.y)
    result = explain(model, X, sensitive_features=biased.X["group"], max_rows=300)
    assert result.n_explained == 300 and result.n_rows == len(X)
    assert result.sample_sizes["n_explained"].sum() == 300
    assert set(result.groups["group"]) == {"A", "B"}
