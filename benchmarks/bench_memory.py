"""Benchmark: peak extra memory of a large fairness audit, as a ratio to the input frame.

Data: a pandas DataFrame of ``--rows`` rows (default 5,000,000) with three
float64 columns ``x0, x1, x2``, a 0/1 int64 target ``y`` and two string
sensitive columns ``sex`` (2 levels) and ``race`` (5 levels) in pandas' default
string dtype. Model: a ``LogisticRegression`` fitted on 20,000 rows of
``x0, x1, x2``.

Measured, each in a fresh child process (so one measurement's freed memory
and caches cannot hide the next one's), after a warm-up call on 1,000 rows
that imports everything the call needs:

* ``audit_model``: ``audit.audit_model(model, frame, "y",
  sensitive_features=["sex", "race"], analyzers=["fairness"])`` — the model
  predicts on all rows;
* ``group_metrics``: ``audit.fairness.group_metrics(y, y_pred,
  sensitive_features=frame[["sex", "race"]])`` with the predictions computed
  before the measurement.

Two figures per call: the growth of the peak resident memory
(``/proc/self/status`` ``VmHWM`` after resetting it through
``/proc/self/clear_refs``, over ``VmRSS`` just before the call; it sees every
allocation, numpy's, Arrow's and scikit-learn's), and the peak of
``tracemalloc`` (numpy and Python allocations only). The ratio is the larger
of the two divided by ``frame.memory_usage(deep=True).sum()``.

Usage::

    .venv/bin/python benchmarks/bench_memory.py                  # 5M rows, both calls
    .venv/bin/python benchmarks/bench_memory.py --rows 1000000 --calls group_metrics
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import tracemalloc
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # shared helpers
from _memtools import read_status, release_free_memory

CALLS = ("audit_model", "group_metrics")
SENSITIVE = ["sex", "race"]
FEATURES = ["x0", "x1", "x2"]
LIMIT = 2.0
"""The issue's bound: peak extra memory at most this multiple of the input frame."""


def make_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """Three float columns, a 0/1 target and two string sensitive columns."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    sex = np.array(["female", "male"], dtype=object)[rng.integers(0, 2, n)]
    race = np.array(["race_a", "race_b", "race_c", "race_d", "race_e"], dtype=object)[
        rng.integers(0, 5, n)
    ]
    logit = x @ np.array([1.0, -0.5, 0.25]) + 0.3 * (sex == "male")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return pd.DataFrame(
        {
            "x0": x[:, 0],
            "x1": x[:, 1],
            "x2": x[:, 2],
            "y": y,
            "sex": pd.array(sex, dtype="str"),
            "race": pd.array(race, dtype="str"),
        }
    )


def fit_model(seed: int = 0) -> Any:
    """A LogisticRegression on the three numeric columns of a small sample."""
    from sklearn.linear_model import LogisticRegression

    small = make_frame(20_000, seed=seed + 1)
    return LogisticRegression().fit(small[FEATURES], small["y"])


def _call(name: str, model: Any, frame: pd.DataFrame, y_pred: np.ndarray | None) -> Any:
    import audit
    from audit.fairness import group_metrics

    if name == "audit_model":
        return audit.audit_model(
            model, frame, "y", sensitive_features=SENSITIVE, analyzers=["fairness"]
        )
    return group_metrics(frame["y"], y_pred, sensitive_features=frame[SENSITIVE])


def measure(name: str, rows: int) -> dict[str, float]:
    """Peak extra memory of one call (run this in a fresh process)."""
    model = fit_model()
    warm = make_frame(1_000, seed=2)
    _call(name, model, warm, model.predict(warm[FEATURES]))  # imports, caches
    frame = make_frame(rows)
    y_pred = model.predict(frame[FEATURES]) if name == "group_metrics" else None
    input_bytes = float(frame.memory_usage(deep=True).sum())
    out: dict[str, float] = {"rows": rows, "input_mb": input_bytes / 2**20}

    gc.collect()
    release_free_memory()
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset VmHWM to the current RSS
        before = read_status("VmRSS")
        result = _call(name, model, frame, y_pred)
        out["rss_peak_extra_mb"] = (read_status("VmHWM") - before) / 2**20
    except OSError:  # pragma: no cover - not Linux
        result = _call(name, model, frame, y_pred)
        out["rss_peak_extra_mb"] = float("nan")
    del result
    gc.collect()

    tracemalloc.start()
    result = _call(name, model, frame, y_pred)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    out["tracemalloc_peak_mb"] = peak / 2**20
    worst = np.nanmax([out["rss_peak_extra_mb"], out["tracemalloc_peak_mb"]])
    out["ratio_to_input"] = float(worst) / out["input_mb"]
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure each call in a child process and print a table; exit 1 above the bound."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000, help="rows (default 5,000,000)")
    parser.add_argument(
        "--calls", default=",".join(CALLS), help=f"comma-separated among {', '.join(CALLS)}"
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.rows)))
        return 0

    print(
        f"# {platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()}, "
        f"numpy {np.__version__}, pandas {pd.__version__}"
    )
    print(
        f"{'call':<14} {'rows':>11} {'input MB':>9} {'RSS peak +MB':>13} "
        f"{'tracemalloc MB':>15} {'ratio':>6}"
    )
    worst = 0.0
    for name in args.calls.split(","):
        child = subprocess.run(
            [sys.executable, __file__, "--rows", str(args.rows), "--child", name],
            capture_output=True,
            text=True,
            check=True,
        )
        res = json.loads(child.stdout.strip().splitlines()[-1])
        worst = max(worst, res["ratio_to_input"])
        print(
            f"{name:<14} {int(res['rows']):>11,} {res['input_mb']:>9.1f} "
            f"{res['rss_peak_extra_mb']:>13.1f} {res['tracemalloc_peak_mb']:>15.1f} "
            f"{res['ratio_to_input']:>5.2f}x"
        )
    verdict = "within" if worst <= LIMIT else "ABOVE"
    print(f"# worst ratio {worst:.2f}x: {verdict} the {LIMIT:g}x bound")
    return 0 if worst <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
