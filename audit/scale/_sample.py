"""A stratified sample of a table by its sensitive groups, drawn by the table's engine.

The analyses that need rows (SHAP, permutation importance, proxies, slices,
the flip test) run on a bounded sample when the table is too large to hold.
Every group is represented: the groups are the intersections of the sensitive
columns, and group ``g`` of ``n_g`` rows gets

    quota_g = min(n_g, max(m, floor(rate * n_g)))

rows, with one ``rate`` for all groups (the largest that keeps the total within
``n_rows``) and a floor ``m`` (``min_per_group``, lowered to ``n_rows // groups``
when the groups are many); so a group smaller than ``m`` is taken whole, and
the others in proportion. :func:`allocate` is the only place that computes
this; the engines evaluate the same expression per group.

Which rows: each row gets a pseudo-random key from its content and the seed,
and a group's sample is its ``quota_g`` rows of smallest key (a bottom-k
sample, which is a uniform sample without replacement). So the same seed gives
the same rows, whatever the batch size, the number of partitions or the row
order; on pandas, polars, pyarrow, files and Dask the key is the same function
of the row (:func:`row_hashes`), so they draw the same rows from the same data.
DuckDB (``hash``) and Spark (``xxhash64``) key rows with their own hash, run a
``row_number()`` window per group, and return only the sample.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from audit._inputs import check_count, resolve_random_state
from audit.errors import DataValidationError, InvalidParameterError
from audit.scale._scoring import engine_of, record_batches

__all__ = [
    "DEFAULT_MIN_PER_GROUP",
    "Allocation",
    "GroupQuotaSampler",
    "StratifiedSample",
    "allocate",
    "group_sizes",
    "row_hashes",
    "sample_keys",
    "stratified_sample",
]

DEFAULT_MIN_PER_GROUP = 1_000
"""Rows every group gets at least (or all its rows), unless the groups are too many."""

_KEY = "__audit_key"
_GID = "__audit_gid"
_POS = "__audit_pos"
_ROWS = "__audit_rows"
_RANK = "__audit_rank"
_MAX_KEY = np.iinfo(np.uint64).max
_UNKNOWN_GROUP = (
    "A batch holds a group the group counts did not see ({group}); the table changed between "
    "the two passes over it."
)


# ------------------------------------------------------------------ quotas
@dataclass(frozen=True)
class Allocation:
    """How many rows each group contributes: ``min(n_g, max(minimum, floor(rate * n_g)))``."""

    rate: float
    minimum: int
    quotas: np.ndarray


def _quotas(sizes: np.ndarray, rate: float, minimum: int) -> np.ndarray:
    scaled = np.floor(rate * sizes.astype(np.float64)).astype(np.int64)
    return np.minimum(sizes, np.maximum(minimum, scaled))


def allocate(sizes: Sequence[int] | np.ndarray, n_rows: int, min_per_group: int) -> Allocation:
    """Per-group sample sizes: one rate for all groups, a floor for the small ones.

    Parameters
    ----------
    sizes : array of int
        Rows per group.
    n_rows : int
        The sample's size bound. With more groups than ``n_rows`` each group
        still gets one row, so the bound is ``max(n_rows, groups)``.
    min_per_group : int
        Rows every group gets at least (all of them when it has fewer), lowered
        to ``n_rows // groups`` when that is smaller.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    if not len(sizes):
        return Allocation(0.0, 0, np.zeros(0, dtype=np.int64))
    minimum = max(1, min(int(min_per_group), n_rows // len(sizes)))
    if _quotas(sizes, 1.0, minimum).sum() <= n_rows:
        return Allocation(1.0, minimum, sizes.copy())
    low, high = 0.0, 1.0
    for _ in range(64):  # the largest rate whose total fits (the total grows with the rate)
        mid = (low + high) / 2
        if _quotas(sizes, mid, minimum).sum() <= n_rows:
            low = mid
        else:
            high = mid
    return Allocation(low, minimum, _quotas(sizes, low, minimum))


# ------------------------------------------------------------------ keys
def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: a bijection of uint64 that scatters nearby values."""
    z = values.astype(np.uint64, copy=True)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each row's content (its values, in column order; not its index)."""
    return pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)


def sample_keys(hashes: np.ndarray, seed: int) -> np.ndarray:
    """The sampling key of rows with these content hashes, for one seed."""
    salt = _mix(np.array([seed], dtype=np.uint64))[0]
    return _mix(hashes ^ salt)


# ------------------------------------------------------------------ the result
def _label(values: tuple[Any, ...], names: Sequence[str]) -> str:
    if len(names) > 1:
        return ", ".join(f"{n}={v}" for n, v in zip(names, values, strict=True))
    return str(values[0])


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True, eq=False)
class StratifiedSample:
    """A sample of a table with every sensitive group represented.

    Attributes
    ----------
    frame : pandas.DataFrame
        The sampled rows (every column asked for), ordered by group then key.
    sensitive : tuple of str
        The columns whose intersections are the groups.
    groups : pandas.DataFrame
        One row per group: the sensitive columns, ``rows`` (in the table) and
        ``sampled``.
    rate, min_per_group : float, int
        The allocation (:class:`Allocation`).
    n_rows : int
        The size bound asked for.
    random_state : int
        The seed of the keys.
    engine : str
        Who drew it (``duckdb``, ``spark``, ``dask``, ``pandas``, ...).
    """

    frame: pd.DataFrame
    sensitive: tuple[str, ...]
    groups: pd.DataFrame
    rate: float
    min_per_group: int
    n_rows: int
    random_state: int
    engine: str
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_total(self) -> int:
        """Rows of the table."""
        return int(self.groups["rows"].sum())

    @property
    def rows_sampled(self) -> int:
        """Rows in the sample."""
        return len(self.frame)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON record: sizes, allocation and rows per group."""
        names = list(self.sensitive)
        per_group = []
        rows = self.groups[[*names, "rows", "sampled"]].itertuples(index=False, name=None)
        for *raw, total, sampled in rows:
            values = tuple(_plain(v) for v in raw)
            per_group.append(
                {
                    "group": _label(values, names),
                    "values": dict(zip(names, values, strict=True)),
                    "rows": int(total),
                    "sampled": int(sampled),
                }
            )
        return {
            "rows_total": self.rows_total,
            "rows_sampled": self.rows_sampled,
            "n_rows": self.n_rows,
            "stratified_by": names,
            "rate": self.rate,
            "min_per_group": self.min_per_group,
            "rule": "per group min(rows, max(min_per_group, floor(rate * rows)))",
            "random_state": self.random_state,
            "engine": self.engine,
            "per_group": per_group,
        }


# ------------------------------------------------------------------ streaming (pandas batches)
class GroupQuotaSampler:
    """Bottom-k per group over a stream of pandas batches, with known group sizes.

    Memory holds at most the sample plus one batch. :meth:`add` takes a batch;
    :meth:`result` is the sample. The group sizes come first (a pass over the
    sensitive columns only), so each group's quota is known while streaming.
    """

    def __init__(
        self,
        sizes: pd.DataFrame,
        sensitive: Sequence[str],
        n_rows: int,
        min_per_group: int,
        random_state: int,
    ) -> None:
        self.sensitive = tuple(sensitive)
        self.n_rows = n_rows
        self.random_state = random_state
        sizes = sizes.reset_index(drop=True)
        self.allocation = allocate(sizes["rows"].to_numpy(), n_rows, min_per_group)
        self._sizes = sizes
        self._groups = sizes[list(self.sensitive)].assign(**{_GID: np.arange(len(sizes))})
        self._quota = self.allocation.quotas
        self._threshold = np.full(len(sizes), _MAX_KEY, dtype=np.uint64)
        self._kept: pd.DataFrame | None = None
        self._seen = 0

    def group_ids(self, frame: pd.DataFrame) -> np.ndarray:
        """Each row's group number (the row of the group sizes)."""
        keys = frame[list(self.sensitive)].reset_index(drop=True)
        gid = keys.merge(self._groups, how="left", on=list(self.sensitive), sort=False)[_GID]
        if gid.isna().any():
            first = keys[gid.isna().to_numpy()].iloc[0].tolist()
            raise DataValidationError(_UNKNOWN_GROUP.format(group=first))
        return gid.to_numpy(dtype=np.int64)

    def add(self, frame: pd.DataFrame, hashes: np.ndarray | None = None) -> None:
        """Offer a batch of rows (``hashes``: their :func:`row_hashes`, when already computed)."""
        if not len(frame):
            return
        if hashes is None:
            hashes = row_hashes(frame)
        keys = sample_keys(hashes, self.random_state)
        gid = self.group_ids(frame)
        keep = keys <= self._threshold[gid]
        pos = np.arange(self._seen, self._seen + len(frame), dtype=np.int64)
        self._seen += len(frame)
        if not keep.any():
            return
        batch = frame.reset_index(drop=True)[keep]
        batch = batch.assign(**{_GID: gid[keep], _KEY: keys[keep], _POS: pos[keep]})
        kept = batch if self._kept is None else pd.concat([self._kept, batch], ignore_index=True)
        kept = kept.sort_values([_GID, _KEY, _POS], kind="stable", ignore_index=True)
        rank = kept.groupby(_GID, sort=False).cumcount().to_numpy()
        kept = kept[rank < self._quota[kept[_GID].to_numpy()]].reset_index(drop=True)
        counts = np.bincount(kept[_GID].to_numpy(), minlength=len(self._quota))
        full = np.flatnonzero((counts == self._quota) & (self._quota > 0))
        if len(full):
            last = kept.groupby(_GID, sort=False)[_KEY].max()
            self._threshold[full] = last.reindex(full).to_numpy(dtype=np.uint64)
        self._kept = kept

    def reduce(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of one partition that can be in the sample (its own bottom-k per group)."""
        part = GroupQuotaSampler.__new__(GroupQuotaSampler)
        part.__dict__.update(self.__dict__)
        part._threshold = np.full(len(self._quota), _MAX_KEY, dtype=np.uint64)
        part._kept, part._seen = None, 0
        part.add(frame)
        return part.frame(frame.iloc[:0])

    def frame(self, empty: pd.DataFrame | None = None) -> pd.DataFrame:
        """The rows kept so far, ordered by group then key."""
        if self._kept is None:
            return empty.iloc[:0] if empty is not None else pd.DataFrame()
        return self._kept.drop(columns=[_GID, _KEY, _POS])

    def result(self, engine: str) -> StratifiedSample:
        """The sample, with the rows per group in the table and in the sample."""
        frame = self.frame()
        sampled = np.zeros(len(self._quota), dtype=np.int64)
        if self._kept is not None:
            sampled = np.bincount(self._kept[_GID].to_numpy(), minlength=len(self._quota))
        groups = self._sizes[list(self.sensitive)].copy()
        groups["rows"] = self._sizes["rows"].to_numpy(dtype=np.int64)
        groups["sampled"] = sampled
        return StratifiedSample(
            frame=frame.reset_index(drop=True),
            sensitive=self.sensitive,
            groups=groups,
            rate=self.allocation.rate,
            min_per_group=self.allocation.minimum,
            n_rows=self.n_rows,
            random_state=self.random_state,
            engine=engine,
        )


def _sizes_from_frames(frames: Iterable[pd.DataFrame], names: Sequence[str]) -> pd.DataFrame:
    total: pd.Series | None = None
    for frame in frames:
        counts = frame.groupby(list(names), dropna=False, sort=False, observed=True).size()
        total = counts if total is None else total.add(counts, fill_value=0)
    if total is None:
        raise DataValidationError("The data has no rows to sample.")
    return total.astype(np.int64).rename("rows").reset_index().sort_values(list(names))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def group_sizes(
    table: Any,
    sensitive: Sequence[str],
    *,
    batch_rows: int = 100_000,
    connection: Any = None,
    engine: str = "duckdb",
) -> pd.DataFrame:
    """Rows per group (the sensitive columns and ``rows``), counted by the table's engine."""
    kind = engine_of(table)
    names = list(sensitive)
    if kind == "file" and engine == "duckdb":
        from audit.scale._scoring import open_file

        table, kind = open_file(table, connection), "duckdb"
    if kind == "duckdb":
        cols = ", ".join(_quoted(c) for c in names)
        sizes = table.aggregate(f'{cols}, count(*) AS "rows"', cols).to_arrow_table().to_pandas()
        return sizes.sort_values(names).reset_index(drop=True)
    frames = record_batches(
        table, names, batch_rows=batch_rows, connection=connection, engine=engine
    )
    return _sizes_from_frames(frames, names).reset_index(drop=True)


# ------------------------------------------------------------------ engines
def _check(
    sensitive: str | Sequence[str], n_rows: Any, min_per_group: Any, random_state: Any
) -> tuple[list[str], int, int, int]:
    names = [sensitive] if isinstance(sensitive, str) else list(sensitive)
    if not names or not all(isinstance(c, str) for c in names):
        raise InvalidParameterError(
            "sensitive_features must name one or more columns (a str or a list of str)."
        )
    n = check_count(n_rows, "sample_rows")
    minimum = check_count(min_per_group, "min_per_group")
    if not n or not minimum:
        raise InvalidParameterError(
            f"sample_rows and min_per_group must be >= 1; got {n_rows!r} and {min_per_group!r}."
        )
    return names, int(n), int(minimum), resolve_random_state(random_state)


def _window_sample(
    table: Any, names: list[str], n_rows: int, minimum: int, seed: int, sizes: pd.DataFrame
) -> tuple[pd.DataFrame, Allocation]:
    """DuckDB: ``row_number()`` over each group by a seeded hash of the row, up to its quota."""
    allocation = allocate(sizes["rows"].to_numpy(), n_rows, minimum)
    part = ", ".join(_quoted(c) for c in names)
    every = ", ".join(_quoted(c) for c in table.columns)
    n = f"count(*) OVER (PARTITION BY {part})"
    quota = (
        f"least({n}, greatest({allocation.minimum}, "
        f"floor(CAST('{allocation.rate!r}' AS DOUBLE) * {n})))"
    )
    sql = (
        f"SELECT * EXCLUDE ({_KEY}) FROM (SELECT *, hash({every}, {seed}::UBIGINT) AS {_KEY} "
        f"FROM __audit_src) QUALIFY row_number() OVER (PARTITION BY {part} ORDER BY {_KEY}) "
        f"<= {quota} ORDER BY {part}, {_KEY}"
    )
    frame = table.query("__audit_src", sql).to_arrow_table().to_pandas()
    return frame, allocation


def _spark_sample(
    df: Any, names: list[str], n_rows: int, minimum: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, Allocation]:
    """Spark: group counts, then ``row_number()`` over each group by ``xxhash64`` of the row."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    sizes = df.groupBy(*[df[c] for c in names]).count().toPandas()
    sizes = sizes.rename(columns={"count": "rows"}).sort_values(names).reset_index(drop=True)
    allocation = allocate(sizes["rows"].to_numpy(), n_rows, minimum)
    keyed = df.withColumn(_KEY, F.xxhash64(*[df[c] for c in df.columns], F.lit(seed)))
    by_group = Window.partitionBy(*[keyed[c] for c in names])
    keyed = keyed.withColumn(_ROWS, F.count(F.lit(1)).over(by_group))
    keyed = keyed.withColumn(_RANK, F.row_number().over(by_group.orderBy(keyed[_KEY])))
    n = F.col(_ROWS)
    quota = F.least(n, F.greatest(F.lit(allocation.minimum), F.floor(F.lit(allocation.rate) * n)))
    kept = keyed.filter(F.col(_RANK) <= quota).drop(_ROWS, _RANK)
    frame = kept.orderBy(*[kept[c] for c in names], kept[_KEY]).drop(_KEY).toPandas()
    return frame, sizes, allocation


def _counted(frame: pd.DataFrame, sizes: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    sampled = frame.groupby(names, dropna=False, sort=False, observed=True).size().rename("sampled")
    groups = sizes.merge(sampled.reset_index(), how="left", on=names)
    groups["sampled"] = groups["sampled"].fillna(0).astype(np.int64)
    groups["rows"] = groups["rows"].astype(np.int64)
    return groups[[*names, "rows", "sampled"]]


def stratified_sample(
    table: Any,
    sensitive_features: str | Sequence[str],
    *,
    n_rows: int = 50_000,
    min_per_group: int = DEFAULT_MIN_PER_GROUP,
    random_state: int | None = 0,
    columns: Sequence[str] | None = None,
    batch_rows: int = 100_000,
    connection: Any = None,
    engine: str = "duckdb",
) -> StratifiedSample:
    """A seeded sample of ``table`` with every sensitive group represented, drawn by its engine.

    Parameters
    ----------
    table : file path, DuckDB relation, pyarrow, polars, pandas, Spark or Dask table
    sensitive_features : str or list of str
        The columns whose intersections are the groups.
    n_rows : int
        Bound on the sample's size (see :func:`allocate`).
    min_per_group : int
        Rows every group gets at least (all of them when it has fewer).
    random_state : int or None
        Seed of the row keys: the same seed gives the same rows.
    columns : list of str, optional
        The columns to keep (default: all).
    batch_rows, connection, engine
        How a file or an in-memory table is streamed (:func:`audit.scale.record_batches`).

    Returns
    -------
    StratifiedSample
        The rows (pandas) and the rows per group in the table and in the sample.
    """
    names, n, minimum, seed = _check(sensitive_features, n_rows, min_per_group, random_state)
    kind = engine_of(table)
    if kind == "spark":
        if columns is not None:
            table = table.select(*[table[c] for c in columns])
        frame, sizes, allocation = _spark_sample(table, names, n, minimum, seed)
        groups = _counted(frame, sizes, names)
        return StratifiedSample(
            frame, tuple(names), groups, allocation.rate, allocation.minimum, n, seed, "spark"
        )
    if kind == "duckdb" or (kind == "file" and engine == "duckdb"):
        if kind == "file":
            from audit.scale._scoring import open_file

            table = open_file(table, connection)
        if columns is not None:
            table = table.select(*[_quoted(c) for c in columns])
        sizes = group_sizes(table, names)
        frame, allocation = _window_sample(table, names, n, minimum, seed, sizes)
        groups = _counted(frame, sizes, names)
        return StratifiedSample(
            frame, tuple(names), groups, allocation.rate, allocation.minimum, n, seed, "duckdb"
        )
    if kind == "dask":
        if columns is not None:
            table = table[list(columns)]
        counts = table.groupby(names, dropna=False, observed=True).size().compute()
        sizes = counts.rename("rows").reset_index().sort_values(names).reset_index(drop=True)
        sampler = GroupQuotaSampler(sizes, names, n, minimum, seed)
        meta = table._meta
        candidates = table.map_partitions(sampler.reduce, meta=meta).compute()
        sampler.add(candidates)
        return sampler.result("dask")
    # pandas, polars, pyarrow, files read by pyarrow: stream batches through the sampler
    cols = list(columns) if columns is not None else None
    if cols is None:
        from audit.scale._scoring import column_names

        cols = column_names(table, connection=connection, engine=engine)
    sizes = group_sizes(table, names, batch_rows=batch_rows, connection=connection, engine=engine)
    sampler = GroupQuotaSampler(sizes, names, n, minimum, seed)
    for frame in record_batches(
        table, cols, batch_rows=batch_rows, connection=connection, engine=engine
    ):
        sampler.add(frame)
    return sampler.result(kind if kind != "file" else engine)
