"""Multiclass: accuracy, balanced accuracy and one-vs-rest rates per class equal sklearn's."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import fairlearn.metrics as flm
import numpy as np
import pytest
import sklearn.metrics as skm

from audit.fairness import PER_CLASS_METRICS, group_metrics

TOL = {"rtol": 1e-12, "atol": 1e-12}
CLASSES = ["bird", "cat", "dog"]
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")


def _one_vs_rest(label: str, zd: float) -> dict:
    def binarise(fn: Callable[..., float]) -> Callable[..., float]:
        def wrapped(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
            yt = (np.asarray(y_true) == label).astype(int)
            yp = (np.asarray(y_pred) == label).astype(int)
            return fn(yt, yp, sample_weight=sample_weight)

        return wrapped

    return {
        f"selection_rate[{label}]": binarise(flm.selection_rate),
        f"tpr[{label}]": binarise(flm.true_positive_rate),
        f"fpr[{label}]": binarise(flm.false_positive_rate),
        f"fnr[{label}]": binarise(flm.false_negative_rate),
        f"tnr[{label}]": binarise(flm.true_negative_rate),
        f"precision[{label}]": binarise(functools.partial(skm.precision_score, zero_division=zd)),
        f"npv[{label}]": binarise(
            functools.partial(skm.precision_score, pos_label=0, zero_division=zd)
        ),
        f"f1[{label}]": binarise(functools.partial(skm.f1_score, zero_division=zd)),
    }


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_multiclass_matches_metricframe(weighted: bool) -> None:
    rng = np.random.default_rng(0)
    n = 2500
    y = rng.choice(np.array(CLASSES), n, p=[0.2, 0.4, 0.4])
    pred = np.where(rng.random(n) < 0.6, y, rng.choice(np.array(CLASSES), n))
    group = rng.choice(np.array(["a", "b", "c"]), n)
    w = rng.uniform(0.5, 2, n) if weighted else None
    gm = group_metrics(y, pred, sensitive_features=group, sample_weight=w, zero_division=0.0)
    assert gm.task == "multiclass" and gm.classes == tuple(CLASSES)
    metrics = {"accuracy": skm.accuracy_score, "balanced_accuracy": skm.balanced_accuracy_score}
    for label in CLASSES:
        metrics.update(_one_vs_rest(label, 0.0))
    params = None if w is None else {k: {"sample_weight": w} for k in metrics}
    mf = flm.MetricFrame(
        metrics=metrics, y_true=y, y_pred=pred, sensitive_features=group, sample_params=params
    )
    names = list(metrics)
    np.testing.assert_allclose(
        gm.by_group[names].to_numpy(float), mf.by_group[names].to_numpy(float), **TOL
    )
    np.testing.assert_allclose(
        gm.overall[names].to_numpy(float), mf.overall[names].to_numpy(float), **TOL
    )
    np.testing.assert_allclose(
        gm.difference()[names].to_numpy(float), mf.difference()[names].to_numpy(float), **TOL
    )
    np.testing.assert_allclose(
        gm.ratio()[names].to_numpy(float), mf.ratio()[names].to_numpy(float), **TOL
    )


def test_columns_are_named_metric_and_class() -> None:
    y = np.array(["x", "y", "z", "x"])
    gm = group_metrics(y, np.array(["x", "z", "z", "y"]), sensitive_features=["a", "b", "a", "b"])
    expected = ["count", "share", "accuracy", "balanced_accuracy"]
    expected += [f"{m}[{c}]" for m in PER_CLASS_METRICS for c in ("x", "y", "z")]
    assert list(gm.by_group.columns) == expected
    assert gm.by_group.loc["a", "selection_rate[z]"] == 0.5
    assert gm.by_group.loc["b", "selection_rate[z]"] == 0.5
    assert gm.by_group.loc["a", "tpr[z]"] == 1.0


def test_per_class_denominators() -> None:
    y = np.array([0, 1, 2, 2, 2, 1])
    p = np.array([0, 2, 2, 1, 2, 1])
    gm = group_metrics(y, p, sensitive_features=["g"] * 6)
    assert gm.denominators.loc["g", "tpr[2]"] == 3  # actual class-2 rows
    assert gm.denominators.loc["g", "precision[2]"] == 3  # predicted class-2 rows
    assert gm.denominators.loc["g", "fpr[0]"] == 5  # rows not of class 0


def test_two_text_labels_with_pos_label_are_binary() -> None:
    y = np.array(["no", "yes", "yes", "no"])
    p = np.array(["yes", "yes", "no", "no"])
    gm = group_metrics(y, p, sensitive_features=["a", "a", "b", "b"], pos_label="yes")
    assert gm.task == "binary" and gm.classes == ("no", "yes")
    assert gm.by_group.loc["a", "selection_rate"] == 1.0
    assert gm.by_group.loc["b", "tpr"] == 0.0
    multi = group_metrics(y, p, sensitive_features=["a", "a", "b", "b"], task="multiclass")
    assert "selection_rate[yes]" in multi.by_group.columns
