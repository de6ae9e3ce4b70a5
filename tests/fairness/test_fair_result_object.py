"""GroupMetrics: differences to a reference, exports, immutability."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from audit.fairness import group_metrics


@pytest.fixture
def gm() -> object:
    rng = np.random.default_rng(0)
    n = 3000
    sex = rng.choice(np.array(["F", "M", "X"]), n, p=[0.5, 0.45, 0.05])
    y = rng.integers(0, 2, n)
    p = (rng.random(n) < np.select([sex == "F", sex == "M"], [0.3, 0.5], 0.4)).astype(int)
    return group_metrics(
        y, p, sensitive_features=pd.Series(sex, name="sex"), n_boot=100, random_state=0
    )


def test_reference_group_difference_and_ratio(gm: object) -> None:
    sr = gm.by_group["selection_rate"]
    assert gm.difference(reference="F")["selection_rate"] == pytest.approx(
        (sr - sr["F"]).abs().max()
    )
    ratios = sr / sr["F"]
    expected = np.minimum(ratios, 1 / ratios).min()
    assert gm.ratio(reference="F")["selection_rate"] == pytest.approx(expected)
    largest = gm.by_group["count"].idxmax()
    pd.testing.assert_series_equal(gm.ratio(reference="largest"), gm.ratio(reference=largest))
    # "best": highest selection rate, lowest FPR
    assert gm.ratio(reference="best")["selection_rate"] == pytest.approx(sr.min() / sr.max())
    fpr = gm.by_group["fpr"]
    assert gm.difference(reference="best")["fpr"] == pytest.approx(fpr.max() - fpr.min())


def test_default_reference_is_used(gm: object) -> None:
    with_ref = dataclasses.replace(gm, reference="M")
    pd.testing.assert_series_equal(with_ref.difference(), gm.difference(reference="M"))
    pd.testing.assert_series_equal(with_ref.difference(method="between_groups"), gm.difference())
    assert with_ref.difference_ci().shape == (len(gm.metrics), 2)


def test_exclude_insufficient(gm: object) -> None:
    full = gm.difference()
    judged = gm.difference(exclude_insufficient=True)
    ok = gm.by_group.loc[["F", "M"], "selection_rate"]
    assert judged["selection_rate"] == pytest.approx(ok.max() - ok.min())
    assert full["selection_rate"] >= judged["selection_rate"]


def test_to_frame_and_to_dict(gm: object) -> None:
    frame = gm.to_frame()
    assert list(frame.columns) == [
        "sex",
        "metric",
        "value",
        "denominator",
        "verdict",
        "ci_low",
        "ci_high",
    ]
    assert len(frame) == gm.by_group.size
    row = frame[(frame["sex"] == "M") & (frame["metric"] == "tpr")].iloc[0]
    assert row["value"] == gm.by_group.loc["M", "tpr"]
    assert row["ci_low"] == gm.ci_low.loc["M", "tpr"]
    d = gm.to_dict()
    json.dumps(d)
    assert d["task"] == "binary" and d["sensitive_features"] == ["sex"]
    assert d["groups"][0]["label"] == "F" and d["groups"][0]["key"] == {"sex": "F"}
    assert d["summary"]["demographic_parity_ratio"] == gm.demographic_parity_ratio()
    assert set(d["difference_ci"]["tpr"]) == {"ci_low", "ci_high"}


def test_pair_ci(gm: object) -> None:
    ci = gm.pair_ci("selection_rate", "F", "M")
    diff = gm.by_group.loc["M", "selection_rate"] - gm.by_group.loc["F", "selection_rate"]
    assert ci["difference"][0] <= diff <= ci["difference"][1]


def test_result_is_frozen(gm: object) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        gm.task = "regression"  # type: ignore[misc]
