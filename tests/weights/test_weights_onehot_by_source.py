"""One-hot columns are summed back to their input column in ``by_source``."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from audit.weights import analyze_weights


def test_by_source_sums_abs_standardized_over_onehot_columns(dominant, onehot_pipeline):
    model = onehot_pipeline(LogisticRegression()).fit(dominant.X, dominant.y)
    result = analyze_weights(model, dominant.X)
    coef = result.coefficients
    by_source = result.by_source.set_index("source")
    group_cols = coef[coef["source"] == "group"]
    assert len(group_cols) == 2
    assert by_source.loc["group", "weight"] == pytest.approx(group_cols["standardized"].abs().sum())
    assert by_source.loc["group", "n_columns"] == 2
    assert by_source["share"].sum() == pytest.approx(1.0)
    total = coef["standardized"].abs().sum()
    for source, row in by_source.iterrows():
        part = coef.loc[coef["source"] == source, "standardized"].abs().sum()
        assert row["share"] == pytest.approx(part / total)
    assert list(result.by_source["rank"]) == list(range(1, len(by_source) + 1))
    assert np.all(np.diff(result.by_source["weight"]) <= 0)


def test_multiclass_sums_over_classes(dominant, onehot_pipeline):
    y = np.digitize(dominant.X["x0"], [-0.5, 0.5])
    model = onehot_pipeline(LogisticRegression(max_iter=1000)).fit(dominant.X, y)
    result = analyze_weights(model, dominant.X)
    coef = result.coefficients
    x1 = coef.loc[coef["source"] == "x1", "standardized"].abs().sum()
    assert len(coef[coef["source"] == "x1"]) == 3
    weight = result.by_source.set_index("source").loc["x1", "weight"]
    assert weight == pytest.approx(x1)
