"""Calibration by group and threshold trade-offs vs the reference libraries, same data.

Data: synthetic binary scores (``Beta(2, 2)``) with outcomes drawn from a
calibration function that differs by group (``--groups`` groups, sizes
unequal), ``--sizes`` rows each.

Timed, best of ``--repeats`` after one warm-up:

* ``audit.calibration.calibration_by_group`` (10 bins, 1,000 bootstrap
  replicates of the fairness metrics and of calibration-in-the-large, Wilson
  intervals) against scikit-learn's ``sklearn.calibration.calibration_curve``
  run once per group (no intervals): the curves are compared bin by bin;
* ``audit.thresholds.threshold_tradeoffs`` (the three constraints) against
  fairlearn's ``ThresholdOptimizer(prefit=True, predict_method="predict_proba")``
  fitted once per constraint: the expected per-group selection rate, TPR and FPR
  (fairlearn's from ``_pmf_predict``) are compared.

Run from the repository root::

    .venv/bin/python benchmarks/bench_calibration_thresholds.py
    .venv/bin/python benchmarks/bench_calibration_thresholds.py --sizes 1000000 --no-fairlearn
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd


def best_of(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Smallest wall time of ``fn`` over ``repeats`` runs (after a warm-up), and its result."""
    out = fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def data(n: int, groups: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores, outcomes and group labels; group k's rates are shifted by ``0.04 k``."""
    rng = np.random.default_rng(seed)
    weights = np.arange(1, groups + 1, dtype=float)
    g = rng.choice(groups, size=n, p=weights / weights.sum())
    s = rng.beta(2, 2, size=n)
    p = np.clip(s - 0.04 * g + 0.02 * (groups - 1), 0, 1)
    y = (rng.uniform(size=n) < p).astype(int)
    return s, y, np.array([f"g{k}" for k in range(groups)])[g]


def _score_model() -> object:
    """A fitted scikit-learn 'classifier' whose probability is the first column of X."""
    from sklearn.base import BaseEstimator, ClassifierMixin

    class Scores(ClassifierMixin, BaseEstimator):
        def fit(self, X: object, y: object) -> Scores:
            self.classes_ = np.array([0, 1])
            return self

        def predict_proba(self, X: np.ndarray) -> np.ndarray:
            s = np.asarray(X, dtype=float)[:, 0]
            return np.c_[1 - s, s]

        def predict(self, X: np.ndarray) -> np.ndarray:
            return (self.predict_proba(X)[:, 1] > 0.5).astype(int)

    return Scores().fit(None, None)


def bench_calibration(s: np.ndarray, y: np.ndarray, g: np.ndarray, repeats: int) -> dict:
    from sklearn.calibration import calibration_curve

    from audit.calibration import calibration_by_group

    ours_t, ours = best_of(
        lambda: calibration_by_group(y, s, sensitive_features=g, n_boot=1000, random_state=0),
        repeats,
    )

    def reference() -> dict:
        return {
            label: calibration_curve(y[g == label], s[g == label], n_bins=10, strategy="uniform")
            for label in np.unique(g)
        }

    ref_t, ref = best_of(reference, repeats)
    worst = 0.0
    for label, (prob_true, prob_pred) in ref.items():
        curve = ours.curves.loc[label]
        curve = curve[curve["count"] > 0]
        worst = max(
            worst,
            float(np.max(np.abs(curve["observed_rate"].to_numpy() - prob_true))),
            float(np.max(np.abs(curve["mean_score"].to_numpy() - prob_pred))),
        )
    return {"ours_s": ours_t, "sklearn_s": ref_t, "max_abs_diff": worst}


def bench_thresholds(
    s: np.ndarray, y: np.ndarray, g: np.ndarray, repeats: int, fairlearn: bool
) -> dict:
    from audit.thresholds import CONSTRAINTS, threshold_tradeoffs

    ours_t, ours = best_of(
        lambda: threshold_tradeoffs(y, s, sensitive_features=g, min_count=0), repeats
    )
    out = {"ours_s": ours_t, "fairlearn_s": np.nan, "max_abs_diff": np.nan}
    if not fairlearn:
        return out
    from fairlearn.postprocessing import ThresholdOptimizer

    X = s[:, None]
    model = _score_model()
    worst = 0.0
    total = 0.0
    for constraint in CONSTRAINTS:
        start = time.perf_counter()
        opt = ThresholdOptimizer(
            estimator=model, constraints=constraint, prefit=True, predict_method="predict_proba"
        ).fit(X, y, sensitive_features=g)
        total += time.perf_counter() - start
        p = opt._pmf_predict(X, sensitive_features=g)[:, 1]
        table = ours.thresholds(constraint).set_index("group")
        for label in np.unique(g):
            m = g == label
            theirs = (p[m].mean(), p[m & (y == 1)].mean(), p[m & (y == 0)].mean())
            mine = table.loc[label, ["selection_rate", "tpr", "fpr"]].to_numpy(dtype=float)
            worst = max(worst, float(np.max(np.abs(mine - np.array(theirs)))))
    out.update(fairlearn_s=total, max_abs_diff=worst)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--groups", type=int, nargs="+", default=[2, 10])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-fairlearn", action="store_true")
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        for k in args.groups:
            s, y, g = data(n, k)
            cal = bench_calibration(s, y, g, args.repeats)
            thr = bench_thresholds(s, y, g, args.repeats, not args.no_fairlearn)
            rows.append(
                {
                    "rows": n,
                    "groups": k,
                    "calibration_s": cal["ours_s"],
                    "sklearn_curves_s": cal["sklearn_s"],
                    "curve_max_diff": cal["max_abs_diff"],
                    "thresholds_s": thr["ours_s"],
                    "fairlearn_s": thr["fairlearn_s"],
                    "rate_max_diff": thr["max_abs_diff"],
                }
            )
            print(pd.DataFrame(rows).tail(1).to_string(index=False, header=len(rows) == 1))
    print()
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
