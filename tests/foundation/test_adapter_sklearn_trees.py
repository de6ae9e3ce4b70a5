import numpy as np
from sklearn.ensemble import GradientBoostingClassifier, RandomForestRegressor

from audit.adapters import make_adapter


def test_gradient_boosting_classifier(biased):
    X = biased.X.drop(columns="group")
    model = GradientBoostingClassifier(n_estimators=20, random_state=0).fit(X, biased.y)
    ad = make_adapter(model)
    assert ad.task == "binary"
    np.testing.assert_allclose(ad.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(
        ad.parameters()["feature_importances_"], model.feature_importances_
    )


def test_random_forest_regressor(biased):
    X = biased.X.drop(columns="group")
    y = X["x0"] * 2
    model = RandomForestRegressor(n_estimators=5, random_state=0).fit(X, y)
    ad = make_adapter(model)
    assert ad.task == "regression"
    np.testing.assert_allclose(ad.predict(X), model.predict(X))
    assert "feature_importances_" in ad.parameters()
    assert ad.hyperparameters()["n_estimators"] == 5
