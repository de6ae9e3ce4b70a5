"""Regression metrics per group equal scikit-learn's, weighted or not."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm

from audit.fairness import REGRESSION_METRICS, group_metrics

TOL = {"rtol": 1e-12, "atol": 1e-12}


def _reference(y: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> dict[str, float]:
    return {
        "mean_target": np.average(y, weights=w),
        "mean_prediction": np.average(p, weights=w),
        "mean_residual": np.average(y - p, weights=w),
        "mae": skm.mean_absolute_error(y, p, sample_weight=w),
        "rmse": skm.root_mean_squared_error(y, p, sample_weight=w),
        "r2": skm.r2_score(y, p, sample_weight=w),
    }


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_regression_metrics_match_sklearn(weighted: bool) -> None:
    rng = np.random.default_rng(0)
    n = 3000
    group = rng.choice(np.array(["a", "b", "c", "d"]), n)
    x = rng.normal(size=n)
    y = 3 * x + rng.normal(size=n) + 5
    pred = 2.7 * x + 5.2
    w = rng.uniform(0.2, 3, n) if weighted else None
    gm = group_metrics(y, pred, sensitive_features=group, sample_weight=w)
    assert gm.task == "regression"
    assert list(gm.by_group.columns) == ["count", "share", *REGRESSION_METRICS]
    for label in gm.groups:
        m = group == label
        expected = _reference(y[m], pred[m], None if w is None else w[m])
        got = gm.by_group.loc[label, list(expected)].to_numpy(float)
        np.testing.assert_allclose(got, list(expected.values()), **TOL)
    expected = _reference(y, pred, w)
    np.testing.assert_allclose(
        gm.overall[list(expected)].to_numpy(float), list(expected.values()), **TOL
    )


def test_task_inference_and_keyword() -> None:
    y = np.array([1.0, 2.0, 3.0, 4.0])
    groups = ["a", "a", "b", "b"]
    assert group_metrics(y, y + 0.5, sensitive_features=groups).task == "regression"
    # integer-valued predictions look like classes unless the task says otherwise
    assert group_metrics(y, y + 1, sensitive_features=groups).task == "multiclass"
    gm = group_metrics(y, y + 1, sensitive_features=groups, task="regression")
    assert gm.task == "regression"
    assert gm.by_group.loc["a", "mae"] == 1.0
    assert gm.by_group.loc["a", "mean_residual"] == -1.0


def test_r2_of_degenerate_groups() -> None:
    y = np.array([1.0, 2.0, 3.0, 5.0, 5.0, 7.5])
    p = np.array([1.5, 2.0, 2.5, 5.0, 5.0, 7.0])
    groups = ["a", "a", "a", "const", "const", "single"]
    gm = group_metrics(y, p, sensitive_features=groups)
    assert gm.by_group.loc["a", "r2"] == pytest.approx(skm.r2_score(y[:3], p[:3]), rel=1e-12)
    assert np.isnan(gm.by_group.loc["single", "r2"])  # sklearn: NaN with fewer than 2 rows
    assert np.isnan(gm.by_group.loc["const", "r2"])  # 0/0
    gm0 = group_metrics(y, p, sensitive_features=groups, zero_division=0.0)
    # scikit-learn's force_finite convention: a perfect fit of constant targets is 1.0
    assert gm0.by_group.loc["const", "r2"] == skm.r2_score(y[3:5], p[3:5]) == 1.0
    # constant targets, imperfect fit: undefined (scikit-learn's force_finite gives 0.0)
    off = group_metrics(y, p + 0.1, sensitive_features=groups)
    assert np.isnan(off.by_group.loc["const", "r2"])
    assert off.verdicts.loc["const", "r2"] == "insufficient evidence"
    off0 = group_metrics(y, p + 0.1, sensitive_features=groups, zero_division=0.0)
    assert off0.by_group.loc["const", "r2"] == skm.r2_score(y[3:5], p[3:5] + 0.1) == 0.0


def test_regression_differences_and_findings() -> None:
    y = np.tile([-1.0, 1.0], 50)
    p = y + np.r_[np.full(50, 0.5), np.full(50, 1.5)]
    groups = ["a"] * 50 + ["b"] * 50
    gm = group_metrics(y, p, sensitive_features=groups)
    assert gm.difference()["mae"] == 1.0
    assert gm.ratio()["rmse"] == pytest.approx(1 / 3)
    assert gm.ratio(reference="best")["mae"] == pytest.approx(1 / 3)
    # the default policy judges classification rates; nothing to judge here
    assert gm.findings() == []
