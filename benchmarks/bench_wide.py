"""A wide model: each analyzer, and the full audit, of a LogisticRegression on 5,000 features.

Data: ``--rows`` rows (default 1,000) of ``--features`` standard normal
columns (default 5,000); the label depends on four of them, and a binary
sensitive attribute ``group`` (not a model input) on ``f0``, a planted proxy.
Model: ``LogisticRegression(max_iter=2000)`` fitted on all the columns.

Each analyzer runs alone (``audit_model(..., analyzers=[name])``, a fresh
context each time), then the full audit (every registered analyzer), each in a
child process with a time limit (``--timeout``), so one slow analyzer cannot
hide the others' figures. The script prints the seconds of each, what the
importance analyzer capped (its note) and the size of the proxy table, and
exits 1 when the full audit is over ``--limit`` seconds (default 60) or did not
finish.

Run from the repository root::

    .venv/bin/python benchmarks/bench_wide.py
    .venv/bin/python benchmarks/bench_wide.py --analyzers importance proxies --timeout 300
    .venv/bin/python benchmarks/bench_wide.py --features 1000 --no-full
    .venv/bin/python benchmarks/bench_wide.py --analyzers importance --full-without slices
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd

LIMIT = 60.0


def make_data(
    n_rows: int, n_features: int, seed: int = 0
) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    """The wide data: (X, y, group)."""

    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        rng.standard_normal((n_rows, n_features)), columns=[f"f{i}" for i in range(n_features)]
    )
    logit = X["f0"] + 0.8 * X["f1"] - 0.6 * X["f2"] + 0.4 * X["f3"]
    y = (logit + rng.standard_normal(n_rows) > 0).astype(int).to_numpy()
    group = pd.Series(
        np.where(X["f0"] + 0.5 * rng.standard_normal(n_rows) > 0, "a", "b"), name="group"
    )
    return X, y, group


def child(names: list[str], n_rows: int, n_features: int) -> None:
    """Fit the model, run the audit with ``names`` and print one JSON line of figures."""
    from sklearn.linear_model import LogisticRegression

    import audit

    X, y, group = make_data(n_rows, n_features)
    model = LogisticRegression(max_iter=2000).fit(X, y)
    start = time.perf_counter()
    report = audit.audit_model(model, X, y, sensitive_features=group, analyzers=names)
    seconds = time.perf_counter() - start
    figures: dict[str, object] = {"seconds": seconds}
    out = report.outputs.get("importance")
    if out is not None and out.result is not None:
        figures["importance_notes"] = [n for n in out.result.notes if n.startswith("permutation")]
    out = report.outputs.get("proxies")
    if out is not None and out.result is not None:
        table = out.result.table
        figures["proxy_rows"] = len(table)
        figures["proxies"] = list(table.loc[table["is_proxy"], "feature"])
    print("FIGURES " + json.dumps(figures))


def run_child(names: list[str], args: argparse.Namespace) -> dict[str, object] | None:
    """The figures of one child run, or None when it ran past the time limit."""
    command = [
        sys.executable,
        __file__,
        "--child",
        "--rows",
        str(args.rows),
        "--features",
        str(args.features),
        "--analyzers",
        *names,
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=args.timeout, check=True
        )
    except subprocess.TimeoutExpired:
        return None
    line = [x for x in done.stdout.splitlines() if x.startswith("FIGURES ")][-1]
    return json.loads(line[len("FIGURES ") :])


def main() -> int:
    """Run the benchmark; exit status 1 when the full audit is over the limit."""
    from audit.analyzers import ANALYZERS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000)
    parser.add_argument("--features", type=int, default=5_000)
    parser.add_argument("--analyzers", nargs="+", default=list(ANALYZERS))
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--limit", type=float, default=LIMIT)
    parser.add_argument("--no-full", action="store_true", help="skip the full audit")
    parser.add_argument(
        "--full-without",
        nargs="*",
        default=[],
        help="also time the full audit without these analyzers",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.analyzers, args.rows, args.features)
        return 0

    print(
        f"LogisticRegression on {args.rows:,} rows x {args.features:,} features; "
        f"time limit per run {args.timeout:.0f} s"
    )
    print(f"{'analyzer':>14} {'seconds':>9}")
    notes: list[str] = []
    for name in args.analyzers:
        figures = run_child([name], args)
        shown = "> limit" if figures is None else f"{figures['seconds']:.2f}"
        print(f"{name:>14} {shown:>9}", flush=True)
        if figures is not None:
            notes += figures.get("importance_notes", [])  # type: ignore[arg-type]
            if "proxy_rows" in figures:
                print(
                    f"{'':>14} proxy table {figures['proxy_rows']} rows; "
                    f"proxies flagged: {figures['proxies']}"
                )
    for note in notes:
        print(f"importance note: {note[:300]}{'...' if len(note) > 300 else ''}")
    ok = True
    if args.full_without:
        names = [name for name in ANALYZERS if name not in args.full_without]
        figures = run_child(names, args)
        shown = "did not finish" if figures is None else f"{figures['seconds']:.2f} s"
        print(f"audit without {', '.join(args.full_without)} ({len(names)} analyzers): {shown}")
    if not args.no_full:
        figures = run_child(list(ANALYZERS), args)
        if figures is None:
            print(
                f"full audit ({len(ANALYZERS)} analyzers): did not finish in {args.timeout:.0f} s"
            )
            ok = False
        else:
            seconds = float(figures["seconds"])  # type: ignore[arg-type]
            ok = seconds <= args.limit
            verdict = "OK" if ok else "OVER"
            print(
                f"full audit ({len(ANALYZERS)} analyzers): {seconds:.2f} s "
                f"(limit {args.limit:.0f} s): {verdict}"
            )
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
