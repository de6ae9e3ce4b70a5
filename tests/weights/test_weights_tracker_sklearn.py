"""WeightTracker with scikit-learn partial_fit and warm_start."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.tree import DecisionTreeClassifier

from audit.errors import UnsupportedModelError
from audit.weights import WeightTracker


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=list("abc"))
    y = (X["a"] + 0.3 * X["b"] > 0).astype(int)
    return X, y


def test_partial_fit_epochs(data):
    X, y = data
    tracker = WeightTracker(top_k=2)
    est = tracker.track_partial_fit(SGDClassifier(random_state=0), X, y, epochs=5, classes=[0, 1])
    history = tracker.to_frame()
    assert tracker.n_records == 5
    assert sorted(history["epoch"].unique()) == [1, 2, 3, 4, 5]
    assert set(history["layer"]) == {"coef_", "intercept_"}
    last = history[(history["epoch"] == 5) & (history["layer"] == "coef_")].iloc[0]
    assert last["mean"] == pytest.approx(est.coef_.mean())
    assert last["norm"] == pytest.approx(np.linalg.norm(est.coef_))
    top = tracker.result().top_weights
    assert list(top["final"]) == pytest.approx(
        sorted(np.concatenate([est.coef_.ravel(), est.intercept_]), key=abs, reverse=True)[:2]
    )
    json.dumps(tracker.result().to_dict())


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_warm_start_and_manual_records(data):
    X, y = data
    tracker = WeightTracker()
    est = LogisticRegression(warm_start=True, max_iter=1)
    tracker.track_partial_fit(est, X, y, epochs=3)
    assert tracker.n_records == 3
    norms = tracker.to_frame().query("layer == 'coef_'")["norm"].to_numpy()
    assert norms[-1] == pytest.approx(np.linalg.norm(est.coef_))


def test_estimator_without_incremental_training(data):
    X, y = data
    with pytest.raises(UnsupportedModelError, match="partial_fit"):
        WeightTracker().track_partial_fit(DecisionTreeClassifier(), X, y, epochs=2)
