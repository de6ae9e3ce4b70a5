"""Multiclass models flip labels; regression models and many-valued attributes do not apply."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

import audit
from audit.counterfactual import flip_test
from audit.errors import DataValidationError


@pytest.fixture(scope="module")
def numeric_sex(data):
    X, _ = data
    return X.assign(male=(X["sex"] == "male").astype(int))


def test_multiclass_flips_are_label_changes(numeric_sex):
    X = numeric_sex
    rng = np.random.default_rng(0)
    label = np.select([X["x0"] + X["male"] > 1, X["x0"] + X["male"] > 0], ["high", "mid"], "low")
    label = np.where(rng.random(len(X)) < 0.1, "low", label)
    model = LogisticRegression(max_iter=1000).fit(X[["male", "x0", "x1"]], label)
    result = flip_test(model, X, sensitive_features=X["male"].rename("male"))
    inputs = X[["male", "x0", "x1"]]
    moved = inputs.assign(male=1 - inputs["male"])
    flipped = pd.Series(model.predict(inputs) != model.predict(moved))
    flipped = flipped.groupby(X["male"].to_numpy())
    table = result.directions.query("variant == 'direct'").set_index("from_group")
    for group, rate in flipped.mean().items():
        assert table.loc[str(group), "flip_rate"] == pytest.approx(rate)
    assert table["score_change"].isna().all() and table["to_positive"].isna().all()


def test_regression_is_refused_by_the_function_and_skipped_by_the_audit(numeric_sex, data):
    X = numeric_sex
    _, y = data
    model = LinearRegression().fit(X[["male", "x0"]], X["x1"] + y)
    with pytest.raises(DataValidationError, match="needs a classifier"):
        flip_test(model, X, sensitive_features="male")
    report = audit.audit_model(
        model, X, X["x1"] + y, sensitive_features="male", analyzers=["flip"], n_boot=0
    )
    assert report.outputs["flip"].status == "skipped"
    assert "regression" in report.outputs["flip"].reason


def test_an_attribute_with_too_many_values_is_not_flipped(numeric_sex):
    X = numeric_sex.assign(age=np.arange(len(numeric_sex)) % 40 + 20)
    model = LogisticRegression(max_iter=1000).fit(X[["age", "x0"]], X["male"])
    result = flip_test(model, X, sensitive_features="age", max_values=10)
    note = result.attributes.set_index("attribute").loc["age", "note"]
    assert "40 distinct values (more than max_values=10)" in note
    assert result.directions.empty and result.rows_predicted == 0
    assert result.facts()["flip_rate.max"].value is None


def test_no_sensitive_features_skip(data):
    X, y = data
    model = LogisticRegression().fit(X[["x0"]], y)
    report = audit.audit_model(model, X[["x0"]], y, analyzers=["flip"], n_boot=0)
    assert report.outputs["flip"].status == "skipped"
