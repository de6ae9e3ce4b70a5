"""Threshold trade-offs equal fairlearn's ThresholdOptimizer on the same data.

A real Pipeline (scaler + one-hot + LogisticRegression) on Adult, groups by sex
and by race (the five races, none degenerate), and a 3-group synthetic scorer.
fairlearn's ``ThresholdOptimizer(prefit=True, predict_method="predict_proba")``
searches the common rate (selection rate, TPR, or for equalized odds the FPR)
on a grid of ``grid_size + 1`` points; we search that grid and every group's
hull vertices. So the searched rate agrees within one grid step, the other
rates within what one step moves them (a steep ROC moves the TPR of equalized
odds by several steps), and our accuracy is never below fairlearn's (and
within a grid step's worth of it). fairlearn's
expected rates come from its per-row selection probabilities (``_pmf_predict``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.postprocessing import ThresholdOptimizer
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from audit.thresholds import CONSTRAINTS, threshold_tradeoffs

GRID = 1000
STEP = 1.5 / GRID
SEARCHED = {
    "demographic_parity": ("selection_rate",),
    "true_positive_rate_parity": ("tpr",),
    "equalized_odds": ("fpr",),
}
EQUALIZED = {**SEARCHED, "equalized_odds": ("tpr", "fpr")}


class ScoreColumn(ClassifierMixin, BaseEstimator):
    """A fitted 'model' whose probability is the first column of X (a given scorer)."""

    def fit(self, X, y):  # type: ignore[no-untyped-def]
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):  # type: ignore[no-untyped-def]
        s = np.asarray(X, dtype=float)[:, 0]
        return np.c_[1 - s, s]

    def predict(self, X):  # type: ignore[no-untyped-def]
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


def _fairlearn_rates(model, X, y, groups, constraint):  # type: ignore[no-untyped-def]
    opt = ThresholdOptimizer(
        estimator=model,
        constraints=constraint,
        prefit=True,
        predict_method="predict_proba",
        grid_size=GRID,
    ).fit(X, y, sensitive_features=groups)
    p = opt._pmf_predict(X, sensitive_features=groups)[:, 1]
    y = np.asarray(y)
    rows = {}
    for g in pd.unique(groups):
        m = np.asarray(groups == g)
        rows[g] = {
            "selection_rate": p[m].mean(),
            "tpr": p[m & (y == 1)].mean(),
            "fpr": p[m & (y == 0)].mean(),
            "accuracy": np.mean(np.where(y[m] == 1, p[m], 1 - p[m])),
        }
    accuracy = float(np.mean(np.where(y == 1, p, 1 - p)))
    return pd.DataFrame(rows).T, accuracy


def _compare(result, model, X, y, groups) -> None:  # type: ignore[no-untyped-def]
    for constraint in CONSTRAINTS:
        theirs, their_accuracy = _fairlearn_rates(model, X, y, groups, constraint)
        ours = result.thresholds(constraint).set_index("group")
        assert ours["included"].all()
        for metric in ("selection_rate", "tpr", "fpr", "accuracy"):
            tol = STEP if metric in SEARCHED[constraint] else 10 * STEP
            np.testing.assert_allclose(
                ours.loc[theirs.index, metric].to_numpy(dtype=float),
                theirs[metric].to_numpy(dtype=float),
                atol=tol,
                err_msg=f"{constraint} {metric}",
            )
        ours_accuracy = result.summary.loc[constraint, "accuracy"]
        assert ours_accuracy >= their_accuracy - 1e-12, constraint
        assert ours_accuracy - their_accuracy <= STEP, constraint
        for metric in EQUALIZED[constraint]:  # equal by construction (up to rounding)
            assert np.ptp(ours[metric].to_numpy(dtype=float)) < 1e-9


@pytest.fixture(scope="module")
def adult_model(adult_small):  # type: ignore[no-untyped-def]
    numeric = ["age", "education_num", "hours_per_week", "capital_gain"]
    categorical = ["workclass", "marital_status", "occupation"]
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
        ]
    )
    X = adult_small[numeric + categorical]
    y = adult_small["income"].to_numpy()
    model = Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=2000))]).fit(X, y)
    return model, X, y


@pytest.mark.parametrize("attribute", ["sex", "race"])
def test_adult_pipeline_matches_fairlearn(adult_model, adult_small, attribute) -> None:  # type: ignore[no-untyped-def]
    model, X, y = adult_model
    groups = adult_small[attribute].astype(str).to_numpy()
    score = model.predict_proba(X)[:, 1]
    result = threshold_tradeoffs(y, score, sensitive_features=groups, min_count=0, grid_size=GRID)
    _compare(result, model, X, y, groups)


def test_synthetic_scorer_with_ties_matches_fairlearn() -> None:
    rng = np.random.default_rng(4)
    n = 3000
    groups = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    score = np.clip(rng.normal(np.where(groups == "a", 0.55, 0.42), 0.2), 0, 1).round(2)  # ties
    y = (rng.uniform(size=n) < score).astype(int)
    model = ScoreColumn().fit(score[:, None], y)
    result = threshold_tradeoffs(y, score, sensitive_features=groups, grid_size=GRID)
    _compare(result, model, score[:, None], y, groups)
