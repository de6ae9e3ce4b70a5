"""Standardized coefficients equal coef × std of the column the model sees."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import (
    ElasticNet,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.svm import LinearSVC

from audit.weights import analyze_weights


def _target(frame, kind):
    noise = np.random.default_rng(1).normal(0, 0.5, len(frame))
    score = frame["a"] + 0.05 * frame["b"] + 80 * frame["c"] + 0.002 * frame["d"] + noise
    if kind == "regression":
        return score
    return (score > np.median(score)).astype(int)


@pytest.mark.parametrize(
    ("estimator", "kind"),
    [
        (LogisticRegression(max_iter=2000), "binary"),
        (LinearSVC(), "binary"),
        (SGDClassifier(random_state=0), "binary"),
        (LinearRegression(), "regression"),
        (Ridge(alpha=0.5), "regression"),
        (Lasso(alpha=0.01), "regression"),
        (ElasticNet(alpha=0.01), "regression"),
        (SGDRegressor(random_state=0), "regression"),
    ],
    ids=lambda p: type(p).__name__ if not isinstance(p, str) else p,
)
def test_plain_estimator_matches_numpy(numeric_frame, estimator, kind):
    y = _target(numeric_frame, kind)
    model = estimator.fit(numeric_frame, y)
    result = analyze_weights(model, numeric_frame)
    table = result.coefficients
    coef = np.ravel(model.coef_)
    std = numeric_frame.to_numpy().std(axis=0)
    np.testing.assert_allclose(table["coef"], coef)
    np.testing.assert_allclose(table["std"], std)
    np.testing.assert_allclose(table["standardized"], coef * std)
    np.testing.assert_allclose(table["abs_share"], np.abs(coef * std) / np.abs(coef * std).sum())
    assert list(table["feature"]) == list(numeric_frame.columns)
    assert result.intercepts == {
        table["class"].iloc[0]: pytest.approx(float(np.ravel(model.intercept_)[0]))
    }


def test_multiclass_rows_per_class(numeric_frame):
    score = numeric_frame["a"] + 0.1 * (numeric_frame["b"] - 50)
    y = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))
    model = LogisticRegression(max_iter=2000).fit(numeric_frame, y)
    table = analyze_weights(model, numeric_frame).coefficients
    assert list(table["class"].unique()) == ["0", "1", "2"]
    std = numeric_frame.to_numpy().std(axis=0)
    np.testing.assert_allclose(
        table["standardized"].to_numpy().reshape(3, 4), model.coef_ * std[None, :]
    )
    for _, part in table.groupby("class"):
        assert part["abs_share"].sum() == pytest.approx(1.0)


def test_rescaling_a_column_leaves_standardized_unchanged(numeric_frame):
    y = _target(numeric_frame, "regression")
    base = analyze_weights(LinearRegression().fit(numeric_frame, y), numeric_frame)
    scaled_frame = numeric_frame.assign(a=numeric_frame["a"] * 1000)
    scaled = analyze_weights(LinearRegression().fit(scaled_frame, y), scaled_frame)
    assert scaled.coefficients["coef"].iloc[0] == pytest.approx(
        base.coefficients["coef"].iloc[0] / 1000, rel=1e-6
    )
    np.testing.assert_allclose(
        scaled.coefficients["standardized"], base.coefficients["standardized"], rtol=1e-6
    )


def test_pipeline_with_onehot_matches_manual_scaler(dominant, onehot_pipeline):
    X, y = dominant.X, dominant.y
    train, audit_rows = X.iloc[:1000], X.iloc[1000:]
    model = onehot_pipeline(LogisticRegression()).fit(train, y.iloc[:1000])
    table = analyze_weights(model, audit_rows).coefficients
    scaler = model.named_steps["pre"].named_transformers_["num"]
    numeric = ["proxy", "x0", "x1", "x2", "x3", "noise"]
    manual_num = ((audit_rows[numeric] - scaler.mean_) / scaler.scale_).to_numpy().std(axis=0)
    share_a = (audit_rows["group"] == "A").mean()
    manual_cat = np.sqrt(share_a * (1 - share_a))
    expected_std = np.concatenate([[manual_cat, manual_cat], manual_num])
    np.testing.assert_allclose(table["std"], expected_std, rtol=1e-10)
    coef = model.named_steps["model"].coef_[0]
    np.testing.assert_allclose(table["standardized"], coef * expected_std, rtol=1e-10)
    assert list(table["source"]) == ["group", "group", *numeric]
    assert list(table["feature"][:2]) == ["cat__group_A", "cat__group_B"]


def test_weighted_std_with_sample_weight(numeric_frame):
    y = _target(numeric_frame, "regression")
    model = LinearRegression().fit(numeric_frame, y)
    w = np.linspace(0.1, 2.0, len(numeric_frame))
    table = analyze_weights(model, numeric_frame, sample_weight=w).coefficients
    arr = numeric_frame.to_numpy()
    mean = np.average(arr, axis=0, weights=w)
    std = np.sqrt(np.average((arr - mean) ** 2, axis=0, weights=w))
    np.testing.assert_allclose(table["std"], std)
