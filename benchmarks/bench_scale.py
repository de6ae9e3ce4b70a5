"""Benchmark: the fairness table with 1,000-replicate CIs where the data lives.

Data: a synthetic N-row Parquet file (default 20,000,000 rows; ``--rows``),
written once in row groups of ``--batch`` rows with pyarrow (never the whole
table in memory) and kept in ``--dir`` (default ``/tmp/model_audit_scale``) for
later runs. Columns: three sensitive columns ``sex`` (2 levels), ``race`` (5),
``age_band`` (10) as strings (100 groups), 0/1 ``label`` and ``pred``
(group-dependent rates), a probability ``score`` and a weight ``w``.

Timed work, every engine: the whole fairness table of the 100 intersectional
groups with 1,000 bootstrap replicates::

    group_metrics_from_table(table, y_true="label", y_pred="pred", y_score="score",
                             sample_weight="w", sensitive_features=[...], n_boot=1000,
                             random_state=0)

on DuckDB (``duckdb.read_parquet``), polars lazy (``pl.scan_parquet``), Spark
local (``spark.read.parquet``; start-up timed separately) and Dask
(``dd.read_parquet``), beside the in-memory path, ``group_metrics`` on numpy
arrays (``numpy``; loading the Parquet file into memory is timed separately
and not included). Each engine prints its seconds (median of ``--repeat``
runs) and the ratio to the numpy time, split into the count table ("counts":
the engine's work, and for numpy the encoding and ``bincount`` passes) and the
driver's metrics and replicates from that table ("driver", the same code for
every engine, timed again on each engine's counts), then the largest relative
difference of its results (count table, metrics, intervals) to numpy's: the
engines must give the same numbers (integers exactly, floats to 1e-9). An
engine whose AUC is binned (no ordered window: Dask) has its AUC difference
printed apart.

Usage::

    .venv/bin/python benchmarks/bench_scale.py                              # 20M rows, all engines
    .venv/bin/python benchmarks/bench_scale.py --rows 2000000
    .venv/bin/python benchmarks/bench_scale.py --rows 2m --engines numpy,duckdb,polars --repeat 3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # shared helpers
from _memtools import read_status

ENGINES: tuple[str, ...] = ("numpy", "duckdb", "polars", "spark", "dask")
SENSITIVE: dict[str, int] = {"sex": 2, "race": 5, "age_band": 10}
COLUMNS = {"y_true": "label", "y_pred": "pred", "y_score": "score", "sample_weight": "w"}
FORMAT_VERSION = 1  # bump when the generated data changes, so cached files are rebuilt


def parse_rows(text: str) -> int:
    """``"2m"`` -> 2_000_000, ``"500k"`` -> 500_000, ``"20000000"`` -> 20_000_000."""
    text = text.strip().lower().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("kmb")) * scale)


# --------------------------------------------------------------------------- data


def _levels(name: str, k: int) -> np.ndarray:
    if name == "sex":
        return np.array(["F", "M"], dtype=object)
    return np.array([f"{name}_{i}" for i in range(k)], dtype=object)


def _batch(rows: int, index: int, seed: int) -> Any:
    """One row group of ``rows`` rows, deterministic in (seed, index)."""
    import pyarrow as pa

    rng = np.random.default_rng([seed, index])
    cols: dict[str, Any] = {}
    effect = np.zeros(rows)
    for j, (name, k) in enumerate(SENSITIVE.items()):
        codes = rng.integers(0, k, rows)
        cols[name] = pa.DictionaryArray.from_arrays(
            pa.array(codes.astype(np.int32)), pa.array(_levels(name, k).tolist())
        ).cast(pa.string())
        effect += (codes - (k - 1) / 2) * (0.25 / (j + 1)) / k
    logit = -0.4 + effect + rng.normal(0.0, 1.0, rows)
    score = 1.0 / (1.0 + np.exp(-logit))
    label = (rng.random(rows) < 1.0 / (1.0 + np.exp(-(logit + effect)))).astype(np.int64)
    cols["label"] = label
    cols["pred"] = (score > 0.5).astype(np.int64)
    cols["score"] = score
    cols["w"] = rng.lognormal(0.0, 0.5, rows)
    return pa.table(cols)


def ensure_parquet(directory: str, rows: int, batch: int, seed: int) -> str:
    """Path of the cached Parquet file of ``rows`` rows; written (in row groups) if absent."""
    import pyarrow.parquet as pq

    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"scale_v{FORMAT_VERSION}_{rows}_s{seed}_b{batch}.parquet")
    if os.path.exists(path):
        try:
            if pq.ParquetFile(path).metadata.num_rows == rows:
                print(f"data: {path} (cached, {os.path.getsize(path) / 1e6:,.0f} MB)")
                return path
        except Exception:  # a truncated file from an interrupted run: write it again
            pass
    start = time.perf_counter()
    tmp = f"{path}.{os.getpid()}.tmp"
    writer = None
    try:
        written, index = 0, 0
        while written < rows:
            table = _batch(min(batch, rows - written), index, seed)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="snappy")
            writer.write_table(table, row_group_size=batch)
            written += table.num_rows
            index += 1
        writer.close()
        writer = None
        os.replace(tmp, path)
    finally:
        if writer is not None:
            writer.close()
        if os.path.exists(tmp):
            os.remove(tmp)
    size = os.path.getsize(path) / 1e6
    print(
        f"data: wrote {path} ({rows:,} rows, {size:,.0f} MB) in {time.perf_counter() - start:.1f} s"
    )
    return path


# --------------------------------------------------------------------------- engines


def _kwargs(n_boot: int) -> dict[str, Any]:
    return {**COLUMNS, "sensitive_features": list(SENSITIVE), "n_boot": n_boot, "random_state": 0}


def load_in_memory(path: str) -> dict[str, Any]:
    """The file as numpy arrays (and a pandas frame of the sensitive columns)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    data = {c: table[c].to_numpy() for c in COLUMNS.values()}
    data["sensitive"] = table.select(list(SENSITIVE)).to_pandas()
    del table
    return data


def run_numpy(data: dict[str, Any], n_boot: int) -> Any:
    from audit.fairness import group_metrics

    return group_metrics(
        data["label"],
        data["pred"],
        sensitive_features=data["sensitive"],
        y_score=data["score"],
        sample_weight=data["w"],
        n_boot=n_boot,
        random_state=0,
    )


def start_spark(memory: str) -> Any:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(f"local[{os.cpu_count() or 1}]")
        .appName("model-audit-bench-scale")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", memory)
        .config("spark.sql.shuffle.partitions", str(max(2, os.cpu_count() or 1)))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def table_factory(engine: str, path: str, state: dict[str, Any]) -> Callable[[], Any]:
    """A function returning a fresh lazy table of the file on ``engine``."""
    if engine == "duckdb":
        import duckdb

        state.setdefault("duckdb", duckdb.connect())
        return lambda: state["duckdb"].read_parquet(path)
    if engine == "polars":
        import polars as pl

        return lambda: pl.scan_parquet(path)
    if engine == "spark":
        if "spark" not in state:
            start = time.perf_counter()
            state["spark"] = start_spark(state["spark_memory"])
            print(f"spark: session started in {time.perf_counter() - start:.1f} s (not timed)")
        return lambda: state["spark"].read.parquet(path)
    if engine == "dask":
        import dask.dataframe as dd

        return lambda: dd.read_parquet(path)
    raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")


# --------------------------------------------------------------------------- comparison


def _max_rel(got: Any, want: Any) -> float:
    """Largest |got - want| / |want| (0 where both are 0 or both NaN; inf on a NaN mismatch)."""
    g = np.asarray(got, dtype=np.float64).ravel()
    w = np.asarray(want, dtype=np.float64).ravel()
    if g.shape != w.shape:
        return float("inf")
    nan_g, nan_w = np.isnan(g), np.isnan(w)
    if (nan_g != nan_w).any():
        return float("inf")
    keep = ~nan_w
    g, w = g[keep], w[keep]
    diff = np.abs(g - w)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(diff == 0, 0.0, diff / np.abs(w))
    return float(rel.max()) if rel.size else 0.0


def _aligned(frame: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    return frame.reindex(index=like.index, columns=like.columns)


def compare(got: Any, want: Any) -> dict[str, Any]:
    """Largest relative differences of an engine's result to the in-memory one."""
    binned = getattr(got.counts, "auc_method", "exact") == "binned"
    out: dict[str, Any] = {"groups_same_order": got.by_group.index.equals(want.by_group.index)}
    table_g, table_w = _aligned(got.counts.table, want.counts.table), want.counts.table
    ints = [c for c in table_w.columns if c == "n" or c.startswith("n_")]
    out["counts_exact"] = bool((table_g[ints].to_numpy() == table_w[ints].to_numpy()).all())
    skip = {"auc_u"} if binned else set()
    out["table"] = _max_rel(table_g.drop(columns=list(skip)), table_w.drop(columns=list(skip)))
    metrics = [m for m in want.by_group.columns if not (binned and m == "auc")]
    frames = [("by_group", got.by_group, want.by_group)]
    if want.ci_low is not None:
        frames += [("ci_low", got.ci_low, want.ci_low), ("ci_high", got.ci_high, want.ci_high)]
    out["metrics"] = max(
        _max_rel(_aligned(g, w)[cols], w[cols])
        for _, g, w in frames
        for cols in [[m for m in metrics if m in w.columns]]
    )
    overall = [m for m in want.overall.index if not (binned and m == "auc")]
    out["metrics"] = max(out["metrics"], _max_rel(got.overall[overall], want.overall[overall]))
    if want.counts.score_cells is not None:
        keys = ["group", "label", "bin"]
        sg = got.counts.score_cells.sort_values(keys).drop(columns=keys)
        sw = want.counts.score_cells.sort_values(keys).drop(columns=keys)
        out["table"] = max(out["table"], _max_rel(sg.to_numpy(), sw.to_numpy()))
    out["verdicts_equal"] = bool(
        (_aligned(got.verdicts, want.verdicts).to_numpy() == want.verdicts.to_numpy()).all()
    )
    if binned and "auc" in want.by_group.columns:
        out["auc_abs_diff"] = float(
            np.nanmax(np.abs(_aligned(got.by_group, want.by_group)["auc"] - want.by_group["auc"]))
        )
    out["max_rel"] = max(out["table"], out["metrics"])
    return out


# --------------------------------------------------------------------------- out of core


_PEAK_PROBE = """
import runpy, sys
sys.argv = ["model-audit", *sys.argv[1:]]
try:
    runpy.run_module("audit", run_name="__main__")
finally:
    status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
    sys.stderr.write(f"\\nVmHWM_KB={status}\\n")
"""


def out_of_core_peak_rss(path: str, rows: int) -> int | None:
    """Peak RSS (bytes) of the out-of-core CLI path on ``path``.

    Runs ``model-audit fairness --data <path> ...`` (DuckDB, the default for
    files, with its 512 MB memory limit) in a child process, 1,000 bootstrap
    replicates, and returns the child's own peak resident memory: ``VmHWM`` of
    ``/proc/self/status``, read by the child as it exits. (``ru_maxrss`` of the
    children would count the pages the child had at fork, i.e. this process'.)
    Target: <= 1 GB at 20M and at 100M rows.
    """
    import shutil
    import subprocess
    import sys
    import tempfile

    out = tempfile.mkdtemp(prefix="bench-scale-cli-")
    command = [
        sys.executable, "-c", _PEAK_PROBE, "fairness", "--data", path,
        "--y-true", "label", "--y-pred", "pred", "--y-score", "score",
        "--sensitive", "sex,race,age_band", "--weight", "w",
        "--out", out, "--fail-on", "none", "--seed", "0",
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    print(f"  out-of-core CLI: exit {done.returncode} in {time.perf_counter() - start:.1f} s")
    shutil.rmtree(out, ignore_errors=True)
    found = [line for line in done.stderr.splitlines() if line.startswith("VmHWM_KB=")]
    if done.returncode != 0 or not found:
        print(done.stderr[-2000:])
        return None
    return int(found[-1].split("=")[1]) * 1024


# --------------------------------------------------------------------------- main


def _time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=parse_rows, default=20_000_000, help="rows (2m, 500k, ...)")
    parser.add_argument("--dir", default="/tmp/model_audit_scale", help="cache of Parquet files")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated list")
    parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap replicates")
    parser.add_argument("--repeat", type=int, default=1, help="runs per engine (median)")
    parser.add_argument("--batch", type=parse_rows, default=1_000_000, help="row-group size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--spark-memory", default="4g", help="spark.driver.memory")
    parser.add_argument("--rss", action="store_true", help="also the out-of-core CLI peak RSS")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown:
        parser.error(f"unknown engine(s) {unknown}; choose from {', '.join(ENGINES)}")

    import audit

    versions = {"model-audit": getattr(audit, "__version__", "?")}
    for mod in ("numpy", "pandas", "pyarrow", "narwhals", "duckdb", "polars", "pyspark", "dask"):
        try:
            versions[mod] = __import__(mod).__version__
        except ImportError:
            versions[mod] = "-"
    print(
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
    )
    path = ensure_parquet(args.dir, args.rows, args.batch, args.seed)
    print(
        f"{args.rows:,} rows, {int(np.prod(list(SENSITIVE.values())))} groups "
        f"({' x '.join(SENSITIVE)}), n_boot={args.n_boot}, median of {args.repeat}\n"
    )

    results: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    state: dict[str, Any] = {"spark_memory": args.spark_memory}
    if "numpy" in engines:
        start = time.perf_counter()
        data = load_in_memory(path)
        load = time.perf_counter() - start
        print(f"numpy: load into memory {load:.2f} s (not included below)")
        seconds["numpy"], results["numpy"] = _time(
            lambda: run_numpy(data, args.n_boot), args.repeat
        )
        del data
    from audit.fairness import group_metrics_from_table

    for engine in engines:
        if engine == "numpy":
            continue
        try:
            make = table_factory(engine, path, state)
            seconds[engine], results[engine] = _time(
                lambda make=make: group_metrics_from_table(make(), **_kwargs(args.n_boot)),
                args.repeat,
            )
        except Exception as err:  # one engine failing must not hide the others' figures
            print(f"{engine}: FAILED {type(err).__name__}: {str(err)[:500]}")

    # the driver's share (metrics, verdicts, 1,000 replicates from the count table): the same
    # code for every engine, timed again on each engine's counts; the rest is the count table
    from audit.fairness import metrics_from_counts

    driver = {
        engine: _time(
            lambda gm=gm: metrics_from_counts(gm.counts, n_boot=args.n_boot, random_state=0), 1
        )[0]
        for engine, gm in results.items()
    }
    base = seconds.get("numpy")
    print(
        f"\n{'engine':<8} {'seconds':>9} {'x numpy':>8} {'counts':>8} {'driver':>8}  {'auc':<7} "
        "identical to numpy"
    )
    for engine in engines:
        if engine not in seconds:
            continue
        gm = results[engine]
        ratio = f"{seconds[engine] / base:.2f}" if base else "-"
        method = getattr(gm.counts, "auc_method", "exact")
        if engine == "numpy" or "numpy" not in results:
            check = "(reference)" if engine == "numpy" else "(no numpy run)"
        else:
            c = compare(gm, results["numpy"])
            check = (
                f"max rel diff {c['max_rel']:.1e} (table {c['table']:.1e}, metrics+CIs "
                f"{c['metrics']:.1e}); counts exact: {c['counts_exact']}; verdicts equal: "
                f"{c['verdicts_equal']}; group order equal: {c['groups_same_order']}"
            )
            if "auc_abs_diff" in c:
                check += f"; binned AUC |diff| {c['auc_abs_diff']:.1e}"
        counts_s = max(seconds[engine] - driver[engine], 0.0)
        print(
            f"{engine:<8} {seconds[engine]:>9.2f} {ratio:>8} {counts_s:>8.2f} "
            f"{driver[engine]:>8.2f}  {method:<7} {check}"
        )

    if args.rss:
        rss = out_of_core_peak_rss(path, args.rows)
        text = "TODO, not measured yet" if rss is None else f"{rss / 1e6:,.0f} MB"
        print(f"\nout-of-core CLI peak RSS: {text}")
    print(f"this process' peak RSS: {read_status('VmHWM') / 1e6:,.0f} MB")
    if "spark" in state:
        state["spark"].stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
