import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from audit.adapters import SklearnAdapter, make_adapter
from audit.context import build_context


def test_logistic_regression_on_frame(biased):
    X = biased.X.drop(columns="group")
    model = LogisticRegression().fit(X, biased.y)
    ad = make_adapter(model)
    assert isinstance(ad, SklearnAdapter)
    assert ad.task == "binary" and ad.classes.tolist() == [0, 1]
    assert ad.input_features == list(X.columns)
    np.testing.assert_array_equal(ad.predict(X), model.predict(X))
    np.testing.assert_allclose(ad.predict_proba(X), model.predict_proba(X))
    targets = build_context(model, X, biased.y).targets  # the one positive-class score
    np.testing.assert_allclose(targets.score, model.predict_proba(X)[:, 1])
    assert not hasattr(ad, "score")
    np.testing.assert_allclose(ad.decision_function(X), model.decision_function(X))
    params = ad.parameters()
    np.testing.assert_array_equal(params["coef_"], model.coef_)
    np.testing.assert_array_equal(params["intercept_"], model.intercept_)
    assert ad.n_parameters == model.coef_.size + model.intercept_.size
    assert ad.hyperparameters()["C"] == 1.0
    t = ad.transform(X)
    assert t.feature_names == list(X.columns) == t.sources


def test_extra_columns_are_ignored_and_order_follows_training(biased):
    X = biased.X.drop(columns="group")
    model = LogisticRegression().fit(X, biased.y)
    shuffled = biased.X[["group", *reversed(X.columns)]]
    np.testing.assert_array_equal(make_adapter(model).predict(shuffled), model.predict(X))


def test_regressor_on_numpy(rng):
    X = rng.normal(size=(50, 3))
    model = LinearRegression().fit(X, X @ [1.0, 2.0, 3.0])
    ad = make_adapter(model)
    assert ad.task == "regression" and ad.classes is None and ad.input_features is None
    assert ad.predict_proba(pd.DataFrame(X)) is None
    np.testing.assert_allclose(ad.predict(pd.DataFrame(X)), model.predict(X))


def test_multiclass(rng):
    X = pd.DataFrame(rng.normal(size=(90, 2)), columns=["a", "b"])
    y = np.repeat(["x", "y", "z"], 30)
    ad = make_adapter(LogisticRegression().fit(X, y))
    assert ad.task == "multiclass" and ad.classes.tolist() == ["x", "y", "z"]
    assert build_context(ad, X, y).targets.score is None


@pytest.mark.parametrize("name", ["my model"])
def test_display_name(biased, name):
    model = LogisticRegression().fit(biased.X[["x0"]], biased.y)
    assert make_adapter(model, name=name).name == name
