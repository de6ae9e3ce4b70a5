"""Benchmark: audit.fairness.group_metrics against fairlearn's MetricFrame, same data, one process.

Data: a pandas DataFrame with string sensitive columns (``sex`` 2 levels,
``race`` 5, ``age_band`` 20) and 0/1 labels and predictions. 2 groups =
``sex``; 10 groups = ``sex x race``; 200 groups = ``sex x race x age_band``.

Timed work, both sides: all binary classification metrics per group and
overall (count, base rate, selection rate, TPR, FPR, FNR, TNR, precision,
NPV, accuracy, balanced accuracy, F1), then ``difference()`` and ``ratio()``.

fairlearn runs are expensive: above ``--fairlearn-max-rows`` its time is
extrapolated linearly from the largest size measured, and the bootstrap time
of fairlearn is extrapolated from a few replicates. Extrapolated figures are
marked ``~`` in the output.

Usage::

    .venv/bin/python benchmarks/bench_fairness.py                      # everything
    .venv/bin/python benchmarks/bench_fairness.py --sizes 100k,1m --groups 10
    .venv/bin/python benchmarks/bench_fairness.py --sizes 5m --no-fairlearn --memory
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from audit.fairness import group_metrics

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # shared helpers
from _memtools import read_status, release_free_memory

SENSITIVE = {2: ["sex"], 10: ["sex", "race"], 200: ["sex", "race", "age_band"]}
LEVELS = {"sex": 2, "race": 5, "age_band": 20}


def parse_size(text: str) -> int:
    """``"100k"`` -> 100_000, ``"1m"`` -> 1_000_000."""
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def make_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """Frame with string sensitive columns (pandas' default string dtype) and 0/1 columns."""
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {}
    for name, k in LEVELS.items():
        labels = np.array([f"{name}_{i}" for i in range(k)], dtype=object)
        data[name] = pd.array(labels[rng.integers(0, k, n)], dtype="str")
    y_true = (rng.random(n) < 0.4).astype(np.int64)
    data["y_true"] = y_true
    data["y_pred"] = np.where(rng.random(n) < 0.8, y_true, 1 - y_true)
    return pd.DataFrame(data)


def ours(frame: pd.DataFrame, columns: list[str], n_boot: int = 0) -> object:
    gm = group_metrics(
        frame["y_true"],
        frame["y_pred"],
        sensitive_features=frame[columns],
        n_boot=n_boot,
        random_state=0,
    )
    gm.difference()
    gm.ratio()
    return gm


def _fairlearn_metrics() -> dict[str, Callable[..., float]]:
    import fairlearn.metrics as flm
    import sklearn.metrics as skm

    def base_rate(y_true: Any, y_pred: Any) -> float:
        return flm.mean_prediction(y_pred, y_true)

    return {
        "count": flm.count,
        "base_rate": base_rate,
        "selection_rate": flm.selection_rate,
        "tpr": flm.true_positive_rate,
        "fpr": flm.false_positive_rate,
        "fnr": flm.false_negative_rate,
        "tnr": flm.true_negative_rate,
        "precision": functools.partial(skm.precision_score, zero_division=0.0),
        "npv": functools.partial(skm.precision_score, pos_label=0, zero_division=0.0),
        "accuracy": skm.accuracy_score,
        "balanced_accuracy": skm.balanced_accuracy_score,
        "f1": functools.partial(skm.f1_score, zero_division=0.0),
    }


def theirs(frame: pd.DataFrame, columns: list[str], n_boot: int | None = None) -> object:
    import fairlearn.metrics as flm

    boot: dict[str, Any] = {}
    if n_boot:
        boot = {"n_boot": n_boot, "ci_quantiles": [0.025, 0.975], "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mf = flm.MetricFrame(
            metrics=_fairlearn_metrics(),
            y_true=frame["y_true"],
            y_pred=frame["y_pred"],
            sensitive_features=frame[columns],
            **boot,
        )
        mf.difference()
        mf.ratio()
    return mf


def best_time(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(min, median) wall time over ``repeats`` runs."""
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def check_same(frame: pd.DataFrame, columns: list[str]) -> float:
    """Largest absolute difference between our by_group values and fairlearn's."""
    gm = group_metrics(
        frame["y_true"], frame["y_pred"], sensitive_features=frame[columns], zero_division=0.0
    )
    mf = theirs(frame, columns)
    by_group = mf.by_group.dropna(subset=["count"]).loc[gm.by_group.index]
    names = [c for c in by_group.columns if c != "count"]
    return float(np.nanmax(np.abs(gm.by_group[names].to_numpy() - by_group[names].to_numpy())))


def measure_memory(frame: pd.DataFrame, columns: list[str]) -> dict[str, float]:
    """Peak extra memory of one group_metrics call.

    ``tracemalloc_peak_mb`` counts numpy and Python allocations (not Arrow's
    own buffers); ``rss_peak_extra_mb`` is the growth of the process' peak
    resident memory over its resident memory before the call (Linux only),
    which also sees Arrow's temporary buffers of the string factorization.
    """
    input_bytes = float(frame.memory_usage(deep=True).sum())
    gc.collect()
    out: dict[str, float] = {"input_mb": input_bytes / 2**20}
    tracemalloc.start()
    ours(frame, columns)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out["tracemalloc_peak_mb"] = peak / 2**20
    try:  # Linux: return freed memory to the OS, reset the high-water mark, call, read it
        gc.collect()
        release_free_memory()
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        before = read_status("VmRSS")
        ours(frame, columns)
        out["rss_peak_extra_mb"] = (read_status("VmHWM") - before) / 2**20
    except OSError:
        out["rss_peak_extra_mb"] = float("nan")
    out["ratio_to_input"] = (
        max(out["tracemalloc_peak_mb"], out["rss_peak_extra_mb"]) / (out["input_mb"])
    )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100k,1m,5m", help="row counts, e.g. 100k,1m,5m")
    parser.add_argument("--groups", default="2,10,200", help="group counts among 2,10,200")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of ours (best of)")
    parser.add_argument("--boot", type=int, default=1000, help="bootstrap replicates of ours")
    parser.add_argument(
        "--fairlearn-max-rows",
        default="1m",
        help="largest size fairlearn is run at; larger sizes are extrapolated",
    )
    parser.add_argument(
        "--fairlearn-boot", type=int, default=2, help="fairlearn replicates timed for extrapolation"
    )
    parser.add_argument("--no-fairlearn", action="store_true", help="time ours only")
    parser.add_argument("--memory", action="store_true", help="peak memory at the largest size")
    args = parser.parse_args(argv)

    sizes = [parse_size(s) for s in args.sizes.split(",")]
    groups = [int(g) for g in args.groups.split(",")]
    max_fl = parse_size(args.fairlearn_max_rows)
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}"
    )
    header = (
        f"{'rows':>9} {'groups':>6} {'ours s':>9} {'fairlearn s':>12} {'speed-up':>9} "
        f"{'boot ' + str(args.boot) + ' s':>12} {'fl boot s':>12}"
    )
    print(header)
    fl_seconds_per_row: dict[int, float] = {}
    fl_replicate_factor: dict[int, float] = {}
    for n in sizes:
        frame = make_frame(n)
        for g in groups:
            columns = SENSITIVE[g]
            ours(frame, columns)  # warm-up
            t_ours, _ = best_time(lambda f=frame, c=columns: ours(f, c), args.repeats)
            t_boot, _ = best_time(
                lambda f=frame, c=columns: ours(f, c, n_boot=args.boot), max(1, args.repeats // 2)
            )
            fl_text = fl_boot_text = "-"
            speed = "-"
            if not args.no_fairlearn:
                if n <= max_fl:
                    start = time.perf_counter()
                    theirs(frame, columns)
                    t_fl = time.perf_counter() - start
                    fl_seconds_per_row[g] = t_fl / n
                    fl_text = f"{t_fl:.2f}"
                    if args.fairlearn_boot and g not in fl_replicate_factor:
                        small = frame.iloc[: min(n, 100_000)]
                        start = time.perf_counter()
                        theirs(small, columns)
                        t_single = time.perf_counter() - start
                        start = time.perf_counter()
                        theirs(small, columns, n_boot=args.fairlearn_boot)
                        t_b = time.perf_counter() - start - t_single
                        fl_replicate_factor[g] = max(t_b, 0.0) / args.fairlearn_boot / t_single
                elif g in fl_seconds_per_row:
                    t_fl = fl_seconds_per_row[g] * n
                    fl_text = f"~{t_fl:.1f}"
                else:
                    t_fl = float("nan")
                if np.isfinite(t_fl):
                    speed = f"{'~' if n > max_fl else ''}{t_fl / t_ours:.0f}x"
                    if g in fl_replicate_factor:
                        fl_boot = t_fl * (1 + fl_replicate_factor[g] * args.boot)
                        fl_boot_text = f"~{fl_boot:.0f}"
            print(
                f"{n:>9,} {g:>6} {t_ours:>9.4f} {fl_text:>12} {speed:>9} "
                f"{t_boot:>12.4f} {fl_boot_text:>12}"
            )
        if args.memory and n == max(sizes):
            mem = measure_memory(frame, SENSITIVE[max(groups)])
            print("# memory at", f"{n:,} rows, {max(groups)} groups:", mem)
        del frame
    if not args.no_fairlearn and min(sizes) <= max_fl:
        frame = make_frame(min(sizes))
        diffs = [check_same(frame, SENSITIVE[g]) for g in groups]
        print(f"# largest |ours - fairlearn| over by_group values: {max(diffs):.2e}")


if __name__ == "__main__":
    main()
