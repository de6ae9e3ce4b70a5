"""``audit_predictions``: the fairness audit of logged predictions, without a model.

Most production fairness monitoring starts from a table of what was decided:
one row per decision with the true outcome, the prediction (and maybe the
score), the sensitive attributes and a weight. No model is loaded or run; the
table's own engine (DuckDB, polars, Spark, Dask, pyarrow or pandas) reduces it
to the per-group count table (:func:`audit.fairness.group_metrics_from_table`),
and the findings and facts come from the fairness analyzer's own function
(:func:`audit.analyzers.fairness.fairness_output`), so the report, the JSON
record and the gates read the same numbers as for :func:`audit.audit_model`.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.errors import (
    InvalidParameterError,
    ModelFileError,
    OptionalDependencyError,
)
from audit.policy import Policy

if TYPE_CHECKING:  # pragma: no cover
    from audit.report import AuditReport

# numpy, pandas and the report load on the first audit: the CLI reads ENGINES to build its
# parser, and every model-audit command builds it

__all__ = ["ENGINES", "audit_predictions"]

ENGINES = ("duckdb", "polars", "spark", "dask", "pandas")
"""Engines that open a file of predictions (``engine=None``: DuckDB, else polars, else pandas)."""

_PARQUET = (".parquet", ".pq")
_TEXT = (".csv", ".tsv", ".txt")
_EXTRA = {"duckdb": "duckdb", "polars": "polars", "spark": "spark", "dask": "dask"}
_MODULE = {"duckdb": "duckdb", "polars": "polars", "spark": "pyspark.sql", "dask": "dask.dataframe"}

_BAD_POLICY = (
    "policy must be an audit.Policy (e.g. Policy(min_count=50) or "
    "Policy.from_pyproject()); got {kind}."
)
_BAD_ENGINE = "engine must be None or one of {engines}; got {value}."
_ENGINE_WITH_TABLE = (
    "engine={engine!r} chooses how a file is opened; a table ({kind}) is counted by the "
    "engine that holds it. Pass the file's path, or leave engine out."
)
_BAD_NAME = "name must be None or a str; got {value}."
_NOT_FOUND = "Data file not found: {path}."
_IS_FOLDER = "{path} is a folder, not a data file; pass one .parquet or .csv file."
_BAD_SUFFIX = (
    "Cannot read {path}: logged predictions are read from Parquet (.parquet, .pq) or "
    "delimited text (.csv, .tsv, .txt) files."
)
_UNREADABLE = "Could not read {path} with {engine}: {error}"
_MISSING_ENGINE = (
    "engine={engine!r} needs {module}, which is not installed. Install it with "
    'pip install "model-audit[{extra}]".'
)


def _shown(value: Any) -> str:
    return (
        repr(value)
        if value is None or isinstance(value, (str, int, float))
        else type(value).__name__
    )


def _check_engine(engine: Any, is_path: bool, table: Any) -> None:
    if engine is not None and (not isinstance(engine, str) or engine not in ENGINES):
        raise InvalidParameterError(
            _BAD_ENGINE.format(engine=engine, engines=", ".join(ENGINES), value=_shown(engine))
        )
    if engine is not None and not is_path:
        raise InvalidParameterError(
            _ENGINE_WITH_TABLE.format(engine=engine, kind=type(table).__name__)
        )


def _import_engine(engine: str) -> Any:
    """The engine's module, or :class:`OptionalDependencyError` naming its extra."""
    module = _MODULE[engine]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise OptionalDependencyError(
            _MISSING_ENGINE.format(engine=engine, module=module.split(".")[0], extra=_EXTRA[engine])
        ) from exc


def _installed(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def _default_engine() -> str:
    """DuckDB if installed, else polars, else pandas (in memory)."""
    for engine in ("duckdb", "polars"):
        if _installed(_MODULE[engine]):
            return engine
    return "pandas"


DUCKDB_MEMORY_LIMIT = "512MB"
"""DuckDB's memory limit for files it scans (beyond it, DuckDB spills to a temporary folder)."""


def duckdb_connection(duckdb: Any) -> Any:
    """An in-memory DuckDB connection with a bounded memory and its own spill folder.

    DuckDB's default is 80 % of the machine's memory and a spill folder in the
    current directory; an audit of a file larger than memory needs neither.
    ``MODEL_AUDIT_DUCKDB_MEMORY`` overrides the limit (e.g. ``"2GB"``).
    """
    import atexit
    import shutil
    import tempfile

    limit = os.environ.get("MODEL_AUDIT_DUCKDB_MEMORY", DUCKDB_MEMORY_LIMIT)
    spill = tempfile.mkdtemp(prefix="model-audit-duckdb-")
    atexit.register(shutil.rmtree, spill, ignore_errors=True)
    # without insertion order, DuckDB's aggregates and windows can spill to disk instead of
    # running out of memory (measured: 100M rows at 512 MB)
    config = {"memory_limit": limit, "temp_directory": spill, "preserve_insertion_order": False}
    return duckdb.connect(config=config)


def _readers(engine: str, text: bool) -> Callable[[str], Any]:
    """The function that opens a file with ``engine`` (lazily where the engine can)."""
    if engine == "pandas":
        from audit._tabular import read_table

        return read_table
    module = _import_engine(engine)
    if engine == "duckdb":
        con = duckdb_connection(module)
        return con.read_csv if text else con.read_parquet
    if engine == "polars":
        return module.scan_csv if text else module.scan_parquet
    if engine == "dask":
        return module.read_csv if text else module.read_parquet
    session = module.SparkSession.getActiveSession() or module.SparkSession.builder.getOrCreate()
    if text:
        return lambda p: session.read.csv(p, header=True, inferSchema=True)
    return session.read.parquet


def _open(path: Path, engine: str | None) -> tuple[Any, str, list[str]]:
    """Open a file of predictions with the engine asked for (lazily where it can).

    Returns the table, the engine that opened it and the file's column names:
    reading the schema now makes a damaged file an error that names it.
    """
    if not path.exists():
        raise ModelFileError(_NOT_FOUND.format(path=path))
    if path.is_dir():
        raise ModelFileError(_IS_FOLDER.format(path=path))
    suffix = path.suffix.lower()
    if suffix not in _PARQUET + _TEXT:
        raise ModelFileError(_BAD_SUFFIX.format(path=path))
    engine = engine or _default_engine()
    try:
        table = _readers(engine, suffix in _TEXT)(str(path))
        return table, engine, _column_names(table)
    except (ModelFileError, OptionalDependencyError):
        raise
    except Exception as exc:  # each engine has its own error types for a bad file
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelFileError(_UNREADABLE.format(path=path, engine=engine, error=message)) from exc


def _column_names(table: Any) -> list[str]:
    """The table's column names, read from its schema (nothing is computed)."""
    import narwhals as nw

    with warnings.catch_warnings():  # narwhals' notice about its Dask support moving
        warnings.filterwarnings("ignore", message=".*Dask support is moving.*")
        return [str(c) for c in nw.from_native(table).collect_schema().names()]


def _counts_hash(gm: Any) -> str:
    """SHA-256 (16 hex digits) of the per-group count table the audit was computed from.

    The record's ``data.data_hash`` for logged predictions: the rows are never
    brought to the driver, so the hash is of what was counted (groups, cells,
    weighted sums), the same whichever engine counted the same rows.
    """
    import numpy as np

    table = gm.counts.table
    digest = hashlib.sha256()
    digest.update(repr((gm.task, gm.sensitive_names, tuple(map(str, gm.classes)))).encode())
    digest.update(repr([str(k) for k in table.index]).encode())
    for col in table.columns:
        if col == "auc_u":  # exact in memory, binned by some engines: not part of the identity
            continue
        values = np.asarray(table[col], dtype=np.float64)
        digest.update(col.encode())
        digest.update(",".join(f"{v:.9g}" for v in values).encode())
    return digest.hexdigest()[:16]


def audit_predictions(
    table_or_path: Any,
    *,
    y_true: str,
    y_pred: str,
    sensitive_features: str | Sequence[str],
    y_score: str | None = None,
    sample_weight: str | None = None,
    pos_label: Any = None,
    task: str = "auto",
    policy: Policy | None = None,
    n_boot: int | None = None,
    random_state: int | None = 0,
    name: str | None = None,
    engine: str | None = None,
) -> AuditReport:
    """Audit logged predictions for fairness, without a model.

    Parameters
    ----------
    table_or_path : str, path-like or table
        A Parquet (``.parquet``, ``.pq``) or delimited text (``.csv``, ``.tsv``,
        ``.txt``) file, opened by ``engine``; or a table held by any engine
        narwhals accepts: a pandas or polars DataFrame, a polars LazyFrame, a
        pyarrow Table, a DuckDB relation, a Spark or Dask DataFrame. The count
        table is computed where the table lives; only it comes back.
    y_true, y_pred : str
        Columns of the true outcome and of the logged prediction.
    sensitive_features : str or list of str
        Columns of the sensitive attributes; with several, their intersections
        are judged, and each attribute on its own.
    y_score : str, optional
        Column of the positive-class score (AUC, calibration metrics).
    sample_weight : str, optional
        Column of non-negative row weights.
    pos_label : object, optional
        Positive class of a binary task (default: as :func:`audit.fairness.group_metrics`).
    task : {"auto", "binary", "multiclass", "regression"}, default="auto"
    policy : Policy, optional
        Thresholds (default: :class:`audit.Policy` defaults).
    n_boot : int, optional
        Bootstrap replicates, ``>= 0`` (default: ``policy.n_boot``, 1,000).
    random_state : int or None, default=0
        Seed of the bootstrap (None: a fresh seed, recorded in the report).
    name : str, optional
        Display name (default: the file's stem, else ``"predictions"``).
    engine : {"duckdb", "polars", "spark", "dask", "pandas"}, optional
        How a file is opened. None: DuckDB if installed, else polars (lazy),
        else pandas in memory. ``"spark"`` uses the active SparkSession (or
        ``getOrCreate``). Only for a path: a table is counted by its own engine.

    Returns
    -------
    AuditReport
        With the fairness section only (no weights, importance or attributions:
        there is no model); its model card says "logged predictions, no model".
        ``to_html``, ``to_json``, ``facts()`` and the gates work as for
        :func:`audit.audit_model`.

    Raises
    ------
    InvalidParameterError
        A setting of the wrong type or value (checked before any file is opened).
    ModelFileError
        The file is missing, a folder, of an unsupported type or unreadable.
    OptionalDependencyError
        The engine asked for is not installed (the message names the extra).
    DataValidationError
        Subclasses name the problem: an unknown column, missing labels,
        predictions or group values, ...
    """
    from audit._inputs import check_count, resolve_random_state
    from audit.report import AuditReport

    if policy is not None and not isinstance(policy, Policy):
        raise InvalidParameterError(_BAD_POLICY.format(kind=type(policy).__name__))
    n_boot = check_count(n_boot, "n_boot", allow_none=True)
    seed = resolve_random_state(random_state)
    if name is not None and not isinstance(name, str):
        raise InvalidParameterError(_BAD_NAME.format(value=_shown(name)))
    is_path = isinstance(table_or_path, (str, os.PathLike))
    _check_engine(engine, is_path, table_or_path)
    policy = policy or Policy()
    if n_boot is not None:
        policy = policy.replace(n_boot=n_boot)

    source: dict[str, Any] = {}
    if is_path:
        path = Path(table_or_path)
        table, source["opened_with"], columns = _open(path, engine)
        source["file"] = path.name
        default_name = path.stem
    else:
        table, default_name, columns = table_or_path, "predictions", None

    from audit.analyzers.fairness import fairness_output
    from audit.fairness import group_metrics_from_table

    def metrics(names: Any) -> Any:
        return group_metrics_from_table(
            table,
            y_true=y_true,
            y_pred=y_pred,
            sensitive_features=names,
            y_score=y_score,
            sample_weight=sample_weight,
            task=task,
            pos_label=pos_label,
            missing="error",
            n_boot=policy.n_boot,
            ci=policy.ci,
            random_state=seed,
            min_count=policy.min_count,
        )

    # the engine validates the columns and values (one input rule); the marginals use
    # the names it validated
    gm = metrics(sensitive_features)
    names = list(gm.sensitive_names)
    marginals = {col: metrics([col]) for col in names} if len(names) > 1 else {}
    output = fairness_output(gm, marginals, policy)
    source.update(
        y_true=y_true,
        y_pred=y_pred,
        y_score=y_score,
        sample_weight=sample_weight,
        engine=gm.counts.engine,
    )
    return AuditReport.from_predictions(
        output,
        name=default_name if name is None else name,
        columns=_column_names(table) if columns is None else columns,
        data_hash=_counts_hash(gm),
        policy=policy,
        random_state=seed,
        source=source,
    )
