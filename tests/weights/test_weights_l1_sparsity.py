"""Exact zeros from L1 regularisation and coefficient signs are reported."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import Lasso, LogisticRegression

from audit.weights import analyze_weights


def test_lasso_zeros_and_signs():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 6)), columns=[f"f{i}" for i in range(6)])
    y = 3 * X["f0"] - 2 * X["f1"] + rng.normal(0, 0.1, 300)
    model = Lasso(alpha=0.1).fit(X, y)
    result = analyze_weights(model, X)
    table = result.coefficients
    np.testing.assert_array_equal(table["is_zero"], model.coef_ == 0)
    np.testing.assert_array_equal(table["sign"], np.sign(model.coef_).astype(int))
    assert table["is_zero"].sum() >= 3
    assert list(table.loc[~table["is_zero"], "feature"][:2]) == ["f0", "f1"]
    assert result.summary["n_zero"] == int((model.coef_ == 0).sum())
    assert result.complexity["n_features_used"] == int((model.coef_ != 0).sum())


def test_l1_logistic_zeros():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(400, 8)), columns=[f"f{i}" for i in range(8)])
    y = (X["f0"] + 0.5 * X["f3"] + rng.normal(0, 0.3, 400) > 0).astype(int)
    model = LogisticRegression(l1_ratio=1.0, solver="liblinear", C=0.05).fit(X, y)
    table = analyze_weights(model, X).coefficients
    np.testing.assert_array_equal(table["is_zero"], model.coef_[0] == 0)
    assert table["is_zero"].any()
