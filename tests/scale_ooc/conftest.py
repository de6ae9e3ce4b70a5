"""Data, models and a local SparkSession for the out-of-core and scored-where-it-lives tests."""

from __future__ import annotations

import pandas as pd
import pytest
from ooc_data import FEATURES, make_rows
from sklearn.linear_model import LogisticRegression


@pytest.fixture(scope="session")
def rows() -> pd.DataFrame:
    """20,000 rows of :func:`make_rows`."""
    return make_rows(20_000, seed=1)


@pytest.fixture(scope="session")
def model(rows: pd.DataFrame) -> LogisticRegression:
    """A LogisticRegression fitted on the features of :func:`rows`."""
    return LogisticRegression().fit(rows[FEATURES], rows["label"])


# The SparkSession fixture `spark` is in tests/conftest.py.
