"""``audit_large``: audit a model on a table too large for memory, or held by Spark or Dask.

Fairness needs every row but only their per-group counts; the other analyses
need rows but not all of them. So:

1. the model is applied where the data is (:mod:`audit.scale`): a file, a
   DuckDB relation or a pyarrow dataset is read in record batches of
   ``batch_rows`` rows (DuckDB, with ``memory_limit``, is the default reader of
   files), each batch scored and its small scored columns appended to a
   temporary Parquet file; a Spark or Dask table is scored per partition
   (``mapInPandas`` / ``map_partitions``);
2. the group metrics of **all rows** are counted by an engine
   (:func:`audit.fairness.group_metrics_from_table`: DuckDB over the temporary
   file, or Spark / Dask themselves), the intersectional table and each
   attribute's own;
3. meanwhile a stratified sample is drawn, every sensitive group represented
   (:func:`audit.scale.stratified_sample`), and :func:`audit.audit_model` runs
   on it with the all-rows group metrics handed to its context
   (:func:`audit.context.provided_quantities`): fairness and calibration read
   all rows, the analyses that need rows read the sample.

The report says so in ``report.data["data_scope"]``: the rows in the table and
in the sample, per group, the engine, and which analyses read which.
Peak memory is one batch plus the sample, whatever the number of rows.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from audit._audit import audit_model, check_analyzer_names
from audit._inputs import check_count, check_positive_int, resolve_random_state
from audit._threads import limited_threads
from audit.analyzers import check_analyzer_options
from audit.analyzers.fairness import group_metrics_key
from audit.context import provided_quantities
from audit.errors import InvalidParameterError
from audit.policy import Policy
from audit.report import AuditReport

__all__ = ["ALL_ROWS_ANALYZERS", "FILE_ENGINES", "audit_large"]

FILE_ENGINES = ("duckdb", "pyarrow")
"""How a file is read in batches (``engine=None``: DuckDB)."""
ALL_ROWS_ANALYZERS = ("fairness", "calibration")
"""Analyzers whose numbers come from the all-rows group metrics; the others read the sample.

The threshold trade-offs take their baseline and evidence verdicts from the
all-rows table and their curves from the sample's scores.
"""

_THRESHOLDS_NOTE = (
    "thresholds: the baseline and the evidence verdicts are those of all rows; the trade-off "
    "curves are computed on the sample's scores."
)
_BAD_POLICY = (
    "policy must be an audit.Policy (e.g. Policy(min_count=50) or "
    "Policy.from_pyproject()); got {kind}."
)
_BAD_ENGINE = "engine must be None or one of {engines} (how a file is read); got {value!r}."
_ENGINE_WITH_TABLE = (
    "engine={engine!r} chooses how a file is read; a table ({kind}) is scored and counted by "
    "the engine that holds it. Pass the file's path, or leave engine out."
)
_BAD_MEMORY = "memory_limit must be a DuckDB memory size such as '512MB' or '2GB'; got {value!r}."
_NOT_FOUND = "Data file not found: {path}."
_NOT_PROVIDED = (
    "internal error: the audit of the sample did not use the group metrics of all rows "
    "({detail}); the report would describe the sample only."
)


def _metrics(table: Any, scorer: Any, columns: Sequence[str], names: Sequence[str], **kw: Any):
    from audit.fairness import group_metrics_from_table

    args = scorer.count_columns(columns)
    args["sensitive_features"] = list(names)
    return group_metrics_from_table(table, missing="error", **args, **kw)


def _all_rows_metrics(
    table: Any, scorer: Any, columns: Sequence[str], policy: Policy, seed: int
) -> dict[tuple[str, ...], Any]:
    """The intersectional group metrics and each attribute's own, keyed by their columns."""
    settings = {
        "n_boot": policy.n_boot,
        "ci": policy.ci,
        "random_state": seed,
        "min_count": policy.min_count,
    }
    names = scorer.sensitive
    out = {names: _metrics(table, scorer, columns, names, **settings)}
    if len(names) > 1:
        for col in names:
            out[(col,)] = _metrics(table, scorer, columns, [col], **settings)
    return out


def _scope(
    report: AuditReport,
    tables: Mapping[tuple[str, ...], Any],
    sample: Any,
    *,
    engine: str,
    source: str,
    data_hash: str | None,
    stream: Mapping[str, Any],
) -> AuditReport:
    """The report with ``data`` describing all rows, and ``data["data_scope"]`` the split."""
    gm = tables[sample.sensitive]
    ran = [name for name, out in report.outputs.items() if out.status == "ran"]
    all_rows = [n for n in ran if n in ALL_ROWS_ANALYZERS]
    sampled = [n for n in ran if n not in ALL_ROWS_ANALYZERS]
    summary = []
    if all_rows:
        summary.append(f"{', '.join(all_rows)}: all {sample.rows_total:,} rows")
    if sampled:
        summary.append(
            f"{', '.join(sampled)}: a stratified sample of {sample.rows_sampled:,} rows "
            f"(every group of {' × '.join(sample.sensitive)} represented)"
        )
    data = dict(report.data)
    groups = sample.groups
    data["n_rows"] = sample.rows_total
    data["sensitive"] = {
        col: {str(k): int(v) for k, v in groups.groupby(col, sort=True)["rows"].sum().items()}
        for col in sample.sensitive
    }
    wanted = ("mae", "rmse") if gm.task == "regression" else ("accuracy",)
    performance = {k: float(gm.overall[k]) for k in wanted if k in gm.overall}
    if performance:
        data["performance"] = performance
    if data_hash is not None:
        data["data_hash"] = data_hash
    data["data_scope"] = {
        "engine": engine,
        "source": source,
        "rows_total": sample.rows_total,
        "rows_sampled": sample.rows_sampled,
        "all_rows": all_rows,
        "sampled": sampled,
        "summary": "; ".join(summary),
        "data_hash": "all rows" if data_hash is not None else "the sample",
        "auc": gm.counts.auc_method if gm.counts is not None else "exact",
        "counted_by": gm.counts.engine if gm.counts is not None else engine,
        "notes": [_THRESHOLDS_NOTE] if "thresholds" in ran else [],
        "sample": sample.to_dict(),
        **dict(stream),
    }
    return dataclasses.replace(report, data=data)


def audit_large(
    model: Any,
    source: Any,
    *,
    target: str,
    sensitive_features: str | Sequence[str],
    sample_weight: str | None = None,
    engine: str | None = None,
    batch_rows: int = 100_000,
    sample_rows: int = 50_000,
    min_per_group: int = 1_000,
    policy: Policy | None = None,
    analyzers: Iterable[str] | None = None,
    analyzer_options: Mapping[str, Mapping[str, Any]] | None = None,
    n_boot: int | None = None,
    random_state: int | None = 0,
    name: str | None = None,
    pos_label: Any = None,
    memory_limit: str = "512MB",
    temp_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[str], None] | None = None,
    **adapter_options: Any,
) -> AuditReport:
    """Audit a model on a table larger than memory, or held by Spark, Dask or DuckDB.

    Fairness (and calibration) are computed on **all rows** from per-group
    counts; the analyses that need rows (weights, importance, attributions,
    proxies, slices, the flip test, data checks) on a stratified sample with
    every sensitive group represented. ``report.data["data_scope"]`` records
    which read which, the rows in the table and in the sample, per group.

    Parameters
    ----------
    model : estimator, Pipeline or torch.nn.Module
        The fitted model (the user's object; Spark pickles it to its workers).
    source : path, DuckDB relation, pyarrow dataset or table, polars, pandas, Spark or Dask
        A Parquet or CSV file (or glob) is read in record batches; a Spark or
        Dask DataFrame is scored per partition where it lives.
    target : str
        Column of the true labels / targets.
    sensitive_features : str or list of str
        Columns of the sensitive attributes.
    sample_weight : str, optional
        Column of non-negative row weights.
    engine : {"duckdb", "pyarrow"}, optional
        How a file is read (default DuckDB); only for a path.
    batch_rows : int, default=100_000
        Rows per record batch read and scored at once.
    sample_rows : int, default=50_000
        Bound on the stratified sample's size.
    min_per_group : int, default=1_000
        Rows each group gets in the sample at least (all of them when it has
        fewer); lowered to ``sample_rows // groups`` when the groups are many.
    policy, analyzers, analyzer_options, n_boot, random_state, name, pos_label, progress
        As in :func:`audit.audit_model`; ``random_state`` also seeds the sample.
    memory_limit : str, default="512MB"
        DuckDB's memory limit (reading the file and counting); DuckDB spills to
        ``temp_dir`` beyond it.
    temp_dir : path, optional
        Where the temporary Parquet of scored columns goes (default: the
        system's temporary folder); it is deleted afterwards.
    **adapter_options
        Options for the torch adapter, as in :func:`audit.audit_model`.

    Returns
    -------
    AuditReport
        ``report.fairness`` is the group metrics of all rows;
        ``report.data["data_scope"]`` describes what read what.

    Raises
    ------
    InvalidParameterError
        A setting of the wrong type or value (checked before any data is read).
    ModelFileError
        The file does not exist.
    DataValidationError
        A batch the audit cannot use, as :func:`audit.audit_model` says it.
    """
    from audit.errors import ModelFileError
    from audit.scale import BatchScorer, engine_of

    if policy is not None and not isinstance(policy, Policy):
        raise InvalidParameterError(_BAD_POLICY.format(kind=type(policy).__name__))
    n_boot = check_count(n_boot, "n_boot", allow_none=True)
    seed = resolve_random_state(random_state)
    names = check_analyzer_names(analyzers)
    options_by_analyzer = check_analyzer_options(analyzer_options)
    batch_rows = check_positive_int("batch_rows", batch_rows)
    sample_rows = check_positive_int("sample_rows", sample_rows)
    min_per_group = check_positive_int("min_per_group", min_per_group)
    if not isinstance(memory_limit, str) or not memory_limit.strip():
        raise InvalidParameterError(_BAD_MEMORY.format(value=memory_limit))
    if name is not None and not isinstance(name, str):
        raise InvalidParameterError(f"name must be None or a str; got {type(name).__name__}.")
    kind = engine_of(source)
    if engine is not None and engine not in FILE_ENGINES:
        raise InvalidParameterError(
            _BAD_ENGINE.format(engines=", ".join(FILE_ENGINES), value=engine)
        )
    if engine is not None and kind != "file":
        raise InvalidParameterError(
            _ENGINE_WITH_TABLE.format(engine=engine, kind=type(source).__name__)
        )
    if kind == "file" and not any(ch in os.fspath(source) for ch in "*?["):
        if not Path(source).exists():
            raise ModelFileError(_NOT_FOUND.format(path=source))
    policy = policy or Policy()
    if n_boot is not None:
        policy = policy.replace(n_boot=n_boot)
    options = dict(adapter_options)
    if name is not None:
        options["name"] = name
    scorer = BatchScorer.for_model(
        model,
        target=target,
        sensitive_features=sensitive_features,
        sample_weight=sample_weight,
        pos_label=pos_label,
        adapter_options=options,
    )

    if kind in ("spark", "dask"):
        tables, sample, data_hash, stream = _distributed(
            source, scorer, kind, policy, seed, sample_rows, min_per_group
        )
        used = kind
        where = f"{type(source).__module__}.{type(source).__qualname__}"
    else:
        used = (engine or "duckdb") if kind == "file" else kind
        tables, sample, data_hash, stream = _streamed(
            source,
            scorer,
            engine=engine or "duckdb",
            policy=policy,
            seed=seed,
            batch_rows=batch_rows,
            sample_rows=sample_rows,
            min_per_group=min_per_group,
            memory_limit=memory_limit,
            temp_dir=temp_dir,
            progress=progress,
        )
        where = (
            Path(os.fspath(source)).name
            if kind == "file"
            else f"{type(source).__module__}.{type(source).__qualname__}"
        )

    frame = sample.frame
    X = frame.drop(columns=[scorer.weight]) if scorer.weight else frame
    quantities = {group_metrics_key(cols): gm for cols, gm in tables.items()}
    with provided_quantities(quantities) as provided:
        report = audit_model(
            scorer.adapter,
            X,
            scorer.target,
            sensitive_features=list(scorer.sensitive),
            sample_weight=None if scorer.weight is None else frame[scorer.weight],
            pos_label=pos_label,
            policy=policy,
            analyzers=names,
            random_state=seed,
            analyzer_options=options_by_analyzer,
            progress=progress,
        )
    if not provided.used:
        raise RuntimeError(_NOT_PROVIDED.format(detail="no context took them"))
    if "fairness" in names and report.outputs["fairness"].status == "ran":
        if report.fairness is not tables[scorer.sensitive]:
            raise RuntimeError(_NOT_PROVIDED.format(detail="the fairness result differs"))
    return _scope(
        report, tables, sample, engine=used, source=where, data_hash=data_hash, stream=stream
    )


def _streamed(
    source: Any,
    scorer: Any,
    *,
    engine: str,
    policy: Policy,
    seed: int,
    batch_rows: int,
    sample_rows: int,
    min_per_group: int,
    memory_limit: str,
    temp_dir: Any,
    progress: Callable[[str], None] | None,
) -> tuple[dict[tuple[str, ...], Any], Any, str, dict[str, Any]]:
    """One bounded pass: scored columns to a temporary Parquet, the sample, the digest."""
    import duckdb

    from audit.scale import scan_and_score

    folder = tempfile.mkdtemp(prefix="model-audit-", dir=temp_dir)
    try:
        try:
            connection = duckdb.connect(
                config={"memory_limit": memory_limit, "temp_directory": folder}
            )
        except duckdb.Error as exc:
            raise InvalidParameterError(_BAD_MEMORY.format(value=memory_limit)) from exc
        try:
            with limited_threads():  # the model's thread pools, as audit_model sizes them
                scan = scan_and_score(
                    source,
                    scorer,
                    Path(folder) / "scored.parquet",
                    batch_rows=batch_rows,
                    sample_rows=sample_rows,
                    min_per_group=min_per_group,
                    random_state=seed,
                    connection=connection,
                    engine=engine,
                    progress=progress,
                )
            if progress is not None:
                progress("group metrics of all rows")
            scored = connection.read_parquet(scan.path)
            tables = _all_rows_metrics(scored, scorer, scan.columns, policy, seed)
        finally:
            connection.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    stream = {
        "batch_rows": batch_rows,
        "batches": scan.batches,
        "memory_limit": memory_limit,
        "columns_read": list(scan.columns_read),
    }
    return tables, scan.sample, scan.data_hash, stream


def _distributed(
    source: Any,
    scorer: Any,
    kind: str,
    policy: Policy,
    seed: int,
    sample_rows: int,
    min_per_group: int,
) -> tuple[dict[tuple[str, ...], Any], Any, None, dict[str, Any]]:
    """Spark / Dask: score per partition, count there, sample there."""
    from audit.scale import score_dask, score_spark, stratified_sample

    cols = scorer.input_columns(list(source.columns))
    scored = (score_spark if kind == "spark" else score_dask)(source, scorer)
    scored = scored.persist()
    try:
        tables = _all_rows_metrics(scored, scorer, list(scored.columns), policy, seed)
    finally:
        if kind == "spark":
            scored.unpersist()
    sample = stratified_sample(
        source,
        list(scorer.sensitive),
        n_rows=sample_rows,
        min_per_group=min_per_group,
        random_state=seed,
        columns=cols,
    )
    return tables, sample, None, {"columns_read": cols}
