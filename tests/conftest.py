"""Shared fixtures: small real datasets and real fitted models."""

from __future__ import annotations

import os

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def biased():
    """Synthetic biased data (2,000 rows) with known ground truth."""
    from audit.datasets import make_biased_classification

    return make_biased_classification(2000, bias=1.0, proxy_strength=0.8, random_state=0)


@pytest.fixture(scope="session")
def adult_small():
    """A 3,000-row stratified sample of Adult, without missing values."""
    from audit.datasets import load_adult

    df = load_adult(drop_missing=True)
    return df.sample(3000, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="session")
def adult_pipeline(adult_small):
    """LogisticRegression Pipeline with ColumnTransformer (scaler + one-hot) on Adult."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = ["age", "education_num", "hours_per_week", "capital_gain"]
    categorical = ["sex", "race", "workclass"]
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
        ]
    )
    model = Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=1000))])
    X = adult_small[numeric + categorical]
    model.fit(X, adult_small["income"])
    return model, X, adult_small["income"]


@pytest.fixture
def rng():
    return np.random.default_rng(0)
