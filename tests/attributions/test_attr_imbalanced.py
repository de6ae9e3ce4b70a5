"""One feature holding most of the mean |SHAP| gives imbalanced_attributions."""

from __future__ import annotations

from sklearn.linear_model import LogisticRegression

from audit.attributions import IMBALANCED_CODE, attribution_findings, explain
from audit.datasets import make_biased_classification


def test_dominant_feature_is_flagged():
    data = make_biased_classification(1500, weights=[8, 0.2, 0.2, 0.2], bias=0.2, random_state=1)
    X = data.X.drop(columns=["group"])
    result = explain(LogisticRegression().fit(X, data.y), X)
    (finding,) = [f for f in attribution_findings(result) if f.code == IMBALANCED_CODE]
    assert finding.subject == "x0"
    assert finding.evidence["share"] == result.importance.loc["x0", "share"] > 0.5
    assert finding.evidence["threshold"] == 0.5


def test_balanced_features_are_not_flagged(biased):
    X = biased.X.drop(columns=["group"])
    result = explain(LogisticRegression().fit(X, biased.y), X)
    assert IMBALANCED_CODE not in {f.code for f in attribution_findings(result)}
