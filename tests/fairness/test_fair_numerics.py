"""Numerics of the count table: degenerate R², large target offsets, extreme weights."""

from __future__ import annotations

import warnings
from typing import Any

import fairlearn.metrics as flm
import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.errors import DataValidationError
from audit.fairness import REGRESSION_METRICS, group_metrics

SETTINGS = settings(max_examples=40, deadline=None, database=None)
RTOL = 1e-12
pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning"),
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),
]


def _sklearn(y: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> dict[str, float]:
    """The regression metrics as numpy / scikit-learn compute them (R² forced finite)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "mean_target": np.average(y, weights=w),
            "mean_prediction": np.average(p, weights=w),
            "mean_residual": np.average(y - p, weights=w),
            "mae": skm.mean_absolute_error(y, p, sample_weight=w),
            "rmse": skm.root_mean_squared_error(y, p, sample_weight=w),
            "r2": skm.r2_score(y, p, sample_weight=w) if len(y) > 1 else np.nan,
        }


def _assert_close(got: float, expected: float, scale: float, what: str) -> None:
    """Equal to ``RTOL`` relative, or ``RTOL * scale`` for values near 0."""
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=RTOL * scale, err_msg=what)


# --- 1. R² of a group whose targets are all equal ---------------------------------------


@st.composite
def constant_group(draw: st.DrawFn) -> dict[str, Any]:
    """A group with constant targets (any value, any size >= 2) beside an ordinary group."""
    value = draw(
        st.one_of(
            st.sampled_from([0.1, 1 / 3, -2.7, 1e8 + 0.1, 123456.789]),
            st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
        )
    )
    n = draw(st.integers(2, 60))
    perfect = draw(st.booleans())
    noise = np.array(draw(st.lists(st.floats(-2, 2), min_size=n, max_size=n)))
    y_const = np.full(n, value)
    p_const = y_const.copy() if perfect else y_const + noise + 0.5
    y_other = np.linspace(-1.0, 1.0, 10)
    return {
        "value": value,
        "y": np.r_[y_const, y_other],
        "p": np.r_[p_const, y_other * 0.9],
        "g": np.array(["const"] * n + ["other"] * 10),
        "n": n,
    }


@SETTINGS
@given(constant_group())
def test_r2_of_constant_targets_is_nan_or_sklearn_force_finite(d: dict[str, Any]) -> None:
    y, p, n, value = d["y"], d["p"], d["n"], d["value"]
    nan_gm = group_metrics(y, p, sensitive_features=d["g"], task="regression")
    zero_gm = group_metrics(y, p, sensitive_features=d["g"], task="regression", zero_division=0.0)
    # scikit-learn on the targets less their value: constant 0, so its test is exact
    yc, pc = y[:n] - value, p[:n] - value
    assert not np.any(yc)
    assert np.isnan(nan_gm.by_group.loc["const", "r2"])
    assert not np.isfinite(skm.r2_score(yc, pc, force_finite=False))  # NaN or -inf there
    assert zero_gm.by_group.loc["const", "r2"] == skm.r2_score(yc, pc, force_finite=True)
    assert zero_gm.by_group.loc["const", "r2"] == (1.0 if np.array_equal(y[:n], p[:n]) else 0.0)
    # the other group is untouched by the rule
    assert zero_gm.by_group.loc["other", "r2"] == pytest.approx(
        skm.r2_score(y[n:], p[n:]), rel=RTOL
    )


@pytest.mark.parametrize("value", [0.1, 1e8 + 0.1, -7.3])
def test_constant_targets_everywhere_and_in_the_bootstrap(value: float) -> None:
    rng = np.random.default_rng(0)
    n = 80
    y = np.full(n, value)
    p = y + rng.normal(scale=0.1, size=n)
    g = np.repeat(["a", "b"], n // 2)
    w = rng.uniform(0.5, 2.0, n)
    for weights in (None, w):
        gm = group_metrics(
            y, p, sensitive_features=g, sample_weight=weights, n_boot=200, random_state=0
        )
        assert gm.by_group["r2"].isna().all() and np.isnan(gm.overall["r2"])
        assert gm.ci_low["r2"].isna().all() and gm.ci_high["r2"].isna().all()
        assert (gm.verdicts["r2"] == "insufficient evidence").all()
        forced = group_metrics(
            y,
            p,
            sensitive_features=g,
            sample_weight=weights,
            n_boot=200,
            random_state=0,
            zero_division=0.0,
        )
        expected = skm.r2_score(y - value, p - value, sample_weight=weights, force_finite=True)
        assert expected == 0.0
        assert (forced.by_group["r2"] == expected).all() and forced.overall["r2"] == expected
        # every resample of constant targets is constant: no rounding noise in the intervals
        assert (forced.ci_low["r2"] == 0.0).all() and (forced.ci_high["r2"] == 0.0).all()


def test_rows_of_weight_zero_do_not_make_targets_vary() -> None:
    y = np.array([0.1, 0.1, 0.1, 5.0, 1.0, 2.0, 3.0])
    p = np.array([0.2, 0.1, 0.0, 4.0, 1.5, 2.0, 2.5])
    w = np.array([1.0, 2.0, 3.0, 0.0, 1.0, 1.0, 1.0])
    g = np.array(["c", "c", "c", "c", "o", "o", "o"])
    gm = group_metrics(y, p, sensitive_features=g, sample_weight=w, zero_division=0.0)
    expected = skm.r2_score(y[:4] - 0.1, p[:4] - 0.1, sample_weight=w[:4])
    assert gm.by_group.loc["c", "r2"] == expected == 0.0
    assert np.isnan(
        group_metrics(y, p, sensitive_features=g, sample_weight=w).by_group.loc["c", "r2"]
    )


# --- 2. a large common offset of y and the prediction ------------------------------------

# Multiples of 2**-10 below 2**10 in size: adding an integer offset up to 2**27 (> 1e8) is
# exact, so the shifted data hold exactly the same information as the unshifted data.
_DYADIC = st.integers(-(2**20), 2**20).map(lambda k: k / 1024)
_OFFSETS = st.one_of(
    st.sampled_from([0.0, 1.0, -7.0, 1e8, -1e8, 99_999_999.0]),
    st.integers(-(10**8), 10**8).map(float),
)


@st.composite
def shifted_rows(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 80))
    col = st.lists(_DYADIC, min_size=n, max_size=n)
    y = np.array(draw(col))
    p = np.array(draw(col)) if draw(st.booleans()) else y + np.array(draw(col)) / 64
    weighted = draw(st.booleans())
    w = (
        np.array(draw(st.lists(st.integers(1, 16), min_size=n, max_size=n))) / 4
        if weighted
        else None
    )
    groups = np.array(draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n)))
    return {"y": y, "p": p, "w": w, "g": groups, "c": draw(_OFFSETS)}


@SETTINGS
@given(shifted_rows())
def test_regression_metrics_do_not_depend_on_an_offset(d: dict[str, Any]) -> None:
    y, p, w, g, c = d["y"], d["p"], d["w"], d["g"], d["c"]
    assert np.array_equal((y + c) - c, y) and np.array_equal((p + c) - c, p)  # exact shift
    gm = group_metrics(
        y + c, p + c, sensitive_features=g, sample_weight=w, task="regression", zero_division=0.0
    )
    scale = max(1.0, float(np.abs(y).max()), float(np.abs(p).max()))
    rows: list[tuple[Any, pd.Series, np.ndarray]] = [
        (label, gm.by_group.loc[label], g == label) for label in gm.groups
    ]
    rows.append(("overall", gm.overall, np.ones(len(y), dtype=bool)))
    for label, got, m in rows:
        ref = _sklearn(y[m], p[m], None if w is None else w[m])
        for name in ("mean_residual", "mae", "rmse"):
            _assert_close(got[name], ref[name], scale, f"{label} {name} at offset {c}")
        _assert_close(got["r2"], ref["r2"], 1.0, f"{label} r2 at offset {c}")
        # the means move by exactly the offset, to the precision of a number of that size
        for name in ("mean_target", "mean_prediction"):
            _assert_close(got[name], ref[name] + c, scale, f"{label} {name} at offset {c}")


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("offset", [0.0, 1e8, -3e9])
def test_offset_targets_match_numpy_on_the_same_rows(weighted: bool, offset: float) -> None:
    # the rounding of 1e8 + y is in the data given; the metrics add none of their own
    rng = np.random.default_rng(1)
    n = 4000
    y = rng.normal(size=n) + offset
    p = y + rng.normal(scale=0.3, size=n) + 0.01
    g = rng.choice(np.array(["a", "b", "c"]), n)
    w = rng.gamma(2.0, 1.0, n) if weighted else None
    gm = group_metrics(y, p, sensitive_features=g, sample_weight=w)
    assert gm.task == "regression"
    for label in gm.groups:
        m = g == label
        ref = _sklearn(y[m], p[m], None if w is None else w[m])
        got = gm.by_group.loc[label]
        for name in REGRESSION_METRICS:
            np.testing.assert_allclose(got[name], ref[name], rtol=RTOL, err_msg=name)
    ref = _sklearn(y, p, w)
    for name in REGRESSION_METRICS:
        np.testing.assert_allclose(gm.overall[name], ref[name], rtol=RTOL, err_msg=name)


# --- 3. weights too large (or too small) for float64 sums --------------------------------


def _binary(n: int = 400, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    g = rng.choice(np.array(["a", "b"]), n)
    y = rng.integers(0, 2, n)
    return {
        "y": y,
        "p": (rng.random(n) < 0.3 + 0.4 * y).astype(int),
        "s": np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1),
        "g": g,
    }


def _assert_same_result(a: Any, b: Any) -> None:
    pd.testing.assert_frame_equal(a.by_group, b.by_group, check_exact=True)
    pd.testing.assert_series_equal(a.overall, b.overall, check_exact=True)
    pd.testing.assert_frame_equal(a.verdicts, b.verdicts)
    pd.testing.assert_frame_equal(a.ci_low, b.ci_low, check_exact=True)
    pd.testing.assert_frame_equal(a.ci_high, b.ci_high, check_exact=True)


@pytest.mark.parametrize("huge", [1e308, np.finfo(np.float64).max, 1e-300])
def test_extreme_equal_weights_give_the_result_of_unit_weights(huge: float) -> None:
    d = _binary()
    n = len(d["y"])
    kwargs = {"sensitive_features": d["g"], "y_score": d["s"], "n_boot": 100, "random_state": 0}
    unit = group_metrics(d["y"], d["p"], sample_weight=np.ones(n), **kwargs)
    big = group_metrics(d["y"], d["p"], sample_weight=np.full(n, huge), **kwargs)
    _assert_same_result(unit, big)
    assert big.by_group.notna().all().all() and (big.verdicts == "ok").all().all()
    frame = flm.MetricFrame(
        metrics={"tpr": skm.recall_score, "selection_rate": flm.selection_rate},
        y_true=d["y"],
        y_pred=d["p"],
        sensitive_features=d["g"],
    )
    for name in ("tpr", "selection_rate"):
        np.testing.assert_allclose(big.by_group[name], frame.by_group[name], rtol=RTOL)
    for label in big.groups:
        m = d["g"] == label
        assert big.by_group.loc[label, "auc"] == pytest.approx(
            skm.roc_auc_score(d["y"][m], d["s"][m]), rel=RTOL
        )
    y = np.random.default_rng(2).normal(size=n)
    pred = y + 0.3
    kwargs = {"sensitive_features": d["g"], "n_boot": 100, "random_state": 0}
    _assert_same_result(
        group_metrics(y, pred, sample_weight=np.ones(n), **kwargs),
        group_metrics(y, pred, sample_weight=np.full(n, huge), **kwargs),
    )


def test_unequal_huge_weights_match_sklearn() -> None:
    d = _binary(seed=3)
    u = np.random.default_rng(4).uniform(0.1, 1.0, len(d["y"]))
    gm = group_metrics(
        d["y"], d["p"], sensitive_features=d["g"], sample_weight=1e308 * u, y_score=d["s"]
    )
    for label in gm.groups:
        m = d["g"] == label
        yt, yp, ww = d["y"][m], d["p"][m], u[m]  # scikit-learn overflows with 1e308 * u
        got = gm.by_group.loc[label]
        assert got["tpr"] == pytest.approx(skm.recall_score(yt, yp, sample_weight=ww), rel=RTOL)
        assert got["precision"] == pytest.approx(
            skm.precision_score(yt, yp, sample_weight=ww), rel=RTOL
        )
        assert got["auc"] == pytest.approx(
            skm.roc_auc_score(yt, d["s"][m], sample_weight=ww), rel=RTOL
        )


@st.composite
def weighted_rows(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 80))
    task = draw(st.sampled_from(["binary", "regression"]))
    if task == "binary":
        labels = st.lists(st.integers(0, 1), min_size=n, max_size=n)
        y, p = np.array(draw(labels)), np.array(draw(labels))
    else:
        # no values near the underflow range, where the bootstrap's eigendecomposition
        # of second moments (fourth powers of values) is no longer exactly scale-free
        values = st.lists(st.floats(-100, 100).map(lambda v: round(v, 3)), min_size=n, max_size=n)
        y, p = np.array(draw(values)), np.array(draw(values))
    return {
        "task": task,
        "y": y,
        "p": p,
        "g": np.array(draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))),
        "w": np.array(draw(st.lists(st.floats(0.01, 100.0), min_size=n, max_size=n))),
    }


@SETTINGS
@given(weighted_rows(), st.integers(-40, 40))
def test_scaling_every_weight_by_a_power_of_two_changes_nothing(
    d: dict[str, Any], exponent: int
) -> None:
    kwargs = {"sensitive_features": d["g"], "task": d["task"], "n_boot": 20, "random_state": 1}
    a = group_metrics(d["y"], d["p"], sample_weight=d["w"], **kwargs)
    b = group_metrics(d["y"], d["p"], sample_weight=np.ldexp(d["w"], exponent), **kwargs)
    _assert_same_result(a, b)  # bit for bit: every sum is scaled exactly


_FAR = st.one_of(st.integers(70, 1000), st.integers(-1000, -75))


@SETTINGS
@given(weighted_rows(), _FAR, _FAR)
def test_weights_far_from_one_give_one_result_whatever_their_scale(
    d: dict[str, Any], e1: int, e2: int
) -> None:
    # largest weight beyond 2**±64: the table is built from weights / max, the same for both
    kwargs = {"sensitive_features": d["g"], "task": d["task"], "n_boot": 20, "random_state": 1}
    a = group_metrics(d["y"], d["p"], sample_weight=np.ldexp(d["w"], e1), **kwargs)
    b = group_metrics(d["y"], d["p"], sample_weight=np.ldexp(d["w"], e2), **kwargs)
    _assert_same_result(a, b)
    assert not a.by_group[list(a.metrics)].isin([np.inf, -np.inf]).any().any()


@SETTINGS
@given(weighted_rows(), st.floats(1e-250, 1e250))
def test_scaling_every_weight_by_any_factor_keeps_metrics_and_verdicts(
    d: dict[str, Any], factor: float
) -> None:
    kwargs = {"sensitive_features": d["g"], "task": d["task"]}
    a = group_metrics(d["y"], d["p"], sample_weight=d["w"], **kwargs)
    b = group_metrics(d["y"], d["p"], sample_weight=d["w"] * factor, **kwargs)
    pd.testing.assert_frame_equal(a.by_group, b.by_group, rtol=1e-12, atol=1e-12)
    pd.testing.assert_series_equal(a.overall, b.overall, rtol=1e-12, atol=1e-12)
    # verdicts agree everywhere: the effective size (Σw)²/Σw² of k equal weights is k ± 1 ulp,
    # snapped to k, so a group of min_count rows never flips on a rounding step
    pd.testing.assert_frame_equal(a.verdicts, b.verdicts)


def test_weights_beyond_the_float64_range_raise_a_typed_error() -> None:
    d = _binary(n=50)
    w = np.ones(50)
    w[0] = 1e308
    w[1] = 5e-324  # 5e-324 / 1e308 is 0 in float64: this row would silently drop out
    with pytest.raises(DataValidationError, match="sample_weight spans more than float64"):
        group_metrics(d["y"], d["p"], sensitive_features=d["g"], sample_weight=w)
    with pytest.raises(ValueError, match="positive weight"):
        group_metrics(
            d["y"].astype(float) + 0.5, d["p"] + 0.25, sensitive_features=d["g"], sample_weight=w
        )
