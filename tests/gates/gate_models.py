"""Biased and fair audited models shared by the gate tests."""

from sklearn.linear_model import LogisticRegression

import audit
from audit.datasets import make_biased_classification

FEATURES = ["proxy", "x0", "x1", "x2", "x3"]


def biased_report(n: int = 4000, seed: int = 0):
    """A model trained on strongly biased labels, with a proxy of the group as input."""
    data = make_biased_classification(n, bias=2.0, proxy_strength=0.9, random_state=seed)
    model = LogisticRegression().fit(data.X[FEATURES], data.y)
    return audit.audit_model(
        model, data.X, data.y, sensitive_features="group", analyzers=["fairness"], name="biased"
    )


def fair_report(n: int = 4000, seed: int = 0):
    """A model trained on unbiased labels, without the group or its proxy."""
    data = make_biased_classification(n, bias=0.0, proxy_strength=0.0, random_state=seed)
    model = LogisticRegression().fit(data.X[["x0", "x1", "x2", "x3"]], data.y)
    return audit.audit_model(
        model, data.X, data.y, sensitive_features="group", analyzers=["fairness"], name="fair"
    )
