"""Reliability curves, mean scores and calibration-in-the-large equal a pandas groupby on bins.

The reference bins the rows by hand (``floor(n_bins * s)``, the last bin closed
at 1.0) and aggregates with ``DataFrame.groupby``; with ``n_bins=10`` the ECE
recomputed from the curve is the fairness engine's ECE (the same bins).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from audit.calibration import calibration_by_group
from audit.fairness import group_metrics

TOL = {"rtol": 1e-10, "atol": 1e-12}


def _data(n: int = 4000, seed: int = 0, weighted: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["F", "M"], size=n, p=[0.4, 0.6]),
            "race": rng.choice(["A", "B", "C"], size=n, p=[0.5, 0.3, 0.2]),
            "s": rng.beta(2, 3, size=n),
        }
    )
    frame.loc[:7, "s"] = [0.0, 1.0, 0.1, 0.2, 0.999, 0.5, 0.05, 0.95]  # bin edges and the ends
    shift = np.where(frame["race"] == "B", -0.1, 0.0)
    frame["y"] = (rng.uniform(size=n) < np.clip(frame["s"] + shift, 0, 1)).astype(int)
    frame["w"] = rng.integers(1, 5, size=n).astype(float) if weighted else 1.0
    return frame


def _reference(frame: pd.DataFrame, n_bins: int) -> pd.DataFrame:
    f = frame.copy()
    f["bin"] = np.minimum(np.floor(f["s"] * n_bins).astype(int), n_bins - 1)
    f["ws"], f["wy"], f["w2"] = f["w"] * f["s"], f["w"] * f["y"], f["w"] ** 2
    g = f.groupby(["sex", "race", "bin"]).agg(
        count=("s", "size"), w=("w", "sum"), ws=("ws", "sum"), wy=("wy", "sum"), w2=("w2", "sum")
    )
    g["mean_score"] = g["ws"] / g["w"]
    g["observed_rate"] = g["wy"] / g["w"]
    return g


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("n_bins", [5, 10, 20])
def test_curves_equal_a_groupby_on_bins(weighted: bool, n_bins: int) -> None:
    frame = _data(weighted=weighted)
    res = calibration_by_group(
        frame["y"],
        frame["s"],
        sensitive_features=frame[["sex", "race"]],
        sample_weight=frame["w"] if weighted else None,
        n_bins=n_bins,
        n_boot=0,
        random_state=0,
    )
    ref = _reference(frame, n_bins)
    curves = res.curves.set_index("bin", append=True)
    assert len(curves) == 6 * n_bins  # every bin listed, empty ones as NaN
    got = curves.loc[ref.index]
    np.testing.assert_array_equal(got["count"].to_numpy(), ref["count"].to_numpy())
    np.testing.assert_allclose(got["mean_score"], ref["mean_score"], **TOL)
    np.testing.assert_allclose(got["observed_rate"], ref["observed_rate"], **TOL)
    empty = curves.drop(index=ref.index)
    assert (empty["count"] == 0).all() and empty["observed_rate"].isna().all()
    np.testing.assert_allclose(
        curves.loc[("F", "A"), "bin_low"].to_numpy(), np.arange(n_bins) / n_bins, **TOL
    )
    # Wilson interval of each bin's rate, with the effective size (Σw)²/Σw² when weighted
    z = norm.ppf(0.975)
    n_eff = ref["w"] ** 2 / ref["w2"]
    p = ref["observed_rate"]
    centre = (p + z**2 / (2 * n_eff)) / (1 + z**2 / n_eff)
    half = z / (1 + z**2 / n_eff) * np.sqrt(p * (1 - p) / n_eff + z**2 / (4 * n_eff**2))
    np.testing.assert_allclose(got["ci_low"], np.clip(centre - half, 0, 1), **TOL)
    np.testing.assert_allclose(got["ci_high"], np.clip(centre + half, 0, 1), **TOL)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_group_gaps_equal_weighted_means(weighted: bool) -> None:
    frame = _data(seed=3, weighted=weighted)
    res = calibration_by_group(
        frame["y"],
        frame["s"],
        sensitive_features=frame[["sex", "race"]],
        sample_weight=frame["w"] if weighted else None,
        n_boot=0,
    )
    for (sex, race), part in frame.groupby(["sex", "race"]):
        row = res.by_group.loc[(sex, race)]
        mean = np.average(part["s"], weights=part["w"])
        rate = np.average(part["y"], weights=part["w"])
        np.testing.assert_allclose(row["mean_score"], mean, **TOL)
        np.testing.assert_allclose(row["observed_rate"], rate, **TOL)
        np.testing.assert_allclose(row["calibration_in_the_large"], mean - rate, **TOL)
    np.testing.assert_allclose(
        res.overall["calibration_in_the_large"],
        np.average(frame["s"], weights=frame["w"]) - np.average(frame["y"], weights=frame["w"]),
        **TOL,
    )


def test_ten_bin_curve_gives_the_fairness_engines_ece() -> None:
    frame = _data(seed=5)
    res = calibration_by_group(
        frame["y"], frame["s"], sensitive_features=frame["race"], n_bins=10, n_boot=0
    )
    gm = group_metrics(
        frame["y"],
        (frame["s"] > 0.5).astype(int),
        sensitive_features=frame["race"],
        y_score=frame["s"],
    )
    curves = res.curves.fillna({"mean_score": 0.0, "observed_rate": 0.0})
    weighted_gap = curves["count"] * (curves["mean_score"] - curves["observed_rate"]).abs()
    gap = weighted_gap.groupby(level="race").sum() / frame.groupby("race").size()
    np.testing.assert_allclose(gap.loc[gm.by_group.index], gm.by_group["ece"], **TOL)
    np.testing.assert_array_equal(res.by_group["ece"], gm.by_group["ece"])
