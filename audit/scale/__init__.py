"""Audits of tables larger than memory, and of tables that live in Spark, Dask or DuckDB.

Group fairness only needs per-group counts, and counts are sums: so the model
is applied where the data is and only the counts come back
(:mod:`audit.fairness`'s ``group_metrics_from_table`` computes them with the
table's engine). This package brings the model to the data:

* :class:`BatchScorer` scores a batch of rows through the audit context (the
  one validator and owner of labels, predictions and scores), and every engine
  runs it: Spark ``mapInPandas`` (:func:`score_spark`), Dask ``map_partitions``
  (:func:`score_dask`), record batches of files, DuckDB relations and pyarrow
  datasets (:func:`record_batches`, :func:`score_batches`);
* :func:`scan_and_score` makes one bounded pass over a large table: it writes
  the scored columns to a Parquet file for the count engine, draws the
  stratified sample and digests the rows;
* :func:`stratified_sample` draws a seeded sample with every sensitive group
  represented, by the table's engine, for the analyses that need rows (SHAP,
  permutation importance, proxies, slices, the flip test).

:func:`audit.audit_large` puts these together into an :class:`audit.AuditReport`.
"""

from __future__ import annotations

from audit.scale._sample import (
    DEFAULT_MIN_PER_GROUP,
    Allocation,
    GroupQuotaSampler,
    StratifiedSample,
    allocate,
    group_sizes,
    row_hashes,
    sample_keys,
    stratified_sample,
)
from audit.scale._scoring import (
    SCORE,
    WEIGHT,
    Y_PRED,
    Y_TRUE,
    BatchScorer,
    column_names,
    engine_of,
    open_file,
    record_batches,
    score_batches,
    score_dask,
    score_spark,
)
from audit.scale._stream import ScanResult, scan_and_score

__all__ = [
    "DEFAULT_MIN_PER_GROUP",
    "SCORE",
    "WEIGHT",
    "Y_PRED",
    "Y_TRUE",
    "Allocation",
    "BatchScorer",
    "GroupQuotaSampler",
    "ScanResult",
    "StratifiedSample",
    "allocate",
    "column_names",
    "engine_of",
    "group_sizes",
    "open_file",
    "record_batches",
    "row_hashes",
    "sample_keys",
    "scan_and_score",
    "score_batches",
    "score_dask",
    "score_spark",
    "stratified_sample",
]
