"""Reliance comes from earlier analyzers when they ran, else from permutation importance."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from audit.analyzers import get_analyzer, run_analyzer
from audit.context import build_context
from audit.proxies import PERMUTATION, SHAP, reliance_from_prior


def test_shap_first_then_own_permutation(biased):
    X = biased.X.drop(columns=["group"])
    model = LogisticRegression().fit(X, biased.y)
    ctx = build_context(model, biased.X, biased.y, sensitive_features="group")
    alone = run_analyzer("proxies", get_analyzer("proxies"), ctx, {})
    assert alone.result.reliance_source == PERMUTATION
    attributions = run_analyzer("attributions", get_analyzer("attributions"), ctx, {})
    prior = {"attributions": attributions}
    reliance = reliance_from_prior(prior, ctx.model_columns)
    assert reliance.source == SHAP
    share = attributions.result.importance["share"].reindex(ctx.model_columns)
    np.testing.assert_allclose(reliance.shares.to_numpy(), share.to_numpy())
    informed = run_analyzer("proxies", get_analyzer("proxies"), ctx, prior)
    assert informed.result.reliance_source == SHAP
    assert informed.result.proxies["feature"].tolist() == ["proxy"]
