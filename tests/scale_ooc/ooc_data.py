"""Rows for the out-of-core tests (a plain module, importable from the tests of this folder)."""

from __future__ import annotations

import numpy as np
import pandas as pd

FEATURES = ["a", "b", "c", "d"]
SENSITIVE = ["sex", "race"]


def make_rows(n: int, seed: int = 0) -> pd.DataFrame:
    """Four numeric features, ``sex`` (2 levels), ``race`` (3, one rare), a 0/1 label, a weight.

    The label depends on ``sex``, so the groups differ; ``race="z"`` holds
    about 2 % of the rows.
    """
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, len(FEATURES))), columns=FEATURES)
    frame["sex"] = np.where(rng.random(n) < 0.35, "f", "m")
    frame["race"] = np.array(["x", "y", "z"])[rng.choice(3, n, p=[0.8, 0.18, 0.02])]
    noise = rng.normal(size=n)
    frame["label"] = (frame["a"] + 0.4 * (frame["sex"] == "m") + noise > 0.2).astype(np.int64)
    frame["w"] = rng.uniform(0.5, 2.0, n)
    return frame


WIDE_FEATURES = [f"x{i}" for i in range(8)]
"""The numeric columns of :func:`write_parquet`'s files."""


def wide_rows(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Eight numeric features, ``sex``, ``race`` (one rare level) and a 0/1 label."""
    frame = pd.DataFrame(rng.normal(size=(n, len(WIDE_FEATURES))), columns=WIDE_FEATURES)
    frame["sex"] = np.where(rng.random(n) < 0.35, "f", "m")
    frame["race"] = np.array(["x", "y", "z"])[rng.choice(3, n, p=[0.8, 0.18, 0.02])]
    signal = frame["x0"] - 0.5 * frame["x1"] + 0.4 * (frame["sex"] == "m")
    frame["label"] = (signal + rng.normal(size=n) > 0.2).astype(np.int64)
    return frame


def write_parquet(path, n_rows: int, seed: int, chunk_rows: int = 250_000) -> int:
    """Write ``n_rows`` of :func:`wide_rows` chunk by chunk (one row group each).

    Generation holds one chunk at a time. Returns the bytes the rows take in
    memory as Arrow columns (what reading the whole file would hold).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    writer = None
    in_memory = 0
    try:
        for start in range(0, n_rows, chunk_rows):
            table = pa.Table.from_pandas(
                wide_rows(min(chunk_rows, n_rows - start), rng), preserve_index=False
            )
            if writer is None:
                writer = pq.ParquetWriter(str(path), table.schema)
            writer.write_table(table)
            in_memory += table.nbytes
    finally:
        if writer is not None:
            writer.close()
    return in_memory
