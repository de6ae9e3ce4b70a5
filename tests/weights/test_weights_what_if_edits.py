"""Each what-if edit does what it says, on sklearn and torch, and bad edits are refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression

from audit.errors import DataValidationError, UnknownColumnError, UnsupportedModelError
from audit.weights import AddNoise, PruneSmallest, ScaleFeature, ScaleLayer, ZeroFeature, what_if

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 5)), columns=list("abcde"))
    y = (X["a"] - X["b"] + 0.5 * X["c"] + rng.normal(0, 0.5, 300) > 0).astype(int)
    return X, y


def test_scale_prune_and_noise_on_sklearn(data):
    X, y = data
    model = LogisticRegression().fit(X, y)
    coef = model.coef_[0].copy()
    scaled = what_if(model, X, y, edits=[ScaleFeature("a", 2.0), ScaleLayer("intercept_", 0.0)])
    assert scaled.model.coef_[0][0] == pytest.approx(2 * coef[0])
    assert scaled.model.intercept_[0] == 0.0
    pruned = what_if(model, X, y, edits=[PruneSmallest(0.4)])
    assert pruned.n_values_edited == 2
    smallest = np.argsort(np.abs(coef))[:2]
    assert np.all(pruned.model.coef_[0][smallest] == 0)
    assert np.count_nonzero(pruned.model.coef_) == 3
    noisy_a = what_if(model, X, y, edits=[AddNoise(std=0.1, random_state=5)])
    noisy_b = what_if(model, X, y, edits=[{"op": "add_noise", "std": 0.1, "random_state": 5}])
    expected = coef + np.random.default_rng(5).normal(0, 0.1, size=(1, 5))[0]
    np.testing.assert_allclose(noisy_a.model.coef_[0], expected)
    np.testing.assert_array_equal(noisy_a.model.coef_, noisy_b.model.coef_)
    np.testing.assert_array_equal(model.coef_[0], coef)


def test_regression_metrics(data):
    X, _ = data
    y = X["a"] * 2 + X["b"]
    model = LinearRegression().fit(X, y)
    result = what_if(model, X, y, edits=[{"op": "zero_feature", "feature": "b"}])
    table = result.table.set_index("metric")
    assert list(table.index) == ["r2", "mae", "rmse"]
    assert table.loc["r2", "original"] == pytest.approx(1.0)
    assert table.loc["r2", "modified"] < 0.9


def test_torch_edits(data):
    X, y = data
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    zeroed = what_if(net, X, y, edits=[ZeroFeature("c")])
    assert torch.all(zeroed.model[0].weight[:, 2] == 0)
    assert zeroed.n_values_edited == 4
    halved = what_if(net, X, y, edits=[ScaleLayer("0.weight", 0.5)])
    torch.testing.assert_close(halved.model[0].weight, before["0.weight"] * 0.5)
    whole = what_if(net, X, y, edits=[ScaleLayer("2", 0.0)])
    assert whole.n_values_edited == 5
    assert np.all(whole.modified_predictions == 1)  # logit 0 -> p = 0.5 >= threshold
    pruned = what_if(net, X, y, edits=[PruneSmallest(0.5)])
    assert pruned.n_values_edited == 10 + 2
    for key, value in net.state_dict().items():
        assert torch.equal(value, before[key])


def test_refusals(data):
    X, y = data
    model = LogisticRegression().fit(X, y)
    with pytest.raises(UnknownColumnError, match="Unknown feature 'zz'"):
        what_if(model, X, y, edits=[ZeroFeature("zz")])
    with pytest.raises(UnknownColumnError, match="coef_"):
        what_if(model, X, y, edits=[ScaleLayer("layer1", 2.0)])
    with pytest.raises(DataValidationError, match="Unknown edit 'drop'"):
        what_if(model, X, y, edits=[{"op": "drop"}])
    with pytest.raises(DataValidationError, match="unexpected settings"):
        what_if(model, X, y, edits=[{"op": "zero_feature", "feature": "a", "factor": 2}])
    with pytest.raises(DataValidationError, match="at least one edit"):
        what_if(model, X, y, edits=[])
    with pytest.raises(DataValidationError, match="true labels"):
        what_if(model, X, None, edits=[ZeroFeature("a")])
    with pytest.raises(DataValidationError, match=r"\[0, 1\]"):
        PruneSmallest(1.5)
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    with pytest.raises(UnsupportedModelError, match="no weights to edit"):
        what_if(forest, X, y, edits=[ZeroFeature("a")])
