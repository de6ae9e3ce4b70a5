"""Custom metrics go through fairlearn's MetricFrame and give the same result type."""

from __future__ import annotations

import fairlearn.metrics as flm
import numpy as np
import pandas as pd
import sklearn.metrics as skm

from audit.fairness import GroupMetrics, custom_group_metrics, group_metrics


def _data() -> tuple[np.ndarray, np.ndarray, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    n = 600
    frame = pd.DataFrame({"sex": rng.choice(["F", "M"], n), "age": rng.choice(["young", "old"], n)})
    y = rng.integers(0, 2, n)
    p = rng.integers(0, 2, n)
    return y, p, frame, rng.uniform(0.5, 2, n)


def test_custom_group_metrics_equal_metricframe() -> None:
    y, p, frame, w = _data()
    metrics = {"mcc": skm.matthews_corrcoef, "kappa": skm.cohen_kappa_score}
    gm = custom_group_metrics(y, p, sensitive_features=frame, metrics=metrics, sample_weight=w)
    assert isinstance(gm, GroupMetrics) and gm.task == "custom"
    params = {k: {"sample_weight": w} for k in metrics}
    mf = flm.MetricFrame(
        metrics=metrics, y_true=y, y_pred=p, sensitive_features=frame, sample_params=params
    )
    expected = mf.by_group.loc[gm.by_group.index]
    np.testing.assert_allclose(gm.by_group[["mcc", "kappa"]].to_numpy(float), expected.to_numpy())
    np.testing.assert_allclose(gm.difference()[["mcc", "kappa"]], mf.difference()[["mcc", "kappa"]])
    np.testing.assert_allclose(gm.overall[["mcc", "kappa"]].to_numpy(float), mf.overall.to_numpy())
    assert gm.by_group["count"].sum() == len(y)
    assert (gm.verdicts["mcc"] == gm.verdicts["count"]).all()


def test_custom_metrics_join_the_fast_path() -> None:
    y, p, frame, _ = _data()
    gm = group_metrics(y, p, sensitive_features=frame, metrics={"mcc": skm.matthews_corrcoef})
    assert "mcc" in gm.by_group.columns and "tpr" in gm.by_group.columns
    for label in gm.groups:
        m = ((frame["sex"] == label[0]) & (frame["age"] == label[1])).to_numpy()
        assert gm.by_group.loc[label, "mcc"] == skm.matthews_corrcoef(y[m], p[m])
    assert "mcc" in gm.difference().index


def test_custom_metric_bootstrap_gives_intervals() -> None:
    y, p, frame, _ = _data()
    gm = custom_group_metrics(
        y,
        p,
        sensitive_features=frame["sex"],
        metrics={"acc": skm.accuracy_score},
        n_boot=30,
        random_state=0,
    )
    assert gm.ci_low is not None and gm.ci_high is not None
    assert (gm.ci_low["acc"] <= gm.by_group["acc"]).all()
    assert (gm.by_group["acc"] <= gm.ci_high["acc"]).all()
