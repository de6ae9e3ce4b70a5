"""ProxyResult.to_dict() is JSON and identical for a fixed seed."""

from __future__ import annotations

import json

from sklearn.linear_model import LogisticRegression

from audit.proxies import TABLE_COLUMNS, detect_proxies


def test_to_dict_is_json_and_deterministic(biased):
    X = biased.X.drop(columns=["group"])
    model = LogisticRegression().fit(X, biased.y)
    first = detect_proxies(model, biased.X, "group", y=biased.y, random_state=3)
    again = detect_proxies(model, biased.X, "group", y=biased.y, random_state=3)
    text = json.dumps(first.to_dict(), sort_keys=True)
    assert text == json.dumps(again.to_dict(), sort_keys=True)
    record = json.loads(text)
    assert set(record) == {
        "reliance_source",
        "threshold",
        "top_k",
        "attributes",
        "sensitive_in_model",
        "encoding_threshold",
        "seen",
        "table",
    }
    assert set(record["table"][0]) == set(TABLE_COLUMNS)
    assert list(first.to_frame().columns) == list(TABLE_COLUMNS)
