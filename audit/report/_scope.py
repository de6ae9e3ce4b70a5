"""What the numbers of a report were computed on: all rows, a sample, which engine.

An out-of-core audit (:func:`audit.audit_large`) records
``report.data["data_scope"]``: fairness and calibration read every row (counted
by an engine), the other analyses a stratified sample. These helpers turn that
record, and the engine of the fairness counts, into the report's words; every
string is plain text, escaped by the templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from audit._numbers import fmt
from audit.fairness import SCORE_BINS
from audit.report._blocks import Block, table_block

__all__ = [
    "MAX_SCOPE_GROUPS",
    "binned_auc_text",
    "counts_engine_text",
    "data_scope",
    "engine_name",
    "scope_blocks",
    "scope_line",
]

MAX_SCOPE_GROUPS = 50
"""Groups the per-group table of the data scope shows; the rest are counted (JSON: all)."""
_MAX_COLUMNS_LISTED = 40
_ENGINE_NAMES = {
    "duckdb": "DuckDB",
    "spark": "Spark",
    "dask": "Dask",
    "polars": "polars",
    "pyarrow": "pyarrow",
    "pandas": "pandas",
    "numpy": "numpy",
}
BINNED_AUC = (
    f"AUC from {SCORE_BINS} score bins (the engine has no ordered window), not exact: "
    "scores in one bin count as ties."
)


def engine_name(engine: Any) -> str:
    """How the report names an engine (``"duckdb"`` -> ``"DuckDB"``); others as given."""
    return _ENGINE_NAMES.get(str(engine), str(engine))


def data_scope(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """``data["data_scope"]`` when the report has one (an out-of-core audit), else None."""
    scope = data.get("data_scope") if isinstance(data, Mapping) else None
    return scope if isinstance(scope, dict) and scope else None


def scope_line(data: Mapping[str, Any]) -> str | None:
    """The one-line summary of what read what (None without a data scope)."""
    scope = data_scope(data)
    if scope is None:
        return None
    summary = str(scope.get("summary") or "")
    return summary or None


def _count(value: Any) -> str:
    return fmt(value, "count") if isinstance(value, int | float) else str(value)


def _engine_row(scope: Mapping[str, Any]) -> str:
    text = engine_name(scope.get("engine", "?"))
    counted = scope.get("counted_by")
    if counted and counted != scope.get("engine"):
        text += f"; group counts by {engine_name(counted)}"
    if "batch_rows" in scope:
        text += f"; read in batches of up to {_count(scope['batch_rows'])} rows"
        if isinstance(scope.get("batches"), int):
            n = scope["batches"]
            text += f" ({_count(n)} batch{'' if n == 1 else 'es'})"
        if scope.get("memory_limit"):
            text += f", DuckDB memory limit {scope['memory_limit']}"
    return text


def _sample_row(scope: Mapping[str, Any]) -> str:
    sample = scope.get("sample") if isinstance(scope.get("sample"), dict) else {}
    text = _count(scope.get("rows_sampled", sample.get("rows_sampled", "?")))
    parts = []
    by = sample.get("stratified_by")
    if by:
        parts.append(f"stratified by {' × '.join(map(str, by))}")
    if sample.get("rule"):
        parts.append(str(sample["rule"]))
    if sample.get("min_per_group") is not None:
        parts.append(f"min_per_group {_count(sample['min_per_group'])}")
    if sample.get("random_state") is not None:
        parts.append(f"seed {sample['random_state']}")
    return text + (f" ({'; '.join(parts)})" if parts else "")


def _group_table(scope: Mapping[str, Any]) -> Block | None:
    sample = scope.get("sample") if isinstance(scope.get("sample"), dict) else {}
    per_group = sample.get("per_group") or []
    if not per_group:
        return None
    names = [str(n) for n in sample.get("stratified_by") or []]
    records = []
    for entry in per_group:
        values = entry.get("values") if isinstance(entry.get("values"), dict) else {}
        row: dict[str, Any] = (
            {n: str(values.get(n, "")) for n in names}
            if names and values
            else {"group": str(entry.get("group", ""))}
        )
        rows, sampled = int(entry.get("rows", 0)), int(entry.get("sampled", 0))
        row.update(rows=rows, sampled=sampled, sampled_share=sampled / rows if rows else 0.0)
        records.append(row)
    frame = pd.DataFrame.from_records(records)
    index = [c for c in frame.columns if c not in ("rows", "sampled", "sampled_share")]
    frame = frame.set_index(index)
    n_groups = len(frame)
    caption = (
        "rows: the group's rows in the data (all read for fairness and calibration); "
        "sampled: its rows in the stratified sample the other analyses read; sampled_share: "
        "sampled / rows."
    )
    if n_groups > MAX_SCOPE_GROUPS:
        caption += f" The first {MAX_SCOPE_GROUPS} of {n_groups:,} groups are shown."
    return table_block(
        frame,
        title="Rows per group: all rows and the sample",
        caption=caption,
        index=True,
        max_rows=MAX_SCOPE_GROUPS,
        kinds={"rows": "count", "sampled": "count", "sampled_share": "rate"},
    )


def scope_blocks(data: Mapping[str, Any]) -> list[Block]:
    """The model card's "Data scope" blocks: what read all rows, the sample, per group, notes."""
    scope = data_scope(data)
    if scope is None:
        return []
    rows = [
        ("Read", str(scope.get("summary") or "—")),
        ("Rows in the data", _count(scope.get("rows_total", "?"))),
        ("Rows in the sample", _sample_row(scope)),
        ("Engine", _engine_row(scope)),
    ]
    if scope.get("source"):
        rows.append(("Source", str(scope["source"])))
    columns = [str(c) for c in scope.get("columns_read") or []]
    if columns:
        listed = ", ".join(columns[:_MAX_COLUMNS_LISTED])
        more = len(columns) - _MAX_COLUMNS_LISTED
        rows.append(("Columns read", listed + (f" … and {more:,} more" if more > 0 else "")))
    auc = scope.get("auc")
    if auc:
        rows.append(("AUC", BINNED_AUC if auc == "binned" else "exact"))
    if scope.get("data_hash"):
        rows.append(("Data hash of", str(scope["data_hash"])))
    blocks = [Block("kv", rows, title="Data scope (out of core)")]
    table = _group_table(scope)
    if table is not None:
        blocks.append(table)
    blocks += [Block("note", str(note)) for note in scope.get("notes") or []]
    return blocks


def counts_engine_text(gm: Any) -> str | None:
    """ "Counts computed by DuckDB on all 3,000,000 rows" when an engine, not numpy, counted."""
    counts = getattr(gm, "counts", None)
    if counts is None or counts.engine == "numpy":
        return None
    return (
        f"Counts computed by {engine_name(counts.engine)} on all {counts.n_rows:,} rows, "
        "where the data lives; only the per-group count table was collected, and every "
        "metric, interval and verdict below is computed from it as in memory."
    )


def binned_auc_text(gm: Any) -> str | None:
    """The binned-AUC sentence when the engine computed AUC from score bins (Dask)."""
    counts = getattr(gm, "counts", None)
    if counts is None or counts.auc_method != "binned":
        return None
    return BINNED_AUC
