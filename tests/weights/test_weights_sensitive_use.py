"""A sensitive model input with weight gives ``sensitive_attribute_used``."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from audit.policy import Policy
from audit.weights import analyze_weights


def test_group_as_model_input_fires(balanced, onehot_pipeline):
    model = onehot_pipeline(LogisticRegression()).fit(balanced.X, balanced.y)
    result = analyze_weights(model, balanced.X, sensitive_features=["group"])
    (finding,) = [f for f in result.findings if f.code == "sensitive_attribute_used"]
    row = result.by_source.set_index("source").loc["group"]
    ev = finding.evidence
    assert finding.severity == "warning"
    assert finding.subject == "group"
    assert ev["attribute"] == "group"
    assert ev["share"] == pytest.approx(row["share"])
    assert ev["share"] >= 0.05
    assert ev["threshold"] == 0.05
    assert ev["rank"] == row["rank"]
    assert [c["feature"] for c in ev["columns"]] == ["cat__group_A", "cat__group_B"]
    assert bool(row["sensitive"])


def test_not_fired_when_not_asked_or_below_threshold(balanced, onehot_pipeline):
    model = onehot_pipeline(LogisticRegression()).fit(balanced.X, balanced.y)
    plain = analyze_weights(model, balanced.X)
    assert "sensitive_attribute_used" not in [f.code for f in plain.findings]
    lenient = analyze_weights(
        model, balanced.X, sensitive_features="group", policy=Policy(sensitive_weight_share=0.9)
    )
    assert "sensitive_attribute_used" not in [f.code for f in lenient.findings]


def test_sensitive_column_the_model_does_not_see(balanced):
    X = balanced.X.drop(columns="group")
    model = LogisticRegression().fit(X, balanced.y)
    result = analyze_weights(model, balanced.X, sensitive_features=["group"])
    assert "sensitive_attribute_used" not in [f.code for f in result.findings]


def test_tree_importance_counts_as_use(balanced, onehot_pipeline):
    model = onehot_pipeline(DecisionTreeClassifier(max_depth=4, random_state=0))
    model.fit(balanced.X, balanced.y)
    result = analyze_weights(
        model, balanced.X, sensitive_features="group", policy=Policy(sensitive_weight_share=0.0)
    )
    codes = [f.code for f in result.findings]
    assert "sensitive_attribute_used" in codes
