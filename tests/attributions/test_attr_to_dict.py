"""to_dict() is JSON-serialisable and identical for a fixed seed."""

from __future__ import annotations

import json

from sklearn.ensemble import RandomForestClassifier

from audit.attributions import explain


def test_to_dict_is_json_and_deterministic(biased):
    X = biased.X.drop(columns=["group"])
    model = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(X, biased.y)
    first = explain(model, X, sensitive_features=biased.X["group"], max_rows=300, random_state=5)
    again = explain(model, X, sensitive_features=biased.X["group"], max_rows=300, random_state=5)
    text = json.dumps(first.to_dict(), sort_keys=True)
    assert text == json.dumps(again.to_dict(), sort_keys=True)
    record = json.loads(text)
    assert set(record) == {
        "explainer",
        "reason",
        "output_space",
        "output_names",
        "features",
        "n_rows",
        "n_explained",
        "random_state",
        "base_value",
        "additivity",
        "importance",
        "by_group",
        "sample_sizes",
    }
    assert record["n_explained"] == 300
    assert record["importance"][0]["rank"] == 1
    assert {r["group"] for r in record["by_group"]} == {"A", "B"}
