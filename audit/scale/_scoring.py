"""Apply a model to a table where the table lives, and keep only what the counts need.

One function scores a batch of rows, :class:`BatchScorer`: it builds the
audit context of that batch (:func:`audit.context.build_context`, the one
validator and the one owner of the targets), so a batch is checked exactly as
:func:`audit.audit_model` checks its data, and the labels, predictions and
positive-class score it emits are the context's own (``Targets``), never
re-derived here. Every engine runs that same function:

* Spark: ``DataFrame.mapInPandas`` (:func:`score_spark`); the model travels to
  the workers inside the function's closure, pickled by Spark as usual;
* Dask: ``DataFrame.map_partitions`` (:func:`score_dask`);
* DuckDB relations, pyarrow datasets and tables, files: record batches of a
  bounded size (:func:`record_batches`, :func:`score_batches`).

What comes back is small: the sensitive columns and the label, prediction,
score and weight columns (:data:`Y_TRUE`, :data:`Y_PRED`, :data:`SCORE`,
:data:`WEIGHT`), which :func:`audit.fairness.group_metrics_from_table` reads
(:meth:`BatchScorer.count_columns` gives its arguments).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audit._frames import unknown_column_message
from audit.adapters import ModelAdapter, make_adapter
from audit.context import build_context
from audit.errors import DataValidationError, InvalidParameterError, UnknownColumnError

__all__ = [
    "SCORE",
    "WEIGHT",
    "Y_PRED",
    "Y_TRUE",
    "BatchScorer",
    "column_names",
    "engine_of",
    "open_file",
    "record_batches",
    "score_batches",
    "score_dask",
    "score_spark",
]

Y_TRUE = "__audit_y_true"
"""Scored column: binary tasks 1 for the positive class (``Targets.y_true01``), else the label."""
Y_PRED = "__audit_y_pred"
"""Scored column: binary tasks 1 for the positive class (``Targets.y_pred01``), else y_pred."""
SCORE = "__audit_score"
"""Scored column: the positive-class score (``Targets.score``), binary models with probabilities."""
WEIGHT = "__audit_weight"
"""Scored column: the row weight, as the context validated it."""

_PROBE_ROWS = 1_000
_BAD_NAME = "{what} must be the name of a column of the data (a str); got {kind}."
_NO_ROWS = "The data has no rows to score; an audit needs at least one row."


def _check_name(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidParameterError(_BAD_NAME.format(what=what, kind=type(value).__name__))
    return value


@dataclass(frozen=True, eq=False)
class BatchScorer:
    """Score a batch of rows with the audit's model: one function for every engine.

    Attributes
    ----------
    adapter : ModelAdapter
        The wrapped model (the user's object; pickled into Spark's closure as is).
    target : str
        The column holding the true labels / targets.
    sensitive : tuple of str
        The sensitive columns.
    weight : str or None
        The column holding row weights.
    pos_label : object or None
        The positive class of a binary task (default: the model's last class).
    """

    adapter: ModelAdapter
    target: str
    sensitive: tuple[str, ...]
    weight: str | None = None
    pos_label: Any = None

    @classmethod
    def for_model(
        cls,
        model: Any,
        *,
        target: str,
        sensitive_features: str | Sequence[str],
        sample_weight: str | None = None,
        pos_label: Any = None,
        adapter_options: dict[str, Any] | None = None,
    ) -> BatchScorer:
        """Wrap ``model`` and check the column names (not the data: each batch is checked).

        Raises
        ------
        InvalidParameterError
            A name that is not a str, or no sensitive feature.
        DataValidationError
            The target also named as a sensitive feature or as the weight.
        """
        target = _check_name(target, "target")
        if isinstance(sensitive_features, str):
            names: tuple[str, ...] = (sensitive_features,)
        elif isinstance(sensitive_features, Sequence) and sensitive_features:
            names = tuple(_check_name(c, "each sensitive feature") for c in sensitive_features)
        else:
            raise InvalidParameterError(
                "sensitive_features must name one or more columns of the data (a str or a list "
                f"of str); got {type(sensitive_features).__name__}."
            )
        if len(set(names)) != len(names):
            twice = sorted({c for c in names if names.count(c) > 1})
            raise DataValidationError(
                f"sensitive_features names the column(s) {twice} more than once."
            )
        weight = None if sample_weight is None else _check_name(sample_weight, "sample_weight")
        if target in names or target == weight:
            raise DataValidationError(
                f"{target!r} is the target column; it cannot also be a sensitive feature or "
                "the weight column."
            )
        adapter = make_adapter(model, **dict(adapter_options or {}))
        return cls(adapter, target, names, weight, pos_label)

    @property
    def task(self) -> str:
        """The model's task (``binary`` when the adapter does not say)."""
        return self.adapter.task or "binary"

    def input_columns(self, available: Sequence[str]) -> list[str]:
        """The columns of the data that scoring reads, in the data's order.

        The model's inputs (every column when the model does not name them),
        the target, the sensitive columns and the weight column.

        Raises
        ------
        UnknownColumnError
            The target, a sensitive column or the weight column is not in the data.
        """
        available = [str(c) for c in available]
        places = {self.target: "data (target)"}
        places.update(dict.fromkeys(self.sensitive, "data (sensitive_features)"))
        if self.weight:
            places[self.weight] = "data (sample_weight)"
        named = list(places)
        for name, where in places.items():
            if name not in available:
                raise UnknownColumnError(unknown_column_message(name, available, where))
        features = self.adapter.input_features
        wanted = set(named) | set(features if features is not None else available)
        return [c for c in available if c in wanted]

    def context(self, frame: pd.DataFrame) -> Any:
        """The audit context of one batch (:func:`audit.context.build_context`)."""
        X = frame.drop(columns=[self.weight]) if self.weight else frame
        return build_context(
            self.adapter,
            X,
            self.target,
            sensitive_features=list(self.sensitive),
            sample_weight=None if self.weight is None else frame[self.weight],
            pos_label=self.pos_label,
        )

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The sensitive columns and the scored columns of one batch of rows."""
        ctx = self.context(frame)
        targets = ctx.targets
        out = ctx.sensitive.copy()
        if targets.task == "binary":
            out[Y_TRUE] = targets.y_true01
            out[Y_PRED] = targets.y_pred01
            if targets.score is not None:
                out[SCORE] = np.asarray(targets.score, dtype=np.float64)
        else:
            out[Y_TRUE] = targets.y_true
            out[Y_PRED] = targets.y_pred
        if self.weight is not None:
            out[WEIGHT] = ctx.sample_weight
        out.index = frame.index
        return out

    def count_columns(self, columns: Sequence[str]) -> dict[str, Any]:
        """Arguments of :func:`audit.fairness.group_metrics_from_table` for a scored table."""
        return {
            "y_true": Y_TRUE,
            "y_pred": Y_PRED,
            "y_score": SCORE if SCORE in columns else None,
            "sample_weight": WEIGHT if WEIGHT in columns else None,
            "sensitive_features": list(self.sensitive),
            "task": self.task,
        }


# ------------------------------------------------------------------ engines
def engine_of(table: Any) -> str:
    """The engine holding ``table``.

    ``"spark"``, ``"dask"``, ``"duckdb"`` (a relation), ``"file"`` (a path),
    ``"pyarrow"`` (a dataset, table or record batch reader), ``"polars"`` (a
    DataFrame or LazyFrame) or ``"pandas"``.
    """
    if isinstance(table, (str, os.PathLike)):
        return "file"
    module = type(table).__module__.split(".")[0]
    if module == "pyspark":
        return "spark"
    if module in ("dask", "dask_expr"):
        return "dask"
    if module in ("duckdb", "_duckdb"):
        return "duckdb"
    if module == "pyarrow":
        return "pyarrow"
    if module == "polars":
        return "polars"
    if isinstance(table, pd.DataFrame):
        return "pandas"
    raise InvalidParameterError(
        "The data must be a file path (Parquet or CSV), a DuckDB relation, a pyarrow dataset "
        "or table, a polars or pandas DataFrame, a Spark DataFrame or a Dask DataFrame; got "
        f"{type(table).__module__}.{type(table).__qualname__}."
    )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def open_file(path: str | os.PathLike[str], connection: Any) -> Any:
    """A DuckDB relation over a Parquet or CSV file (or a glob of them).

    ``connection=None`` opens a private in-memory DuckDB connection.
    """
    if connection is None:
        import duckdb

        connection = duckdb.connect()
    text = os.fspath(path)
    lower = text.lower()
    if lower.endswith((".csv", ".csv.gz", ".tsv")):
        return connection.read_csv(text)
    return connection.read_parquet(text)


def column_names(table: Any, *, connection: Any = None, engine: str = "duckdb") -> list[str]:
    """The column names of a table of any engine (a file's from its schema only)."""
    kind = engine_of(table)
    if kind == "file":
        if engine == "pyarrow":
            import pyarrow.dataset as ds

            return list(ds.dataset(os.fspath(table)).schema.names)
        return list(open_file(table, connection).columns)
    if kind == "pyarrow" and hasattr(table, "schema"):
        return list(table.schema.names)
    if kind == "polars" and hasattr(table, "collect_schema"):
        return list(table.collect_schema().names())
    return [str(c) for c in table.columns]


def record_batches(
    table: Any,
    columns: Sequence[str],
    *,
    batch_rows: int,
    connection: Any = None,
    engine: str = "duckdb",
) -> Iterator[pd.DataFrame]:
    """Rows of ``table`` (only ``columns``), as pandas frames of at most ``batch_rows`` rows.

    A file is read by DuckDB (``engine="duckdb"``, the default; ``connection``
    holds its memory limit) or by a pyarrow dataset scanner (``"pyarrow"``);
    neither loads more than a few batches at a time. A DuckDB relation streams
    through ``to_arrow_reader``; a pyarrow dataset through a scanner; in-memory
    tables are cut into slices.
    """
    kind = engine_of(table)
    cols = list(columns)
    if kind == "file" and engine == "pyarrow":
        import pyarrow.dataset as ds

        table = ds.dataset(os.fspath(table))
        kind = "pyarrow"
    elif kind == "file":
        table = open_file(table, connection)
        kind = "duckdb"
    if kind == "duckdb":
        reader = table.select(*[_quoted(c) for c in cols]).to_arrow_reader(batch_rows)
        for batch in reader:
            yield batch.to_pandas()
        return
    if kind == "pyarrow":
        import pyarrow as pa
        import pyarrow.dataset as ds

        if isinstance(table, ds.Dataset):
            scanner = table.scanner(
                columns=cols, batch_size=batch_rows, batch_readahead=1, fragment_readahead=1
            )
            for batch in scanner.to_batches():
                if batch.num_rows:
                    yield batch.to_pandas()
            return
        if isinstance(table, pa.RecordBatch):
            table = pa.Table.from_batches([table])
        if isinstance(table, pa.Table):
            for batch in table.select(cols).to_batches(max_chunksize=batch_rows):
                if batch.num_rows:
                    yield batch.to_pandas()
            return
        raise InvalidParameterError(
            "A pyarrow source must be a dataset, a Table or a RecordBatch (a one-pass "
            f"reader cannot be scanned twice); got {type(table).__qualname__}."
        )
    if kind == "polars":
        if hasattr(table, "collect_batches"):  # LazyFrame
            for frame in table.select(cols).collect_batches(chunk_size=batch_rows):
                if frame.height:
                    yield frame.to_pandas()
            return
        table = table.select(cols)
        for start in range(0, table.height, batch_rows):
            yield table.slice(start, batch_rows).to_pandas()
        return
    if kind == "pandas":
        frame = table[cols]
        for start in range(0, len(frame), batch_rows):
            yield frame.iloc[start : start + batch_rows]
        return
    raise InvalidParameterError(f"record_batches does not read {kind} tables; use score_{kind}.")


def score_batches(batches: Iterable[pd.DataFrame], scorer: BatchScorer) -> Iterator[pd.DataFrame]:
    """The scored columns of each non-empty batch."""
    for frame in batches:
        if len(frame):
            yield scorer(frame)


# ------------------------------------------------------------------ Spark and Dask
def _probe(frame: pd.DataFrame, scorer: BatchScorer) -> pd.DataFrame:
    if not len(frame):
        raise DataValidationError(_NO_ROWS)
    return scorer(frame)


def _spark_type(dtype: Any, types: Any) -> Any:
    kind = np.dtype(dtype).kind if not isinstance(dtype, pd.api.extensions.ExtensionDtype) else ""
    if kind == "b":
        return types.BooleanType()
    if kind in "iu" and kind:
        return types.ByteType() if np.dtype(dtype).itemsize == 1 else types.LongType()
    if kind == "f":
        return types.DoubleType()
    return types.StringType()


def score_spark(df: Any, scorer: BatchScorer, *, probe_rows: int = _PROBE_ROWS) -> Any:
    """A Spark DataFrame of the scored columns, computed by ``mapInPandas`` on the workers.

    Only the columns scoring reads are selected before the model runs; the
    model travels inside the function's closure. The output schema is that of
    a few scored rows (the first ``probe_rows``), the sensitive columns keeping
    their Spark types.
    """
    from pyspark.sql import types

    cols = scorer.input_columns(df.columns)
    source = df.select(*[df[c] for c in cols])
    probe = _probe(source.limit(probe_rows).toPandas(), scorer)
    fields = []
    for name in probe.columns:
        if name in scorer.sensitive:
            fields.append(source.schema[name])
        elif name == Y_TRUE and scorer.task != "binary":
            fields.append(types.StructField(name, source.schema[scorer.target].dataType, True))
        else:
            fields.append(types.StructField(name, _spark_type(probe[name].dtype, types), True))
    schema = types.StructType(fields)

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in batches:
            if len(frame):
                yield scorer(frame.reset_index(drop=True))

    return source.mapInPandas(score, schema=schema)


def _score_partition(frame: pd.DataFrame, scorer: BatchScorer, meta: pd.DataFrame) -> pd.DataFrame:
    if not len(frame):
        return meta.iloc[:0].set_axis(frame.index[:0])
    scored = scorer(frame)
    return scored.astype(meta.dtypes.to_dict())


def score_dask(ddf: Any, scorer: BatchScorer, *, probe_rows: int = _PROBE_ROWS) -> Any:
    """A Dask DataFrame of the scored columns, computed by ``map_partitions``."""
    cols = scorer.input_columns(list(ddf.columns))
    source = ddf[cols]
    with warnings.catch_warnings():  # "Insufficient elements for head": a small partition
        warnings.filterwarnings("ignore", message="Insufficient elements", category=UserWarning)
        head = source.head(probe_rows, npartitions=1, compute=True)
        if not len(head):  # an empty first partition: look further
            head = source.head(probe_rows, npartitions=-1, compute=True)
    probe = _probe(head, scorer)
    meta = probe.iloc[:0]
    return source.map_partitions(_score_partition, scorer, meta, meta=meta)
