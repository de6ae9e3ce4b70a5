"""LightGBM and XGBoost models (skipped when those libraries are not installed)."""

from __future__ import annotations

import numpy as np
import pytest

from audit.weights import analyze_weights


def _numeric(data):
    return data.X.drop(columns="group")


def test_lightgbm_split_counts_and_leaves(dominant):
    lgb = pytest.importorskip("lightgbm")
    X = _numeric(dominant)
    model = lgb.LGBMClassifier(n_estimators=5, num_leaves=7, verbose=-1).fit(X, dominant.y)
    result = analyze_weights(model, X)
    booster = model.booster_
    np.testing.assert_array_equal(
        result.trees["split_count"], booster.feature_importance(importance_type="split")
    )
    gain = booster.feature_importance(importance_type="gain")
    np.testing.assert_allclose(result.trees["importance"], gain / gain.sum())
    leaves = [t["num_leaves"] for t in booster.dump_model()["tree_info"]]
    assert result.tree_structure["n_leaves"] == sum(leaves)
    assert result.tree_structure["family"] == "lightgbm"


def test_xgboost_split_counts_and_leaves(dominant):
    xgb = pytest.importorskip("xgboost")
    X = _numeric(dominant)
    model = xgb.XGBClassifier(n_estimators=5, max_depth=3).fit(X, dominant.y)
    result = analyze_weights(model, X)
    nodes = model.get_booster().trees_to_dataframe()
    splits = nodes[nodes["Feature"] != "Leaf"]["Feature"].value_counts()
    expected = [int(splits.get(c, 0)) for c in X.columns]
    np.testing.assert_array_equal(result.trees["split_count"], expected)
    assert result.tree_structure["n_leaves"] == int((nodes["Feature"] == "Leaf").sum())
    assert result.tree_structure["depth_max"] == 3
    assert result.tree_structure["family"] == "xgboost"
