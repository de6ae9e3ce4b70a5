"""Helpers shared by tests (importable because tests/ is on sys.path via its conftest)."""

from __future__ import annotations

import pandas as pd

# Data backends every table-taking test can run on (fairlearn's conftest idea).
BACKENDS = ["pandas", "polars", "pyarrow", "numpy"]


def to_backend(frame: pd.DataFrame, backend: str):
    """Convert a pandas frame to another backend."""
    if backend == "pandas":
        return frame
    if backend == "polars":
        import polars as pl

        return pl.from_pandas(frame)
    if backend == "pyarrow":
        import pyarrow as pa

        return pa.Table.from_pandas(frame, preserve_index=False)
    if backend == "numpy":
        return frame.to_numpy()
    raise ValueError(backend)
