"""Complexity beside interpretability (Table 8), by the documented rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from audit.weights import LINEAR_HIGH_MAX_NONZERO, TREE_HIGH_MAX_DEPTH, analyze_weights


@pytest.fixture(scope="module")
def wide():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 30)), columns=[f"f{i}" for i in range(30)])
    y = (X.sum(axis=1) > 0).astype(int)
    return X, y


def test_linear_levels(wide):
    X, y = wide
    small = analyze_weights(LogisticRegression().fit(X.iloc[:, :5], y), X.iloc[:, :5])
    big = analyze_weights(LogisticRegression().fit(X, y), X)
    assert small.complexity["interpretability"] == "high"
    assert big.complexity["interpretability"] == "medium"
    assert big.complexity["n_parameters"] == 31
    assert big.complexity["n_nonzero"] == 31
    assert str(LINEAR_HIGH_MAX_NONZERO) in big.complexity["interpretability_reason"]
    assert big.complexity["hyperparameters"]["C"] == 1.0


def test_tree_levels(wide):
    X, y = wide
    shallow = DecisionTreeClassifier(max_depth=TREE_HIGH_MAX_DEPTH, random_state=0).fit(X, y)
    deep = DecisionTreeClassifier(random_state=0).fit(X, y)
    forest = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
    assert analyze_weights(shallow, X).complexity["interpretability"] == "high"
    deep_c = analyze_weights(deep, X).complexity
    assert deep_c["interpretability"] == "medium"
    assert deep_c["depth"] == deep.get_depth()
    assert deep_c["n_parameters"] == deep.tree_.node_count
    assert deep_c["n_leaves"] == deep.get_n_leaves()
    forest_c = analyze_weights(forest, X).complexity
    assert forest_c["interpretability"] == "medium"
    assert forest_c["n_trees"] == 5
    assert forest_c["hyperparameters"]["n_estimators"] == 5
