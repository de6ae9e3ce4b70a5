"""The importance analyzer: one table per input column, SHAP shared with attributions."""

from __future__ import annotations

import json

from sklearn.ensemble import HistGradientBoostingClassifier

import audit
from audit.analyzers import get_analyzer, run_analyzer
from audit.context import build_context


def test_analyzer_table_and_shared_attributions(biased):
    X = biased.X.drop(columns=["group"])
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, biased.y)
    ctx = build_context(model, biased.X, biased.y, sensitive_features="group")
    importance = run_analyzer("importance", get_analyzer("importance"), ctx)
    assert importance.status == "ran", importance.reason
    table = importance.result.table
    assert list(table.index) == list(X.columns)
    assert {"permutation", "permutation_pct", "shap", "rank_permutation", "rank_shap"} <= set(
        table.columns
    )
    assert "coefficient" not in table  # a tree model has no coefficients
    attributions = run_analyzer("attributions", get_analyzer("attributions"), ctx)
    assert attributions.result is importance.result.attributions
    record = importance.result.to_dict()
    json.dumps(record)
    assert record["target"] == "y_true"
    assert set(record) == {
        "methods",
        "target",
        "scoring",
        "baseline_score",
        "n_repeats",
        "n_rows",
        "random_state",
        "table",
        "rank_correlation",
        "drop_column",
        "notes",
    }


def test_report_importance_is_the_table_and_labels_are_optional(biased):
    X = biased.X.drop(columns=["group"])
    model = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, biased.y)
    report = audit.audit_model(
        model,
        biased.X,
        None,
        sensitive_features="group",
        analyzers=["importance"],
        analyzer_options={"importance": {"shap": False}},
    )
    assert list(report.importance.index) == list(X.columns)
    assert report.outputs["importance"].result.target == "y_pred"
