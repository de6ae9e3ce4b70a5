"""Gini, HHI and top shares against hand computation; the imbalanced-weights finding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from audit.policy import Policy
from audit.weights import analyze_weights, gini, importance_levels
from audit.weights._concentration import concentration, source_table


def test_gini_and_hhi_by_hand():
    assert gini([1, 1, 1, 1]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)  # (n - 1) / n for all-on-one
    x = np.array([1.0, 2.0, 3.0, 4.0])
    mean_abs_diff = np.abs(x[:, None] - x[None, :]).mean()
    assert gini(x) == pytest.approx(mean_abs_diff / (2 * x.mean()))
    table = source_table(pd.Series({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}))
    conc = concentration(table, basis="test", k=2)
    shares = x / x.sum()
    assert conc["top_feature"] == "d"
    assert conc["top_share"] == pytest.approx(0.4)
    assert conc["top_k"] == [
        {"feature": "d", "share": pytest.approx(0.4)},
        {"feature": "c", "share": pytest.approx(0.3)},
    ]
    assert conc["top_k_share"] == pytest.approx(0.7)
    assert conc["hhi"] == pytest.approx(np.sum(shares**2))
    assert conc["effective_n"] == pytest.approx(1 / np.sum(shares**2))


def test_importance_levels_pareto_rule():
    levels = importance_levels(np.array([0.05, 0.45, 0.3, 0.2]))
    # sorted: .45 (before 0) high, .3 (before .45) high, .2 (before .75) medium, .05 low
    assert list(levels) == ["low", "high", "high", "medium"]


def test_dominant_feature_fires_imbalanced_weights(dominant, onehot_pipeline):
    model = onehot_pipeline(LogisticRegression()).fit(dominant.X, dominant.y)
    result = analyze_weights(model, dominant.X)
    (finding,) = [f for f in result.findings if f.code == "imbalanced_weights"]
    assert finding.severity == "warning"
    assert finding.subject == "x0"
    ev = finding.evidence
    assert ev["top_feature"] == "x0"
    assert ev["top_share"] > 0.5
    assert ev["threshold"] == 0.5
    assert ev["top_share"] == pytest.approx(result.by_source["share"].iloc[0])
    assert ev["gini"] == pytest.approx(gini(result.by_source["weight"]))
    assert ev["hhi"] == pytest.approx(np.sum(result.by_source["share"] ** 2))
    assert [t["feature"] for t in ev["top_k"]] == list(result.by_source["source"][:3])


def test_balanced_weights_do_not_fire(balanced, onehot_pipeline):
    model = onehot_pipeline(LogisticRegression()).fit(balanced.X, balanced.y)
    result = analyze_weights(model, balanced.X)
    assert result.concentration["top_share"] < 0.5
    assert "imbalanced_weights" not in [f.code for f in result.findings]


def test_threshold_comes_from_policy(balanced, onehot_pipeline):
    model = onehot_pipeline(LogisticRegression()).fit(balanced.X, balanced.y)
    strict = Policy(weight_concentration=0.1)
    result = analyze_weights(model, balanced.X, policy=strict)
    (finding,) = [f for f in result.findings if f.code == "imbalanced_weights"]
    assert finding.evidence["threshold"] == 0.1
