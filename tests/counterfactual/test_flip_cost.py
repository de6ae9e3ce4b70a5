"""The flip test costs at most 2 x (k - 1) predictions of the data, in one batch per value.

A real logistic regression that counts the rows and calls it is asked to predict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from audit.counterfactual import flip_test


class CountingPipeline(Pipeline):
    """A fitted pipeline that counts the rows of every prediction call."""

    rows = 0
    calls = 0

    def _count(self, X):  # type: ignore[no-untyped-def]
        type(self).rows += len(X)
        type(self).calls += 1

    def predict(self, X, **params):  # type: ignore[no-untyped-def]
        self._count(X)
        return super().predict(X, **params)

    def predict_proba(self, X, **params):  # type: ignore[no-untyped-def]
        self._count(X)
        return super().predict_proba(X, **params)


@pytest.fixture(scope="module")
def three_regions():
    """``region`` (3 values) is a model input; ``office`` is its perfect proxy, also an input."""
    rng = np.random.default_rng(5)
    n = 1500
    region = rng.choice(["east", "north", "south"], n, p=[0.2, 0.3, 0.5])
    office = pd.Series(region).map({"east": "E1", "north": "N1", "south": "S1"}).to_numpy()
    x = rng.standard_normal(n)
    y = (x + (region == "south") + rng.standard_normal(n) > 0.5).astype(int)
    X = pd.DataFrame({"region": region, "office": office, "x": x})
    pre = ColumnTransformer(
        [
            ("cat", OneHotEncoder(sparse_output=False), ["region", "office"]),
            ("num", "passthrough", ["x"]),
        ]
    )
    model = CountingPipeline([("pre", pre), ("lr", LogisticRegression(max_iter=1000))])
    return model.fit(X, y), X, pd.Series(y)


def test_rows_and_calls_stay_within_the_bound(three_regions):
    model, X, _ = three_regions
    CountingPipeline.rows = CountingPipeline.calls = 0
    result = flip_test(model, X, sensitive_features="region", proxies={"region": ["office"]})
    k, n = 3, len(X)
    context_rows = 2 * n  # the audit's own predict + predict_proba on the data
    assert result.rows_predicted == 2 * (k - 1) * n  # both variants, every row to every other value
    assert CountingPipeline.rows == context_rows + result.rows_predicted
    assert result.labels_from_proba  # predict is the argmax: one call per batch
    assert result.model_calls == 2 * k  # one batch per (target value, variant)
    assert CountingPipeline.calls == 2 + result.model_calls
    assert set(result.directions["variant"]) == {"direct", "proxy"}
    assert len(result.directions) == 2 * k * (k - 1)
