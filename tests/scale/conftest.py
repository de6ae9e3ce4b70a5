"""Engines for the table path: one real local SparkSession, and the same rows on every engine.

Every dataset is built once as a pyarrow Table (NaN stays NaN, nulls are real
nulls) and converted, once per test session, to each engine the tests
parametrize over:

* ``pandas``  - ``pandas.DataFrame``
* ``polars``  - ``polars.LazyFrame``
* ``pyarrow`` - a ``pyarrow.Table`` of three chunks (chunked tables are where
  some narwhals window functions go silently wrong, ../shared/SCALE.md)
* ``duckdb``  - a relation of an in-memory DuckDB connection (``con.from_arrow``)
* ``spark``   - a PySpark DataFrame of a real local SparkSession (``local[1]``,
  bound to 127.0.0.1), started on first use and stopped at the end of the session
* ``dask``    - a Dask DataFrame of 3 partitions

The in-memory reference is ``audit.fairness.group_counts`` / ``group_metrics``
on the numpy columns of the same rows (:func:`reference_inputs`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
import pytest

ENGINES: tuple[str, ...] = ("pandas", "polars", "pyarrow", "duckdb", "spark", "dask")
"""Every engine the table path must accept (``engine`` fixture parameters)."""


# --------------------------------------------------------------------------- Spark


# The SparkSession fixture `spark` is in tests/conftest.py (shared with tests/scale_ooc).


# --------------------------------------------------------------------------- DuckDB


@pytest.fixture(scope="session")
def duckdb_connection() -> Iterator[Any]:
    """One in-memory DuckDB connection for the test session."""
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect(":memory:")
    yield con
    con.close()


# --------------------------------------------------------------------------- conversion


def _chunked(table: pa.Table, chunks: int = 3) -> pa.Table:
    size = max(1, math.ceil(table.num_rows / chunks))
    return pa.Table.from_batches(table.to_batches(max_chunksize=size), schema=table.schema)


def to_engine(table: pa.Table, engine: str, request: pytest.FixtureRequest) -> Any:
    """The rows of ``table`` as the native table of ``engine``."""
    if engine == "pandas":
        return table.to_pandas()
    if engine == "polars":
        pl = pytest.importorskip("polars")
        return pl.from_arrow(table).lazy()
    if engine == "pyarrow":
        return _chunked(table)
    if engine == "duckdb":
        con = request.getfixturevalue("duckdb_connection")
        return con.from_arrow(_chunked(table))
    if engine == "spark":
        session = request.getfixturevalue("spark")
        return session.createDataFrame(table)
    if engine == "dask":
        dd = pytest.importorskip("dask.dataframe")
        return dd.from_pandas(table.to_pandas(), npartitions=3)
    raise ValueError(engine)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Name of an engine; tests using it run once per entry of :data:`ENGINES`."""
    return request.param


@pytest.fixture(scope="session")
def _engine_cache() -> dict[tuple[str, str], Any]:
    return {}


@pytest.fixture
def as_engine(
    request: pytest.FixtureRequest, _engine_cache: dict[tuple[str, str], Any]
) -> Callable[..., Any]:
    """``as_engine(table, engine, key=None)``: the rows as ``engine``'s table.

    With ``key`` the converted table is kept for the session (Spark and Dask
    conversions are not free), so tests on the same dataset share it.
    """

    def convert(table: pa.Table, engine: str, key: str | None = None) -> Any:
        if key is None:
            return to_engine(table, engine, request)
        if (key, engine) not in _engine_cache:
            _engine_cache[(key, engine)] = to_engine(table, engine, request)
        return _engine_cache[(key, engine)]

    return convert


from scale_data import dataset, reference_inputs  # noqa: E402


@pytest.fixture(scope="session")
def datasets() -> Callable[[str], tuple[pa.Table, dict[str, Any]]]:
    """``datasets(name)`` -> (Arrow table, audit keyword arguments); see :data:`DATASETS`."""
    return dataset


@pytest.fixture(scope="session")
def reference() -> Callable[[pa.Table, dict[str, Any]], dict[str, Any]]:
    """``reference(table, kwargs)``: the in-memory call's arguments for the same rows."""
    return reference_inputs


def engine_name(engine: str) -> str | None:
    """What ``GroupCounts.engine`` must say for a test engine (None: not pinned down)."""
    return {"duckdb": "duckdb", "polars": "polars", "spark": "spark", "dask": "dask"}.get(engine)


@pytest.fixture(scope="session")
def expected_engine() -> Callable[[str], str | None]:
    """``expected_engine(engine)``: the ``GroupCounts.engine`` an engine must report."""
    return engine_name
