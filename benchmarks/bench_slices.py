"""Worst-slice search on Adult: ``audit.slices.find_slices`` vs brute-force pandas enumeration.

Data: the UCI Adult data shipped with the project (``audit.datasets.load_adult``,
48,842 rows, the 14 attributes; ``income`` is the target), and the predictions
of a ``HistGradientBoostingClassifier`` trained on the train split. Every
column is sliced (numeric ones in 5 quantile bins, the others in their 20 most
frequent values and "other", missing values apart), error rate, minimum
support ``max(30, 1 %)`` rows.

Timed, ours: the whole ``find_slices`` call (cutting the columns into levels,
one ``np.bincount`` per combination of columns, pruning, a z-test, Wilson
interval and Benjamini-Hochberg for every slice tested), best of
``--repeats``. The references get the columns already cut into the same
levels (a head start: that cut is inside our time) and compute, for every
conjunction of up to ``depth`` conditions, its size, error rate and the rest's
error rate:

* "pandas groupby": one ``DataFrame.groupby(columns).agg(...)`` per combination
  of columns (the fast way to write it in pandas);
* "pandas masks": one boolean mask per conjunction, ``(df[a] == u) & (df[b] ==
  v)``, then ``size`` and ``errors[mask].mean()`` (the brute force).

The script checks the values: largest |ours - reference| of size, rate and rest
rate over every slice we tested, and it times ``audit_model(...,
analyzers=["slices"])`` on the whole of Adult (predictions included).

Run from the repository root::

    .venv/bin/python benchmarks/bench_slices.py
    .venv/bin/python benchmarks/bench_slices.py --depths 1 2 3 --repeats 5 --no-masks
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable

import numpy as np
import pandas as pd


def best_of(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Smallest wall time of ``fn`` over ``repeats`` runs, and its last result."""
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def adult() -> tuple[pd.DataFrame, np.ndarray, np.ndarray, object, pd.DataFrame]:
    """Adult's 14 attributes, the target, a fitted model's predictions, the model, and the
    attributes as the model takes them (text columns as categories)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from audit.datasets import load_adult

    df = load_adult()
    X = df.drop(columns=["income", "split"])
    encoded = X.copy()
    for col in encoded.columns:
        if not pd.api.types.is_numeric_dtype(encoded[col]):
            encoded[col] = encoded[col].astype("category")
    train = (df["split"] == "train").to_numpy()
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
    model.fit(encoded[train], df["income"][train])
    return X, df["income"].to_numpy(), model.predict(encoded), model, encoded


def level_frame(X: pd.DataFrame) -> pd.DataFrame:
    """Every column as the label of its level (the same levels ``find_slices`` uses)."""
    from audit.slices import DEFAULT_BINS, DEFAULT_MAX_LEVELS, cut_columns

    levels, _ = cut_columns(X, bins=DEFAULT_BINS, max_levels=DEFAULT_MAX_LEVELS)
    return pd.DataFrame(
        {lv.name: pd.Categorical.from_codes(lv.codes, categories=list(lv.labels)) for lv in levels}
    )


def by_groupby(levels: pd.DataFrame, wrong: np.ndarray, depth: int) -> pd.DataFrame:
    """Size, error rate and rest error rate of every conjunction, one groupby per combination."""
    frame = levels.assign(_wrong=wrong)
    n, errors = len(frame), float(wrong.sum())
    parts = []
    for k in range(1, depth + 1):
        for cols in itertools.combinations(levels.columns, k):
            agg = frame.groupby(list(cols), observed=True)["_wrong"].agg(["size", "sum"])
            labels = [
                " and ".join(map(str, key if isinstance(key, tuple) else (key,)))
                for key in agg.index
            ]
            parts.append(
                pd.DataFrame(
                    {
                        "size": agg["size"].to_numpy(),
                        "value": (agg["sum"] / agg["size"]).to_numpy(),
                        "rest": ((errors - agg["sum"]) / (n - agg["size"])).to_numpy(),
                    },
                    index=labels,
                )
            )
    return pd.concat(parts)


def by_masks(levels: pd.DataFrame, wrong: np.ndarray, depth: int) -> pd.DataFrame:
    """Size, error rate and rest error rate of every conjunction, one boolean mask each."""
    errors = pd.Series(wrong)
    n, total = len(levels), float(wrong.sum())
    rows = {}
    for k in range(1, depth + 1):
        for cols in itertools.combinations(levels.columns, k):
            for conds in itertools.product(*(levels[c].cat.categories for c in cols)):
                mask = pd.Series(True, index=levels.index)
                for col, cond in zip(cols, conds, strict=True):
                    mask &= levels[col] == cond
                size = int(mask.sum())
                if size == 0:
                    continue
                err = float(errors[mask].sum())
                rows[" and ".join(conds)] = (size, err / size, (total - err) / max(n - size, 1))
    return pd.DataFrame.from_dict(rows, orient="index", columns=["size", "value", "rest"])


def max_gap(ours: pd.DataFrame, reference: pd.DataFrame) -> float:
    """Largest |ours - reference| of size, value and rest over the slices we tested."""
    mine = ours.set_index("slice")[["size", "value", "rest"]]
    theirs = reference.loc[mine.index, ["size", "value", "rest"]]
    return float(np.nanmax(np.abs(mine.to_numpy(dtype=float) - theirs.to_numpy(dtype=float))))


def main() -> int:
    """Run the benchmark and print one line per depth."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-masks", action="store_true", help="skip the per-slice reference")
    args = parser.parse_args()

    import audit
    from audit.slices import find_slices

    X, y, y_pred, model, encoded = adult()
    wrong = (y != y_pred).astype(np.float64)
    levels = level_frame(X)
    print(
        f"Adult: {len(X):,} rows x {X.shape[1]} columns, {levels.shape[1]} sliced, "
        f"{sum(levels[c].cat.categories.size for c in levels):,} levels; error rate "
        f"{wrong.mean():.4f}"
    )
    header = (
        f"{'depth':>5} {'ours (s)':>9} {'candidates':>10} {'pruned':>7} {'tested':>7} "
        f"{'groupby (s)':>11} {'ratio':>6} {'masks (s)':>10} {'ratio':>6} {'max |d|':>8}"
    )
    print(header)
    for depth in args.depths:
        ours_s, result = best_of(
            lambda d=depth: find_slices(X, y, y_pred, max_depth=d), args.repeats
        )
        table = result.table  # type: ignore[attr-defined]
        group_s, grouped = best_of(lambda d=depth: by_groupby(levels, wrong, d), 1)
        gap = max_gap(table, grouped)  # type: ignore[arg-type]
        masks = "—"
        masks_ratio = "—"
        if not args.no_masks:
            masks_s, masked = best_of(lambda d=depth: by_masks(levels, wrong, d), 1)
            gap = max(gap, max_gap(table, masked))  # type: ignore[arg-type]
            masks, masks_ratio = f"{masks_s:.3f}", f"{masks_s / ours_s:.0f}x"
        print(
            f"{depth:>5} {ours_s:>9.3f} {result.n_candidates:>10,} "  # type: ignore[attr-defined]
            f"{result.n_pruned:>7,} {result.n_tested:>7,} "  # type: ignore[attr-defined]
            f"{group_s:>11.3f} {group_s / ours_s:>5.0f}x {masks:>10} {masks_ratio:>6} {gap:>8.1e}"
        )
    start = time.perf_counter()
    report = audit.audit_model(model, encoded, y, analyzers=["slices"])
    total = time.perf_counter() - start
    out = report.outputs["slices"]
    print(
        f"audit_model(analyzers=['slices']) on Adult, depth 2: {total:.3f} s in all, "
        f"the slices analyzer {out.seconds:.3f} s; {report.slices.n_tested:,} slices tested, "
        f"{report.slices.n_flagged:,} flagged"
    )
    sample = encoded.sample(5000, random_state=0).index
    start = time.perf_counter()
    report = audit.audit_model(model, encoded.loc[sample], y[sample], analyzers=["slices"])
    print(
        f"audit_model on a 5,000-row sample: {time.perf_counter() - start:.3f} s in all, the "
        f"slices analyzer {report.outputs['slices'].seconds:.3f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
