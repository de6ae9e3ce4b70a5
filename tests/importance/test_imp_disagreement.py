"""importance_disagreement when two methods' top features are outside each other's top k."""

from __future__ import annotations

import pandas as pd

from audit.importance import DISAGREEMENT_CODE, comparison_table, rank_correlations
from audit.importance._compare import disagreement_findings
from audit.policy import Policy

FEATURES = ["a", "b", "c", "d", "e", "f"]


def _findings(permutation: list[float], shap: list[float]):
    table = comparison_table(
        {
            "permutation": pd.Series(permutation, index=FEATURES),
            "shap": pd.Series(shap, index=FEATURES),
        },
        FEATURES,
    )
    return disagreement_findings(table, rank_correlations(table), Policy(), analyzer="importance")


def test_disagreeing_top_features_are_reported():
    (finding,) = _findings([6, 5, 4, 3, 2, 1], [1, 2, 3, 4, 5, 6])
    assert finding.code == DISAGREEMENT_CODE
    assert finding.severity == "info"
    assert finding.subject == "permutation vs shap"
    assert finding.evidence["k"] == 2  # min(proxy_top_k=5, 6 // 3)
    assert finding.evidence["top_permutation"] == ["a", "b"]
    assert finding.evidence["top_shap"] == ["f", "e"]
    assert finding.evidence["spearman"] == -1.0


def test_agreeing_top_features_are_not():
    assert _findings([6, 5, 4, 3, 2, 1], [5, 6, 1, 2, 3, 4]) == []
