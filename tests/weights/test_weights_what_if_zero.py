"""Zeroing a feature's weights changes exactly the predictions numpy says it should."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from audit.weights import ZeroFeature, what_if


@pytest.fixture(scope="module")
def fitted(request):
    from audit.datasets import make_biased_classification

    data = make_biased_classification(800, weights=[2.0, 1.0, 0.5, 0.5], random_state=3)
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    pre = ColumnTransformer(
        [
            ("cat", OneHotEncoder(), ["group"]),
            ("num", StandardScaler(), ["proxy", "x0", "x1", "x2", "x3", "noise"]),
        ]
    )
    model = Pipeline([("pre", pre), ("lr", LogisticRegression())]).fit(data.X, data.y)
    return model, data


def _manual(model, X, zero_columns):
    matrix = model[:-1].transform(X)
    coef = model[-1].coef_[0].copy()
    coef[zero_columns] = 0.0
    decision = matrix @ coef + model[-1].intercept_[0]
    return model[-1].classes_[(decision > 0).astype(int)]


@pytest.mark.parametrize(("feature", "columns"), [("x1", [4]), ("group", [0, 1])])
def test_changed_predictions_match_numpy(fitted, feature, columns):
    model, data = fitted
    coef_before = model[-1].coef_.copy()
    result = what_if(model, data.X, data.y, edits=[ZeroFeature(feature)])
    expected = _manual(model, data.X, columns)
    original = model.predict(data.X)
    np.testing.assert_array_equal(result.modified_predictions, expected)
    np.testing.assert_array_equal(result.changed, expected != original)
    assert result.n_changed == int((expected != original).sum())
    assert result.n_changed > 0
    assert result.n_values_edited == len(columns)
    # the user's model is untouched; the edited copy is a different object
    np.testing.assert_array_equal(model[-1].coef_, coef_before)
    np.testing.assert_array_equal(model.predict(data.X), original)
    assert result.model is not model
    assert np.all(result.model[-1].coef_[0, columns] == 0)


def test_metric_table_matches_sklearn(fitted):
    from sklearn.metrics import accuracy_score, precision_score, recall_score

    model, data = fitted
    result = what_if(model, data.X, data.y, edits=[ZeroFeature("x0")])
    table = result.table.set_index("metric")
    for name, fn in (
        ("accuracy", accuracy_score),
        ("precision", precision_score),
        ("recall", recall_score),
    ):
        assert table.loc[name, "original"] == pytest.approx(fn(data.y, model.predict(data.X)))
        assert table.loc[name, "modified"] == pytest.approx(fn(data.y, result.modified_predictions))
        assert table.loc[name, "difference"] == pytest.approx(
            table.loc[name, "modified"] - table.loc[name, "original"]
        )
    assert table.loc["accuracy", "difference"] < 0
