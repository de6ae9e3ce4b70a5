"""Every binary metric, difference, ratio and named summary equals fairlearn's MetricFrame."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import fairlearn.metrics as flm
import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm

from audit.fairness import BINARY_METRICS, group_metrics

TOL = {"rtol": 1e-12, "atol": 1e-12}
pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning"),
    pytest.mark.filterwarnings("ignore:y_pred contains classes not in y_true:UserWarning"),
]


def _nan_when_empty(fn: Callable[..., float], empty: str) -> Callable[..., float]:
    """fairlearn's rate, NaN instead of 0 when its denominator has no rows."""

    def wrapped(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        yt, yp = np.asarray(y_true), np.asarray(y_pred)
        mask = {"positives": yt == 1, "negatives": yt == 0}[empty]
        if not mask.any():
            return np.nan
        return fn(yt, yp, sample_weight=sample_weight)

    return wrapped


def _base_rate(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
    return flm.mean_prediction(y_pred, y_true, sample_weight=sample_weight)


def reference_metrics(zero_division: float) -> dict[str, Callable[..., float]]:
    """Metric functions from fairlearn / scikit-learn, named like ours."""
    zd = zero_division
    if np.isnan(zd):
        rates = {
            "tpr": _nan_when_empty(flm.true_positive_rate, "positives"),
            "fpr": _nan_when_empty(flm.false_positive_rate, "negatives"),
            "fnr": _nan_when_empty(flm.false_negative_rate, "positives"),
            "tnr": _nan_when_empty(flm.true_negative_rate, "negatives"),
        }
    else:
        rates = {
            "tpr": flm.true_positive_rate,
            "fpr": flm.false_positive_rate,
            "fnr": flm.false_negative_rate,
            "tnr": flm.true_negative_rate,
        }
    return {
        "base_rate": _base_rate,
        "selection_rate": flm.selection_rate,
        **rates,
        "precision": functools.partial(skm.precision_score, zero_division=zd),
        "npv": functools.partial(skm.precision_score, pos_label=0, zero_division=zd),
        "accuracy": skm.accuracy_score,
        "balanced_accuracy": skm.balanced_accuracy_score,
        "f1": functools.partial(skm.f1_score, zero_division=zd),
    }


def metric_frame(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    sensitive: pd.DataFrame,
    weights: np.ndarray | None,
    zero_division: float,
) -> flm.MetricFrame:
    metrics = reference_metrics(zero_division)
    params = None
    if weights is not None:
        params = {name: {"sample_weight": weights} for name in metrics}
    metrics = {**metrics, "count": flm.count}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return flm.MetricFrame(
            metrics=metrics,
            y_true=y_true,
            y_pred=y_pred,
            sensitive_features=sensitive,
            sample_params=params,
        )


def assert_matches_fairlearn(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    sensitive: pd.DataFrame,
    weights: np.ndarray | None,
    zero_division: float,
) -> None:
    gm = group_metrics(
        y_true,
        y_pred,
        sensitive_features=sensitive,
        sample_weight=weights,
        zero_division=zero_division,
    )
    mf = metric_frame(y_true, y_pred, sensitive, weights, zero_division)
    names = list(BINARY_METRICS)
    # fairlearn lists every combination of levels; combinations that never occur are NaN rows
    theirs = mf.by_group.dropna(subset=["count"])
    assert len(theirs) == len(gm.by_group)
    theirs = theirs.loc[gm.by_group.index]
    np.testing.assert_array_equal(gm.by_group["count"], theirs["count"].astype(int))
    np.testing.assert_allclose(
        gm.by_group[names].to_numpy(float), theirs[names].to_numpy(float), **TOL
    )
    np.testing.assert_allclose(
        gm.overall[names].to_numpy(float), mf.overall[names].to_numpy(float), **TOL
    )
    for method in ("between_groups", "to_overall"):
        np.testing.assert_allclose(
            gm.difference(method=method, exclude_insufficient=False)[names].to_numpy(float),
            mf.difference(method=method)[names].to_numpy(float),
            **TOL,
        )
        np.testing.assert_allclose(
            gm.ratio(method=method, exclude_insufficient=False)[names].to_numpy(float),
            mf.ratio(method=method)[names].to_numpy(float),
            **TOL,
        )


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    ("sizes", "n"),
    [((2,), 3000), ((2, 5), 5000), ((2, 5, 20), 10000)],
    ids=["2-groups", "10-groups", "200-groups"],
)
def test_matches_metricframe_with_fairlearn_zero_division(
    sizes: tuple[int, ...], n: int, weighted: bool, binary_data: Callable[..., dict]
) -> None:
    data = binary_data(n, sizes, seed=len(sizes) + 10 * weighted, weighted=weighted)
    assert_matches_fairlearn(
        data["y_true"], data["y_pred"], data["frame"], data["weights"], zero_division=0.0
    )


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    ("sizes", "n"), [((2,), 2000), ((2, 5), 4000)], ids=["2-groups", "10-groups"]
)
def test_matches_metricframe_with_nan_zero_division(
    sizes: tuple[int, ...], n: int, weighted: bool, binary_data: Callable[..., dict]
) -> None:
    data = binary_data(n, sizes, seed=3 + weighted, weighted=weighted)
    assert_matches_fairlearn(
        data["y_true"], data["y_pred"], data["frame"], data["weights"], zero_division=np.nan
    )


def adversarial() -> tuple[np.ndarray, np.ndarray, pd.DataFrame, np.ndarray]:
    """Groups with no positives, no predicted positives, no negatives, and a single row."""
    rng = np.random.default_rng(7)
    parts = {
        "normal": (rng.integers(0, 2, 60), rng.integers(0, 2, 60)),
        "no_positives": (np.zeros(40, int), rng.integers(0, 2, 40)),
        "no_predicted_positives": (rng.integers(0, 2, 40), np.zeros(40, int)),
        "no_negatives": (np.ones(30, int), rng.integers(0, 2, 30)),
        "all_negative_predicted_negative": (np.zeros(10, int), np.zeros(10, int)),
        "single_row": (np.array([1]), np.array([0])),
    }
    y_true = np.concatenate([p[0] for p in parts.values()])
    y_pred = np.concatenate([p[1] for p in parts.values()])
    group = np.concatenate([[name] * len(p[0]) for name, p in parts.items()])
    weights = rng.uniform(0.5, 2.0, len(y_true))
    return y_true, y_pred, pd.DataFrame({"group": group}), weights


@pytest.mark.parametrize("zero_division", [0.0, np.nan], ids=["zero", "nan"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_adversarial_groups_match(zero_division: float, weighted: bool) -> None:
    y_true, y_pred, sensitive, weights = adversarial()
    assert_matches_fairlearn(
        y_true, y_pred, sensitive, weights if weighted else None, zero_division
    )


def test_undefined_rates_are_nan_by_default_and_fairlearn_zero_with_zero_division() -> None:
    y_true, y_pred, sensitive, _ = adversarial()
    default = group_metrics(y_true, y_pred, sensitive_features=sensitive).by_group
    assert np.isnan(default.loc["no_positives", "tpr"])
    assert np.isnan(default.loc["no_predicted_positives", "precision"])
    assert np.isnan(default.loc["no_negatives", "fpr"])
    zero = group_metrics(y_true, y_pred, sensitive_features=sensitive, zero_division=0.0)
    assert zero.by_group.loc["no_positives", "tpr"] == 0.0
    assert zero.by_group.loc["no_predicted_positives", "precision"] == 0.0
    # balanced accuracy ignores the absent class in both conventions, as scikit-learn
    assert default.loc["no_positives", "balanced_accuracy"] == pytest.approx(
        skm.balanced_accuracy_score(y_true[60:100], y_pred[60:100])
    )


SUMMARIES = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("method", ["between_groups", "to_overall"])
def test_named_summaries_equal_fairlearn_functions(
    method: str, weighted: bool, binary_data: Callable[..., dict]
) -> None:
    data = binary_data(4000, (2, 5), seed=21, weighted=weighted)
    y_true, y_pred, frame, w = data["y_true"], data["y_pred"], data["frame"], data["weights"]
    gm = group_metrics(y_true, y_pred, sensitive_features=frame, sample_weight=w)
    kwargs = {"sensitive_features": frame, "method": method, "sample_weight": w}
    for name in SUMMARIES:
        expected = getattr(flm, name)(y_true, y_pred, **kwargs)
        np.testing.assert_allclose(getattr(gm, name)(method=method), expected, **TOL)
    for agg in ("worst_case", "mean"):
        np.testing.assert_allclose(
            gm.equalized_odds_difference(method=method, agg=agg),
            flm.equalized_odds_difference(y_true, y_pred, agg=agg, **kwargs),
            **TOL,
        )
        np.testing.assert_allclose(
            gm.equalized_odds_ratio(method=method, agg=agg),
            flm.equalized_odds_ratio(y_true, y_pred, agg=agg, **kwargs),
            **TOL,
        )
    summary = gm.summary(method=method)
    assert summary["equalized_odds_ratio"] == gm.equalized_odds_ratio(method=method)


def test_named_summaries_on_adversarial_groups_with_fairlearn_zero_division() -> None:
    y_true, y_pred, sensitive, w = adversarial()
    gm = group_metrics(
        y_true, y_pred, sensitive_features=sensitive, sample_weight=w, zero_division=0.0
    )
    kwargs = {"sensitive_features": sensitive, "sample_weight": w}
    for name in (*SUMMARIES, "equalized_odds_difference", "equalized_odds_ratio"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = getattr(flm, name)(y_true, y_pred, **kwargs)
        # fairlearn counts every group; ours does with exclude_insufficient=False
        np.testing.assert_allclose(getattr(gm, name)(exclude_insufficient=False), expected, **TOL)
