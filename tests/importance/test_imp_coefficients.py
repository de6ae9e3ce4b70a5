"""Coefficient importance: |coef| * std in the transformed space, summed by source column."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier

from audit.importance import coefficient_importance


def test_pipeline_coefficients_summed_by_source(adult_pipeline):
    model, X, _ = adult_pipeline
    result = coefficient_importance(model, X)
    matrix = model[:-1].transform(X)
    names = model[:-1].get_feature_names_out()
    per_column = np.abs(model[-1].coef_[0]) * matrix.std(axis=0)
    expected = {}
    for name, value in zip(names, per_column, strict=True):
        source = next(c for c in X.columns if name.split("__", 1)[1].startswith(c))
        expected[source] = expected.get(source, 0.0) + value
    pd.testing.assert_series_equal(
        result, pd.Series(expected, name="coefficient")[list(X.columns)].rename_axis("feature")
    )


def test_not_linear_gives_none(biased):
    X = biased.X.drop(columns=["group"])
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, biased.y)
    assert coefficient_importance(forest, X) is None
