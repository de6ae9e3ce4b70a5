"""A model that reads ``sex`` flips a measurable share of decisions; the numbers equal pandas.

Reference: the counterfactual copies built by hand with pandas (every row of one
group given the other group's ``sex``), the model's own ``predict`` /
``predict_proba`` on them, and Wilson intervals from ``scipy.stats.binomtest``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from audit.counterfactual import FLIP_CODE, flip_test


@pytest.fixture(scope="module")
def result(aware, data):
    X, y = data
    return flip_test(aware, X, sensitive_features="sex", y=y)


def _by_hand(model, X: pd.DataFrame, source: str, target: str) -> dict[str, float]:
    rows = X[X["sex"] == source]
    moved = rows.assign(sex=target)
    before, after = model.predict(rows), model.predict(moved)
    flipped = before != after
    score = model.predict_proba(moved)[:, 1] - model.predict_proba(rows)[:, 1]
    return {
        "n": len(rows),
        "flipped": int(flipped.sum()),
        "flip_rate": float(flipped.mean()),
        "to_positive": float((flipped & (after == 1)).mean()),
        "to_negative": float((flipped & (before == 1)).mean()),
        "score_change": float(score.mean()),
    }


def test_a_model_that_reads_sex_flips_a_measurable_share(result):
    direct = result.directions[result.directions["variant"] == "direct"]
    assert len(direct) == 2
    assert (direct["flip_rate"] > 0.05).all()
    assert (direct["ci_low"] > 0.01).all()  # measurable: the interval excludes the threshold
    facts = result.facts()
    assert facts["flip_rate.max"].value == pytest.approx(direct["flip_rate"].max())
    assert "→" in facts["flip_rate.max"].groups
    (finding,) = [f for f in result.findings() if f.code == FLIP_CODE]
    assert finding.severity == "warning"
    assert finding.evidence["flip_rate"] == pytest.approx(direct["flip_rate"].max())
    assert "only 'sex' is moved" in finding.message


@pytest.mark.parametrize(("source", "target"), [("female", "male"), ("male", "female")])
def test_each_direction_equals_a_hand_computation(result, aware, data, source, target):
    X, _ = data
    row = result.directions.set_index(["variant", "from_group", "to_group"]).loc[
        ("direct", source, target)
    ]
    expected = _by_hand(aware, X, source, target)
    assert int(row["n"]) == expected["n"]
    assert int(row["flipped"]) == expected["flipped"]
    for key in ("flip_rate", "to_positive", "to_negative", "score_change"):
        assert row[key] == pytest.approx(expected[key], abs=1e-12), key
    wilson = binomtest(expected["flipped"], expected["n"]).proportion_ci(0.95, method="wilson")
    np.testing.assert_allclose([row["ci_low"], row["ci_high"]], [wilson.low, wilson.high])


def test_per_group_share_equals_pandas(result, aware, data):
    X, _ = data
    groups = result.by_group[result.by_group["variant"] == "direct"].set_index("group")
    for source, target in (("female", "male"), ("male", "female")):
        expected = _by_hand(aware, X, source, target)  # two groups: "any other" is the one
        assert groups.loc[source, "flip_rate"] == pytest.approx(expected["flip_rate"])
        assert groups.loc[source, "score_change"] == pytest.approx(expected["score_change"])
        assert int(groups.loc[source, "n"]) == int((X["sex"] == source).sum())


def test_without_proxies_the_proxy_variant_is_the_direct_one(result, data):
    attributes = result.attributes.set_index("attribute")
    assert attributes.loc["sex", "model_input"] == "sex"
    assert attributes.loc["sex", "proxies"] == ""
    assert "no proxies" in attributes.loc["sex", "note"]
    direct = result.directions[result.directions["variant"] == "direct"].reset_index(drop=True)
    proxy = result.directions[result.directions["variant"] == "proxy"].reset_index(drop=True)
    pd.testing.assert_frame_equal(direct.drop(columns="variant"), proxy.drop(columns="variant"))
    assert [f.code for f in result.findings()] == [FLIP_CODE]  # reported once
    # predicted once, not once per variant: (k - 1) x n rows for k = 2 values
    assert result.rows_predicted == len(data[0])


def test_weighted_rates_and_intervals(aware, data):
    X, y = data
    w = np.random.default_rng(3).uniform(0.2, 3.0, len(X))
    result = flip_test(aware, X, sensitive_features="sex", y=y, sample_weight=w)
    rows = X["sex"] == "female"
    flipped = aware.predict(X[rows]) != aware.predict(X[rows].assign(sex="male"))
    rate = np.average(flipped, weights=w[rows])
    n_eff = w[rows].sum() ** 2 / (w[rows] ** 2).sum()
    row = result.directions.set_index(["variant", "from_group"]).loc[("direct", "female")]
    assert row["flip_rate"] == pytest.approx(rate)
    assert row["effective_n"] == pytest.approx(n_eff)
    z = 1.959963984540054
    center = (rate + z**2 / (2 * n_eff)) / (1 + z**2 / n_eff)
    half = z * np.sqrt(rate * (1 - rate) / n_eff + z**2 / (4 * n_eff**2)) / (1 + z**2 / n_eff)
    np.testing.assert_allclose([row["ci_low"], row["ci_high"]], [center - half, center + half])
    assert result.weighted
