"""A full audit (every analyzer, bootstrap on) that the determinism test runs in two processes."""

from __future__ import annotations

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import audit
from audit.datasets import make_biased_classification

NUMERIC = ["proxy", "x0", "x1", "x2"]
CATEGORICAL = ["region"]


def full_audit(
    seed: int = 7, n: int = 600, n_boot: int = 50, random_state: int | None = None
) -> audit.AuditReport:
    """Audit a scaler + one-hot + logistic-regression Pipeline with all five analyzers.

    ``seed`` draws the data; ``random_state`` (default: ``seed``) seeds the audit.
    """
    data = make_biased_classification(n, bias=1.5, proxy_strength=0.8, random_state=seed)
    rng = np.random.default_rng(seed + 1)
    X = data.X.assign(region=rng.choice(["north", "south", "east"], n))
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), CATEGORICAL),
        ]
    )
    model = Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=500))])
    model.fit(X[NUMERIC + CATEGORICAL], data.y)
    return audit.audit_model(
        model,
        X,
        data.y,
        sensitive_features=["group", "region"],
        n_boot=n_boot,
        random_state=seed if random_state is None else random_state,
        name="determinism",
    )
