"""Permutation importance equals sklearn's under the same seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.inspection import permutation_importance as sk_permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from audit.importance import permutation_importance


def test_equals_sklearn_on_a_pipeline(adult_pipeline):
    model, X, y = adult_pipeline
    ours = permutation_importance(model, X, y, n_repeats=3, random_state=4)
    theirs = sk_permutation_importance(model, X, y, scoring="accuracy", n_repeats=3, random_state=4)
    np.testing.assert_allclose(ours.importances, theirs.importances, rtol=0, atol=0)
    assert list(ours.table.index) == list(X.columns)
    np.testing.assert_allclose(ours.table["mean"], theirs.importances_mean)
    np.testing.assert_allclose(ours.table["std"], theirs.importances_std)
    baseline = accuracy_score(y, model.predict(X))
    assert ours.baseline_score == baseline
    np.testing.assert_allclose(ours.table["pct_of_score"], 100 * theirs.importances_mean / baseline)


def test_weights_and_row_budget(biased):
    X = biased.X.drop(columns=["group"])
    model = LogisticRegression().fit(X, biased.y)
    w = np.linspace(0.5, 2, len(X))
    ours = permutation_importance(model, X, biased.y, sample_weight=w, max_rows=None)
    theirs = sk_permutation_importance(
        model, X, biased.y, scoring="accuracy", n_repeats=5, random_state=0, sample_weight=w
    )
    np.testing.assert_allclose(ours.importances, theirs.importances)
    small = permutation_importance(model, X, biased.y, max_rows=500)
    assert small.n_rows == 500


def test_torch_module_is_scored_by_accuracy(rng):
    X = pd.DataFrame(rng.standard_normal((200, 3)).astype(np.float32), columns=["a", "b", "c"])
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 1)
    with torch.no_grad():
        net.weight[:] = torch.tensor([[4.0, 0.0, 0.5]])
        net.bias.zero_()
    y = (X["a"] > 0).astype(int).to_numpy()
    result = permutation_importance(net, X, y, n_repeats=3)
    assert result.scoring == "accuracy"
    assert result.table["mean"].idxmax() == "a"
    assert result.table.loc["b", "mean"] == 0.0  # a zero weight: shuffling changes nothing
