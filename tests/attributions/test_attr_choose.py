"""Explainer choice: one probe per kind; "auto" takes the first that accepts and says why."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, PoissonRegressor
from sklearn.svm import SVC

from audit.adapters import make_adapter
from audit.attributions import choose_explainer, explain
from audit.attributions._choose import _CANNOT_USE, _UNKNOWN_EXPLAINER, EXPLAINERS
from audit.errors import DataValidationError


@pytest.fixture(scope="module")
def xy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 3))
    return X, (X[:, 0] > 0).astype(int)


def _choice(model, X):
    return choose_explainer(make_adapter(model), X[:8])


def test_linear_tree_and_torch_are_recognised(xy):
    X, y = xy
    assert _choice(LogisticRegression().fit(X, y), X).name == "linear"
    assert _choice(SVC(kernel="linear").fit(X, y), X).name == "linear"
    assert _choice(HistGradientBoostingRegressor(max_iter=5).fit(X, X[:, 0]), X).name == "tree"
    net = torch.nn.Sequential(torch.nn.Linear(3, 1))
    assert _choice(net, X).name == "deep"


def test_non_identity_link_and_multiclass_gb_fall_back_to_permutation(xy):
    X, _ = xy
    poisson = PoissonRegressor().fit(X, np.exp(X[:, 0]))
    choice = _choice(poisson, X)
    assert choice.name == "permutation"
    assert "linear: PoissonRegressor's output is not X @ coef_.T + intercept_" in choice.reason
    labels = np.digitize(X[:, 0], [-0.5, 0.5])
    gb = GradientBoostingClassifier(n_estimators=5).fit(X, labels)
    choice = _choice(gb, X)
    assert choice.name == "permutation"
    assert "binary tasks only" in choice.reason
    result = explain(gb, X, max_rows=3, background_size=10)
    assert result.explainer == "permutation"
    assert result.reason == choice.reason


def test_unknown_and_unsuitable_explainers_are_rejected(xy):
    X, y = xy
    adapter = make_adapter(LogisticRegression().fit(X, y))
    with pytest.raises(DataValidationError) as info:
        choose_explainer(adapter, X[:8], explainer="kernel")
    assert str(info.value) == _UNKNOWN_EXPLAINER.format(
        allowed=", ".join(map(repr, EXPLAINERS)), got="kernel"
    )
    with pytest.raises(DataValidationError) as info:
        choose_explainer(adapter, X[:8], explainer="tree")
    assert str(info.value) == _CANNOT_USE.format(
        name="tree", why="LogisticRegression is not a tree ensemble shap can read"
    )
