"""Data, models and a local SparkSession for the out-of-core and scored-where-it-lives tests."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

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


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A real local SparkSession (``local[1]``, 127.0.0.1, no UI), started once (about 20 s)."""
    pytest.importorskip("pyspark")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers (mapInPandas) use this venv
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("model-audit-ooc-tests")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
