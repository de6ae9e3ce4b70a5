"""Bootstrap from the count table agrees with a row-resampling bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm

from audit.fairness import BINARY_METRICS, REGRESSION_METRICS, group_metrics
from audit.fairness._metrics import (
    REGRESSION_SUMS,
    binary_metrics,
    regression_metrics,
    regression_overall,
)

B = 2000
CI = 0.9


def _data(n: int = 3000, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    group = rng.choice(np.array(["a", "b", "c"]), n, p=[0.5, 0.3, 0.2])
    rate = pd.Series(group).map({"a": 0.5, "b": 0.35, "c": 0.6}).to_numpy()
    y_true = (rng.random(n) < rate).astype(int)
    y_pred = (rng.random(n) < 0.3 + 0.4 * y_true).astype(int)
    return {
        "group": group,
        "y_true": y_true,
        "y_pred": y_pred,
        "w": rng.gamma(2.0, 1.0, n),
        "score": np.clip(0.3 * y_true + 0.7 * rng.random(n), 0, 1),
    }


def _row_bootstrap_cells(
    codes: np.ndarray, key: np.ndarray, w: np.ndarray | None, g: int, seed: int
) -> np.ndarray:
    """The slow way: resample rows, count cells per replicate."""
    rng = np.random.default_rng(seed)
    n = len(codes)
    out = np.empty((B, g, 4))
    for b in range(B):
        idx = rng.integers(0, n, n)
        weights = None if w is None else w[idx]
        out[b] = np.bincount(key[idx], weights=weights, minlength=4 * g).reshape(g, 4)
    return out


def _assert_close_intervals(
    ours_low: np.ndarray, ours_high: np.ndarray, reps: np.ndarray, tol: float
) -> None:
    """Endpoints agree within ``tol`` bootstrap standard deviations (Monte-Carlo error)."""
    low, high = np.nanquantile(reps, [(1 - CI) / 2, (1 + CI) / 2], axis=0)
    sd = np.nanstd(reps, axis=0)
    ok = sd > 0
    assert np.all(np.abs(ours_low - low)[ok] <= tol * sd[ok]), (ours_low, low, sd)
    assert np.all(np.abs(ours_high - high)[ok] <= tol * sd[ok]), (ours_high, high, sd)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_intervals_match_row_bootstrap(weighted: bool) -> None:
    d = _data()
    w = d["w"] if weighted else None
    gm = group_metrics(
        d["y_true"],
        d["y_pred"],
        sensitive_features=d["group"],
        sample_weight=w,
        n_boot=B,
        ci=CI,
        random_state=1,
    )
    codes = pd.Index(gm.groups).get_indexer(d["group"])
    key = codes * 4 + 2 * d["y_true"] + d["y_pred"]
    cells = _row_bootstrap_cells(codes, key, w, len(gm.groups), seed=2)
    per = binary_metrics(cells)
    names = list(BINARY_METRICS)
    reps = np.stack([per[m] for m in names], axis=-1)  # (B, G, M)
    _assert_close_intervals(
        gm.ci_low[names].to_numpy(), gm.ci_high[names].to_numpy(), reps, tol=0.3
    )
    overall = binary_metrics(cells.sum(axis=1))
    reps_overall = np.stack([overall[m] for m in names], axis=-1)
    _assert_close_intervals(
        gm.overall_ci_low[names].to_numpy(),
        gm.overall_ci_high[names].to_numpy(),
        reps_overall,
        tol=0.3,
    )
    # the between-groups difference of each replicate, too
    diff = np.nanmax(reps, axis=1) - np.nanmin(reps, axis=1)
    dci = gm.difference_ci().loc[names]
    _assert_close_intervals(dci["ci_low"].to_numpy(), dci["ci_high"].to_numpy(), diff, tol=0.3)
    ratio = np.nanmin(reps, axis=1) / np.nanmax(reps, axis=1)
    rci = gm.ratio_ci().loc[names]
    _assert_close_intervals(rci["ci_low"].to_numpy(), rci["ci_high"].to_numpy(), ratio, tol=0.3)


def test_regression_intervals_match_row_bootstrap() -> None:
    rng = np.random.default_rng(4)
    n = 3000
    group = rng.choice(np.array(["a", "b", "c"]), n, p=[0.5, 0.3, 0.2])
    x = rng.normal(size=n)
    y = 2 * x + rng.normal(size=n) * np.where(group == "c", 2.0, 1.0) + 1
    pred = 1.8 * x + 1.1
    w = rng.uniform(0.5, 2.0, n)
    gm = group_metrics(
        y, pred, sensitive_features=group, sample_weight=w, n_boot=B, ci=CI, random_state=3
    )
    codes = pd.Index(gm.groups).get_indexer(group)
    g = len(gm.groups)
    boot = np.random.default_rng(5)
    sums = np.empty((B, g, len(REGRESSION_SUMS)))
    for b in range(B):
        i = boot.integers(0, n, n)
        c, yy, pp, ww = codes[i], y[i], pred[i], w[i]
        wsum = np.bincount(c, ww, g)
        sy = np.bincount(c, ww * yy, g)
        mean = sy / wsum
        e = yy - pp
        sums[b] = np.column_stack(
            [
                np.bincount(c, minlength=g),
                wsum,
                np.zeros(g),  # shift_y
                np.zeros(g),  # shift_pred
                sy,
                np.bincount(c, ww * pp, g),
                np.bincount(c, ww * e, g),
                np.bincount(c, ww * np.abs(e), g),
                np.bincount(c, ww * e * e, g),
                np.bincount(c, ww * (yy - mean[c]) ** 2, g),
            ]
        )
    per = regression_metrics(sums)
    names = list(REGRESSION_METRICS)
    reps = np.stack([per[m] for m in names], axis=-1)
    _assert_close_intervals(
        gm.ci_low[names].to_numpy(), gm.ci_high[names].to_numpy(), reps, tol=0.3
    )
    overall = regression_metrics(regression_overall(sums))
    reps_overall = np.stack([overall[m] for m in names], axis=-1)
    _assert_close_intervals(
        gm.overall_ci_low[names].to_numpy(),
        gm.overall_ci_high[names].to_numpy(),
        reps_overall,
        tol=0.3,
    )


def test_auc_and_brier_intervals_match_row_bootstrap() -> None:
    d = _data(n=1500, seed=8)
    n_boot = 300
    gm = group_metrics(
        d["y_true"],
        d["y_pred"],
        sensitive_features=d["group"],
        y_score=d["score"],
        n_boot=1000,
        ci=CI,
        random_state=9,
    )
    rng = np.random.default_rng(10)
    n = len(d["group"])
    reps = np.empty((n_boot, len(gm.groups), 2))
    for b in range(n_boot):
        i = rng.integers(0, n, n)
        for g, label in enumerate(gm.groups):
            m = d["group"][i] == label
            yy, ss = d["y_true"][i][m], d["score"][i][m]
            reps[b, g] = skm.roc_auc_score(yy, ss), skm.brier_score_loss(yy, ss)
    _assert_close_intervals(
        gm.ci_low[["auc", "brier"]].to_numpy(),
        gm.ci_high[["auc", "brier"]].to_numpy(),
        reps,
        tol=0.45,
    )


def test_interval_contains_point_estimate() -> None:
    d = _data(seed=11)
    gm = group_metrics(
        d["y_true"],
        d["y_pred"],
        sensitive_features=d["group"],
        y_score=d["score"],
        sample_weight=d["w"],
        n_boot=500,
        random_state=0,
    )
    metrics = list(gm.metrics)
    values = gm.by_group[metrics].to_numpy()
    assert np.all(gm.ci_low[metrics].to_numpy() <= values)
    assert np.all(values <= gm.ci_high[metrics].to_numpy())
    overall = gm.overall[metrics].to_numpy()
    assert np.all(gm.overall_ci_low[metrics].to_numpy() <= overall)
    assert np.all(overall <= gm.overall_ci_high[metrics].to_numpy())


def test_same_seed_gives_identical_intervals_and_another_seed_does_not() -> None:
    d = _data(seed=12)

    def run(seed: int) -> object:
        return group_metrics(
            d["y_true"],
            d["y_pred"],
            sensitive_features=d["group"],
            sample_weight=d["w"],
            y_score=d["score"],
            n_boot=200,
            random_state=seed,
        )

    a, b, c = run(5), run(5), run(6)
    pd.testing.assert_frame_equal(a.ci_low, b.ci_low)
    pd.testing.assert_frame_equal(a.ci_high, b.ci_high)
    pd.testing.assert_frame_equal(a.difference_ci(), b.difference_ci())
    assert not np.allclose(a.ci_low.to_numpy(), c.ci_low.to_numpy())


def test_no_bootstrap_means_no_intervals_and_a_clear_error() -> None:
    d = _data(n=200)
    gm = group_metrics(d["y_true"], d["y_pred"], sensitive_features=d["group"])
    assert gm.ci_low is None and gm.ci_high is None
    from audit.errors import DataValidationError
    from audit.fairness._group_metrics import _NO_BOOTSTRAP

    with pytest.raises(DataValidationError) as err:
        gm.difference_ci()
    assert str(err.value) == _NO_BOOTSTRAP.format(n_boot=0)


def test_multiclass_bootstrap_intervals_bracket_estimates() -> None:
    rng = np.random.default_rng(13)
    n = 2000
    y = rng.choice(np.array(["cat", "dog", "fox"]), n)
    pred = np.where(rng.random(n) < 0.7, y, rng.choice(np.array(["cat", "dog", "fox"]), n))
    group = rng.choice(np.array(["a", "b"]), n)
    gm = group_metrics(y, pred, sensitive_features=group, n_boot=300, random_state=0)
    cols = list(gm.metrics)
    assert np.all(gm.ci_low[cols].to_numpy() <= gm.by_group[cols].to_numpy())
    assert np.all(gm.by_group[cols].to_numpy() <= gm.ci_high[cols].to_numpy())
