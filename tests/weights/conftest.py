"""Shared data and real fitted models for the weight-analysis tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def dominant():
    """Synthetic data where x0 carries almost all the signal (weights [8, .2, .2, .2])."""
    from audit.datasets import make_biased_classification

    return make_biased_classification(1500, weights=[8, 0.2, 0.2, 0.2], random_state=0)


@pytest.fixture(scope="session")
def balanced():
    """Synthetic data with the default, equal true weights."""
    from audit.datasets import make_biased_classification

    return make_biased_classification(1500, random_state=1)


@pytest.fixture(scope="session")
def onehot_pipeline() -> Callable[..., Any]:
    """Factory: Pipeline(ColumnTransformer(OneHotEncoder(group), StandardScaler(rest)), est)."""

    def make(estimator: Any, numeric: list[str] | None = None) -> Any:
        from sklearn.compose import ColumnTransformer
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        numeric = numeric or ["proxy", "x0", "x1", "x2", "x3", "noise"]
        pre = ColumnTransformer(
            [("cat", OneHotEncoder(), ["group"]), ("num", StandardScaler(), numeric)]
        )
        return Pipeline([("pre", pre), ("model", estimator)])

    return make


@pytest.fixture
def numeric_frame() -> pd.DataFrame:
    """400 rows, four numeric columns on very different scales."""
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "a": rng.normal(0, 1, 400),
            "b": rng.normal(50, 10, 400),
            "c": rng.normal(0, 0.01, 400),
            "d": rng.uniform(0, 1000, 400),
        }
    )
