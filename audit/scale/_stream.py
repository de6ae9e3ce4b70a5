"""One bounded pass over a table too large for memory: score, sample and digest each batch.

:func:`scan_and_score` reads the table in record batches (DuckDB or a pyarrow
dataset scanner for files), and for each batch

1. scores it with the model (:class:`audit.scale.BatchScorer`) and appends the
   small scored columns to a Parquet file (``pyarrow.parquet.ParquetWriter``),
   which the count engine then reads (:func:`audit.fairness.group_metrics_from_table`);
2. offers it to the stratified sampler (:class:`audit.scale.GroupQuotaSampler`),
   whose quotas come from a first pass over the sensitive columns only;
3. adds its per-row content hashes to the data's digest.

Peak memory is one batch plus the sample, whatever the number of rows.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from audit.errors import DataValidationError
from audit.scale._sample import GroupQuotaSampler, StratifiedSample, group_sizes, row_hashes
from audit.scale._scoring import BatchScorer, column_names, engine_of, record_batches

__all__ = ["ScanResult", "scan_and_score"]


@dataclass(frozen=True, eq=False)
class ScanResult:
    """What one pass over a large table produced.

    Attributes
    ----------
    path : str
        The Parquet file of scored columns (one row per row of the table).
    columns : tuple of str
        Its columns.
    rows : int
        Rows scored.
    batches : int
        Record batches read.
    columns_read : tuple of str
        The table's columns the pass read.
    data_hash : str
        SHA-256 (16 hex digits) of the names of the columns read and of every
        row's content hash, in row order.
    sample : StratifiedSample
        The stratified sample of the rows (every column read).
    """

    path: str
    columns: tuple[str, ...]
    rows: int
    batches: int
    columns_read: tuple[str, ...]
    data_hash: str
    sample: StratifiedSample


def scan_and_score(
    table: Any,
    scorer: BatchScorer,
    path: str | os.PathLike[str],
    *,
    batch_rows: int,
    sample_rows: int,
    min_per_group: int,
    random_state: int,
    connection: Any = None,
    engine: str = "duckdb",
    progress: Callable[[str], None] | None = None,
) -> ScanResult:
    """Score every row of ``table`` into the Parquet file ``path``, drawing the sample meanwhile.

    Raises
    ------
    UnknownColumnError
        A named column is not in the table.
    DataValidationError
        A batch the audit cannot use (missing values, unknown labels, ...), as
        :func:`audit.audit_model` would say it; or a table with no rows.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = scorer.input_columns(column_names(table, connection=connection, engine=engine))
    sizes = group_sizes(
        table, scorer.sensitive, batch_rows=batch_rows, connection=connection, engine=engine
    )
    sampler = GroupQuotaSampler(sizes, scorer.sensitive, sample_rows, min_per_group, random_state)
    digest = hashlib.sha256(",".join(cols).encode())
    writer: Any = None
    schema: Any = None
    rows = batches = 0
    try:
        for frame in record_batches(
            table, cols, batch_rows=batch_rows, connection=connection, engine=engine
        ):
            if not len(frame):
                continue
            hashes = row_hashes(frame)
            digest.update(memoryview(hashes))
            sampler.add(frame, hashes)
            scored = pa.Table.from_pandas(scorer(frame), preserve_index=False)
            if writer is None:
                schema = scored.schema
                writer = pq.ParquetWriter(os.fspath(path), schema)
            elif scored.schema != schema:
                scored = scored.cast(schema)
            writer.write_table(scored)
            rows += len(frame)
            batches += 1
            if progress is not None and batches % 10 == 0:
                progress(f"scored {rows:,} rows")
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise DataValidationError("The data has no rows; an audit needs at least one row.")
    return ScanResult(
        path=os.fspath(path),
        columns=tuple(schema.names),
        rows=rows,
        batches=batches,
        columns_read=tuple(cols),
        data_hash=digest.hexdigest()[:16],
        sample=sampler.result(engine if engine_of(table) == "file" else engine_of(table)),
    )
