"""Linear SHAP equals the closed form w_j (x_ij - mean_j) and shap's LinearExplainer."""

from __future__ import annotations

import numpy as np
import shap
from sklearn.linear_model import LinearRegression, LogisticRegression

from audit.attributions import explain, linear_shap


def test_binary_logistic_is_closed_form_in_log_odds(biased):
    X = biased.X.drop(columns=["group"])
    model = LogisticRegression().fit(X, biased.y)
    result = explain(model, X, max_rows=10_000)
    matrix = X.to_numpy(dtype=float)
    closed = model.coef_[0] * (matrix - matrix.mean(axis=0))
    assert result.explainer == "linear"
    assert result.output_space == "log-odds"
    np.testing.assert_allclose(result.values[:, :, 0], closed, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        result.base_values[:, 0] + result.values.sum(axis=(1, 2)), model.decision_function(X)
    )


def test_binary_logistic_matches_shap_linear_explainer(biased):
    X = biased.X.drop(columns=["group"]).iloc[:500]
    model = LogisticRegression().fit(X, biased.y.iloc[:500])
    result = explain(model, X)
    matrix = X.to_numpy(dtype=float)
    reference = shap.LinearExplainer(model, shap.maskers.Independent(matrix, max_samples=500))
    np.testing.assert_allclose(
        result.values[:, :, 0], reference.shap_values(matrix), rtol=1e-6, atol=1e-6
    )
    np.testing.assert_allclose(result.base_values[0, 0], reference.expected_value, rtol=1e-6)


def test_regression_and_multiclass_closed_form(rng):
    X = rng.standard_normal((300, 3))
    reg = LinearRegression().fit(X, X @ [1.0, -2.0, 0.5] + 3)
    values, base = linear_shap(X, reg.coef_[:, None], np.array([reg.intercept_]), X.mean(axis=0))
    np.testing.assert_allclose(explain(reg, X).values, values, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(base, [reg.predict(X.mean(axis=0)[None])[0]])
    labels = np.digitize(X[:, 0], [-0.5, 0.5])
    clf = LogisticRegression().fit(X, labels)
    result = explain(clf, X)
    closed = (X - X.mean(axis=0))[:, :, None] * clf.coef_.T[None]
    assert result.output_space == "logits"
    np.testing.assert_allclose(result.values, closed, rtol=1e-10, atol=1e-12)
