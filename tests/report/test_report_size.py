"""The report holds aggregates only, so its size does not grow with the rows."""

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

import audit


def test_a_million_rows_stays_under_2_mb():
    rng = np.random.default_rng(0)
    n = 1_000_000
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "sex": rng.choice(["f", "m"], n),
            "race": rng.choice(list("vwxyz"), n),
        }
    )
    y = (X["a"] + rng.normal(size=n) > 0).astype(int)
    model = LogisticRegression().fit(X[["a", "b"]].iloc[:20_000], y.iloc[:20_000])
    report = audit.audit_model(
        model, X, y, sensitive_features=["sex", "race"], analyzers=["fairness", "weights"]
    )
    html = report.to_html()
    assert report.data["n_rows"] == n
    assert len(html.encode()) < 2 * 1024 * 1024
    assert len(report.to_json().encode()) < 2 * 1024 * 1024


def test_ten_thousand_groups_stay_under_2_mb():
    rng = np.random.default_rng(0)
    n = 60_000
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = (X["a"] + rng.normal(size=n) > 0).astype(int)
    groups = pd.Series(rng.integers(0, 10_000, n).astype(str), name="g")
    model = LogisticRegression().fit(X, y)
    report = audit.audit_model(model, X, y, sensitive_features=groups, analyzers=["fairness"])
    assert len(report.fairness.by_group) > 9_000
    html = report.to_html()
    assert len(html.encode()) < 2 * 1024 * 1024
    assert "more in the JSON record" in html
