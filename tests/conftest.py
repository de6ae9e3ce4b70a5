"""Shared fixtures: small real datasets and real fitted models."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

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


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A real local SparkSession: ``local[1]``, 1 shuffle partition, 127.0.0.1, no UI.

    Started once per test session (about 20 s; the first job a few seconds
    more), stopped at the end.
    """
    pytest.importorskip("pyspark")
    if shutil.which("java") is None and not os.environ.get("MODEL_AUDIT_REQUIRE_SPARK"):
        pytest.skip("Spark needs a Java runtime (apt-get install openjdk-17-jre-headless)")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers (mapInPandas) use this venv
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("model-audit-tests")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.executor.memory", "1g")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
