"""TreeExplainer attributions equal shap's own for the same model and rows."""

from __future__ import annotations

import numpy as np
import pytest
import shap
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)

from audit.attributions import explain


@pytest.fixture(scope="module")
def data(biased):
    X = biased.X.drop(columns=["group"]).iloc[:400]
    return X, biased.y.iloc[:400], biased.X["group"].iloc[:400]


@pytest.mark.parametrize(
    "model",
    [
        HistGradientBoostingClassifier(max_iter=20, random_state=0),
        GradientBoostingClassifier(n_estimators=20, random_state=0),
        RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0),
    ],
    ids=lambda m: type(m).__name__,
)
def test_tree_classifier_matches_shap(data, model):
    X, y, group = data
    model.fit(X, y)
    result = explain(model, X, sensitive_features=group, max_rows=150, random_state=1)
    assert result.explainer == "tree"
    rows = X.to_numpy(dtype=float)[result.row_positions]
    expected = np.asarray(shap.TreeExplainer(model).shap_values(rows))
    expected_base = np.asarray(shap.TreeExplainer(model).expected_value).reshape(-1)
    if expected.ndim == 3:  # probability of each class: ours is the positive class
        expected, expected_base = expected[:, :, 1], expected_base[1:]
    assert result.feature_names == tuple(X.columns)
    np.testing.assert_allclose(result.values[:, :, 0], expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(result.base_values[:, 0], expected_base[0], rtol=1e-6, atol=1e-6)


def test_tree_regressor_matches_shap(data):
    X, _, group = data
    target = X["x0"] * 2 + X["proxy"]
    model = RandomForestRegressor(n_estimators=10, max_depth=4, random_state=0).fit(X, target)
    result = explain(model, X, sensitive_features=group)
    expected = shap.TreeExplainer(model).shap_values(X.to_numpy(dtype=float))
    assert result.output_space == "prediction"
    np.testing.assert_allclose(result.values[:, :, 0], expected, rtol=1e-6, atol=1e-6)


def test_multiclass_hgb_has_one_output_per_class(data):
    X, _, group = data
    labels = np.digitize(X["x0"], [-0.5, 0.5])
    model = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, labels)
    result = explain(model, X, sensitive_features=group)
    expected = np.asarray(shap.TreeExplainer(model).shap_values(X.to_numpy(dtype=float)))
    assert result.output_names == ("0", "1", "2")
    np.testing.assert_allclose(result.values, expected, rtol=1e-6, atol=1e-6)
