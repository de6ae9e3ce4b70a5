"""Audited models shared by the report tests."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

import audit
from audit.datasets import make_biased_classification

FEATURES = ["proxy", "x0", "x1", "x2", "x3"]


def planted_disparity_report(n: int = 3000, *, n_boot: int = 0, seed: int = 0, **kwargs):
    """A model trained on labels biased against group B, seeing a proxy of the group."""
    data = make_biased_classification(n, bias=2.0, proxy_strength=0.9, random_state=seed)
    rng = np.random.default_rng(seed + 1)
    X = data.X.assign(region=rng.choice(["north", "south"], n))
    model = LogisticRegression().fit(X[FEATURES], data.y)
    return audit.audit_model(
        model,
        X,
        data.y,
        sensitive_features=["group", "region"],
        n_boot=n_boot,
        random_state=seed,
        name="planted",
        **kwargs,
    )
