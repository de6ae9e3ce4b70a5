"""Benchmark: the cost of writing the HTML report for an audit with very many groups.

An audit whose sensitive attribute has ``--groups`` distinct values (default
10,000) over ``--rows`` rows, with every analyzer that applies, then
``report.to_html()`` timed (best of ``--repeat``) and its size measured. The
report draws and tabulates at most a bounded number of groups (the largest) and
summarises the rest, so time and size stay flat as groups grow; the bound the
project holds itself to is 10 s and 2 MB at 10,000 groups.

Usage::

    .venv/bin/python benchmarks/bench_report.py
    .venv/bin/python benchmarks/bench_report.py --groups 100,1000,10000 --rows 60000
    .venv/bin/python benchmarks/bench_report.py --analyzers fairness,attributions
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

import audit

LIMIT_SECONDS = 10.0
LIMIT_BYTES = 2 * 1024 * 1024


def make_audit(
    n_rows: int, n_groups: int, analyzers: list[str] | None, seed: int = 0
) -> audit.AuditReport:
    """Audit a logistic regression on synthetic data with ``n_groups`` sensitive groups."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n_rows),
            "b": rng.normal(size=n_rows),
            "c": rng.choice(["x", "y", "z"], n_rows),
        }
    )
    y = (X["a"] + 0.5 * X["b"] + rng.normal(size=n_rows) > 0).astype(int)
    # every group gets at least one row; the rest at random (a long tail of small groups)
    codes = np.concatenate([np.arange(n_groups), rng.integers(0, n_groups, n_rows - n_groups)])
    groups = pd.Series(np.char.add("g", codes.astype(str)), name="group")
    model = LogisticRegression().fit(X[["a", "b"]], y)
    options: dict[str, Any] = {"attributions": {"max_rows": 1000, "progress": False}}
    return audit.audit_model(
        model,
        X[["a", "b"]],
        y,
        sensitive_features=groups,
        analyzers=analyzers,
        analyzer_options={k: v for k, v in options.items() if analyzers is None or k in analyzers},
        random_state=seed,
        name=f"{n_groups}_groups",
    )


def time_report(report: audit.AuditReport, repeat: int) -> tuple[float, int]:
    """Best ``to_html`` time of ``repeat`` runs, and the size of the HTML in bytes."""
    best, size = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        html = report.to_html()
        best = min(best, time.perf_counter() - start)
        size = len(html.encode())
    return best, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", default="10000", help="comma-separated group counts")
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--analyzers", default="", help="comma-separated analyzers (default: every analyzer)"
    )
    args = parser.parse_args(argv)
    analyzers = [a for a in args.analyzers.split(",") if a] or None
    print(f"python {platform.python_version()}, {platform.machine()}, rows {args.rows:,}")
    print("| groups | audit (s) | to_html (s) | HTML size (MB) | analyzers that ran |")
    print("|---:|---:|---:|---:|---|")
    failed = False
    for n_groups in (int(g) for g in args.groups.split(",")):
        start = time.perf_counter()
        report = make_audit(args.rows, n_groups, analyzers)
        audit_s = time.perf_counter() - start
        seconds, size = time_report(report, args.repeat)
        ran = ", ".join(n for n, o in report.outputs.items() if o.status == "ran")
        print(f"| {n_groups:,} | {audit_s:.1f} | {seconds:.2f} | {size / 2**20:.2f} | {ran} |")
        failed |= seconds > LIMIT_SECONDS or size > LIMIT_BYTES
    if failed:
        print(f"over the bound: {LIMIT_SECONDS:g} s or {LIMIT_BYTES / 2**20:g} MB", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
