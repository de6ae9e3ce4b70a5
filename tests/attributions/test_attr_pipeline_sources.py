"""Pipeline attributions: one-hot columns summed back to their source column add up."""

from __future__ import annotations

import numpy as np

from audit.attributions import explain


def test_onehot_attributions_sum_to_source_columns(adult_pipeline):
    model, X, _ = adult_pipeline
    result = explain(model, X, sensitive_features=["sex"], max_rows=500)
    assert result.explainer == "linear"
    assert result.feature_names == tuple(X.columns)
    sources = np.asarray(result.transformed_sources)
    for j, column in enumerate(result.feature_names):
        summed = result.transformed_values[:, sources == column, :].sum(axis=1)
        np.testing.assert_allclose(result.values[:, j, :], summed, rtol=1e-12, atol=1e-12)
    assert (sources == "race").sum() > 1  # one-hot really had several columns
    rows = X.iloc[result.row_positions]
    total = result.base_values[:, 0] + result.values[:, :, 0].sum(axis=1)
    np.testing.assert_allclose(total, model.decision_function(rows), rtol=1e-9, atol=1e-9)
    assert result.additivity_max_error < 1e-9


def test_onehot_is_masked_as_one_column_by_the_permutation_explainer(adult_pipeline):
    model, X, _ = adult_pipeline
    result = explain(model, X, explainer="permutation", max_rows=4, background_size=10)
    assert result.feature_names == tuple(X.columns)
    assert result.transformed_values is None
    rows = X.iloc[result.row_positions]
    total = result.base_values[:, 0] + result.values[:, :, 0].sum(axis=1)
    np.testing.assert_allclose(total, model.predict_proba(rows)[:, 1], rtol=1e-9, atol=1e-9)
