"""Label base rates per group, their ratio and the label-imbalance finding, against pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit.data_checks import IMBALANCE_CODE, check_data
from audit.policy import Policy


def test_base_rates_equal_groupby_mean(adult):
    checks = check_data(adult, "income", sensitive_features=["sex", "race"])
    assert checks.label_kind == "binary" and checks.pos_label == 1
    rates = checks.base_rates.set_index(["attribute", "group"])
    for attribute in ("sex", "race"):
        by_hand = adult.groupby(attribute)["income"].agg(["size", "sum", "mean"])
        for group, row in by_hand.iterrows():
            assert rates.loc[(attribute, group), "count"] == row["size"]
            assert rates.loc[(attribute, group), "positives"] == row["sum"]
            assert rates.loc[(attribute, group), "base_rate"] == pytest.approx(row["mean"])


def test_ratio_uses_groups_with_min_count_rows_and_names_the_others(adult):
    checks = check_data(adult, "income", sensitive_features=["race"], policy=Policy(min_count=100))
    by_hand = adult.groupby("race")["income"].agg(["size", "mean"])
    judged = by_hand[by_hand["size"] >= 100]
    ratios = checks.base_rate_ratios().set_index("attribute")
    assert ratios.loc["race", "ratio"] == pytest.approx(judged["mean"].min() / judged["mean"].max())
    assert ratios.loc["race", "low_group"] == judged["mean"].idxmin()
    left_out = set(by_hand.index[by_hand["size"] < 100])
    assert left_out and set(ratios.loc["race", "insufficient"]) == left_out
    fact = checks.facts()["data.base_rate_ratio"]
    assert fact.value == pytest.approx(ratios.loc["race", "ratio"])
    assert set(fact.insufficient) == {f"race: {g}" for g in left_out}


def test_label_imbalance_finding_follows_ratio_warning(adult):
    checks = check_data(adult, "income", sensitive_features="sex")
    (finding,) = [f for f in checks.findings() if f.code == IMBALANCE_CODE]
    rate = adult.groupby("sex")["income"].mean()
    assert finding.evidence["ratio"] == pytest.approx(rate.min() / rate.max())
    assert finding.evidence["low_group"] == "Female" and finding.severity == "warning"
    assert "0.80" in finding.message
    lenient = check_data(
        adult,
        "income",
        sensitive_features="sex",
        policy=Policy(ratio_warning=0.3, ratio_critical=0.3),
    )
    assert [f for f in lenient.findings() if f.code == IMBALANCE_CODE] == []


def test_text_labels_take_pos_label_and_numbers_give_mean_targets():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"g": rng.choice(["a", "b"], 400), "x": rng.standard_normal(400)})
    labels = np.where(rng.random(400) < np.where(frame["g"] == "a", 0.7, 0.3), "yes", "no")
    checks = check_data(frame, labels, sensitive_features="g", pos_label="yes")
    by_hand = pd.Series(labels == "yes").groupby(frame["g"]).mean()
    np.testing.assert_allclose(checks.base_rates["base_rate"], by_hand.to_numpy())
    assert checks.pos_label == "yes"
    target = frame["x"] * 2.5 + 0.1
    regression = check_data(frame, target, sensitive_features="g")
    assert regression.label_kind == "regression"
    np.testing.assert_allclose(
        regression.base_rates["base_rate"], target.groupby(frame["g"]).mean().to_numpy()
    )
    assert "data.base_rate_ratio" not in regression.facts()
    assert check_data(frame, sensitive_features="g").base_rates.empty
