"""Tree models: importances, split counts, depth and leaves against the fitted trees."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.tree import DecisionTreeClassifier

from audit.weights import analyze_weights


def _numeric(data):
    return data.X.drop(columns="group")


def test_decision_tree_matches_tree_arrays(dominant):
    X = _numeric(dominant)
    model = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, dominant.y)
    result = analyze_weights(model, X)
    feats = model.tree_.feature
    np.testing.assert_array_equal(
        result.trees["split_count"], np.bincount(feats[feats >= 0], minlength=X.shape[1])
    )
    np.testing.assert_allclose(result.trees["importance"], model.feature_importances_)
    assert result.tree_structure["depth_max"] == model.get_depth()
    assert result.tree_structure["leaves_max"] == model.get_n_leaves()
    assert result.tree_structure["n_trees"] == 1
    assert result.tree_structure["importance_kind"] == "impurity"
    assert result.summary["of"] == "feature_importances"
    assert result.complexity["interpretability"] == "high"


def test_random_forest_per_tree_depth_and_leaves(dominant):
    X = _numeric(dominant)
    model = RandomForestClassifier(n_estimators=15, max_depth=6, random_state=0)
    model.fit(X, dominant.y)
    structure = analyze_weights(model, X).tree_structure
    depths = [t.get_depth() for t in model.estimators_]
    leaves = [t.get_n_leaves() for t in model.estimators_]
    assert structure["depth_mean"] == pytest.approx(np.mean(depths))
    assert structure["depth_max"] == max(depths)
    assert structure["leaves_mean"] == pytest.approx(np.mean(leaves))
    assert structure["n_leaves"] == sum(leaves)
    assert structure["n_trees"] == 15


def test_extra_trees_and_gradient_boosting_split_counts(dominant):
    X = _numeric(dominant)
    for model in (
        ExtraTreesRegressor(n_estimators=5, max_depth=3, random_state=0),
        GradientBoostingClassifier(n_estimators=8, max_depth=2, random_state=0),
    ):
        model.fit(X, dominant.y)
        trees = np.asarray(model.estimators_, dtype=object).ravel()
        expected = sum(
            np.bincount(t.tree_.feature[t.tree_.feature >= 0], minlength=X.shape[1]) for t in trees
        )
        result = analyze_weights(model, X)
        np.testing.assert_array_equal(result.trees["split_count"], expected)
        np.testing.assert_allclose(result.trees["importance"], model.feature_importances_)
        assert result.complexity["interpretability"] == "medium"


def test_hist_gradient_boosting_derives_split_counts_and_gain(dominant):
    X = _numeric(dominant)
    model = HistGradientBoostingClassifier(max_iter=6, max_depth=3, random_state=0)
    model.fit(X, dominant.y)
    result = analyze_weights(model, X)
    predictors = [p for stage in model._predictors for p in stage]
    internal = sum(p.get_n_leaf_nodes() - 1 for p in predictors)
    assert result.trees["split_count"].sum() == internal
    assert result.tree_structure["depth_max"] == max(p.get_max_depth() for p in predictors)
    assert result.tree_structure["n_leaves"] == sum(p.get_n_leaf_nodes() for p in predictors)
    assert result.tree_structure["importance_kind"] == "split_gain"
    assert "no feature_importances_" in result.tree_structure["note"]
    assert result.notes == (result.tree_structure["note"],)
    assert result.trees["share"].sum() == pytest.approx(1.0)
    assert result.by_source["source"].iloc[0] == "x0"


def test_hist_gradient_boosting_native_categories_map_back():
    # HistGradientBoosting's internal preprocessor moves categorical columns first; the
    # counts must follow the column names, not the internal order.
    rng = np.random.default_rng(0)
    n = 600
    cat = rng.choice(["u", "v", "w"], n)
    X = pd.DataFrame({"a": rng.normal(size=n), "c": pd.Categorical(cat), "b": rng.normal(size=n)})
    y = (cat == "u").astype(int)
    model = HistGradientBoostingClassifier(
        max_iter=3, max_depth=2, categorical_features="from_dtype", random_state=0
    ).fit(X, y)
    trees = analyze_weights(model, X).trees.set_index("feature")
    assert list(trees.index) == ["a", "c", "b"]
    assert trees["share"].idxmax() == "c"
    assert trees.loc["c", "share"] > 0.9
