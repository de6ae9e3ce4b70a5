"""Reliance is one quantity of the context: the same whichever analyzers run, computed once."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

import audit
from audit.analyzers import get_analyzer, quantities, run_analyzer
from audit.attributions import attributions_key
from audit.context import build_context
from audit.proxies import SHAP


def test_reliance_is_shap_and_shared_with_the_attribution_analyzer(biased):
    X = biased.X.drop(columns=["group"])
    model = LogisticRegression().fit(X, biased.y)
    ctx = build_context(model, biased.X, biased.y, sensitive_features="group")
    alone = run_analyzer("proxies", get_analyzer("proxies"), ctx)
    assert alone.result.reliance_source == SHAP
    # the proxies analyzer asked for the attributions; the attribution analyzer reuses them
    assert ctx.is_derived(attributions_key(quantities.attribution_settings(ctx)))
    attributions = run_analyzer("attributions", get_analyzer("attributions"), ctx)
    assert attributions.result is quantities.attributions(ctx)
    reliance = quantities.reliance(ctx)
    share = attributions.result.importance["share"].reindex(ctx.model_columns)
    np.testing.assert_allclose(reliance.shares.to_numpy(), share.to_numpy())
    assert alone.result.proxies["feature"].tolist() == ["proxy"]


def test_proxies_alone_equal_proxies_in_the_full_audit(biased):
    X = biased.X.drop(columns=["group"])
    model = LogisticRegression().fit(X, biased.y)
    alone = audit.audit_model(
        model, biased.X, biased.y, sensitive_features="group", analyzers=["proxies"]
    )
    full = audit.audit_model(model, biased.X, biased.y, sensitive_features="group")
    a, b = alone.proxies.table, full.proxies.table
    assert a.equals(b)
    assert alone.proxies.reliance_source == full.proxies.reliance_source == SHAP
