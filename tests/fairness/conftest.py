"""Shared data and backends for the fairness engine tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

BACKENDS: tuple[str, ...] = ("pandas", "polars", "pyarrow", "numpy")


def _convert_frame(frame: pd.DataFrame, backend: str) -> Any:
    if backend == "pandas":
        return frame
    if backend == "polars":
        import polars as pl

        return pl.from_pandas(frame)
    if backend == "pyarrow":
        import pyarrow as pa

        return pa.Table.from_pandas(frame, preserve_index=False)
    if backend == "numpy":
        return {c: frame[c].to_numpy() for c in frame.columns}
    raise ValueError(backend)


def _convert_array(values: np.ndarray, backend: str) -> Any:
    if backend == "pandas":
        return pd.Series(values)
    if backend == "polars":
        import polars as pl

        return pl.Series(values)
    if backend == "pyarrow":
        import pyarrow as pa

        return pa.chunked_array([pa.array(values)])
    if backend == "numpy":
        return np.asarray(values)
    raise ValueError(backend)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Name of a dataframe backend; every backend test runs once per entry of BACKENDS."""
    return request.param


@pytest.fixture
def convert() -> tuple[Callable[[pd.DataFrame, str], Any], Callable[[np.ndarray, str], Any]]:
    """Functions converting a pandas frame / numpy array to a backend's native object."""
    return _convert_frame, _convert_array


def make_binary(
    n: int,
    sizes: tuple[int, ...],
    *,
    seed: int,
    weighted: bool = False,
    scores: bool = False,
) -> dict[str, Any]:
    """Random binary data with intersectional string groups of the given level counts."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            f"s{j}": np.array([f"L{j}_{k}" for k in range(size)], dtype=object)[
                rng.integers(0, size, n)
            ]
            for j, size in enumerate(sizes)
        }
    )
    base = rng.uniform(0.2, 0.8, size=int(np.prod(sizes)))
    code = np.zeros(n, dtype=np.int64)
    for j, size in enumerate(sizes):
        code = code * size + frame[f"s{j}"].str.split("_").str[1].astype(int).to_numpy()
    y_true = (rng.random(n) < base[code]).astype(np.int64)
    score = np.clip(0.35 * y_true + 0.65 * rng.random(n), 0, 1)
    y_pred = (score > 0.5).astype(np.int64)
    out: dict[str, Any] = {"frame": frame, "y_true": y_true, "y_pred": y_pred}
    out["weights"] = rng.uniform(0.1, 3.0, n) if weighted else None
    out["scores"] = np.round(score, 3) if scores else None
    return out


@pytest.fixture
def binary_data() -> Callable[..., dict[str, Any]]:
    """Factory of random binary data, see :func:`make_binary`."""
    return make_binary
