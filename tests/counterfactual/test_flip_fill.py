"""How a proxy takes the target group's values: transport, sample, mode (against numpy/pandas)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit.counterfactual import donor_rows


def _two_groups(
    n_a: int, n_b: int, a: np.ndarray, b: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    codes = np.r_[np.zeros(n_a, dtype=np.int64), np.ones(n_b, dtype=np.int64)]
    return pd.DataFrame({"f": np.r_[a, b]}), codes


def test_numeric_transport_is_the_quantile_map_of_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 400), rng.normal(5, 2, 700)
    a[:10] = a[10:20]  # ties share one quantile
    X, codes = _two_groups(400, 700, a, b)
    rows = np.flatnonzero(codes == 0)
    donors = donor_rows(X, ["f"], codes, rows, 1, how="transport", rng=rng)["f"]
    moved = X["f"].to_numpy()[donors]
    assert set(donors) <= set(np.flatnonzero(codes == 1))
    u = (pd.Series(a).rank(method="average").to_numpy() - 0.5) / len(a)
    np.testing.assert_array_equal(moved, np.quantile(b, u, method="inverted_cdf"))
    order = np.argsort(a, kind="stable")
    assert np.all(np.diff(moved[order]) >= 0)  # each row keeps its rank


def test_missing_numeric_values_draw_a_donor_of_the_target_group():
    a = np.array([1.0, np.nan, 3.0, 2.0])
    b = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    X, codes = _two_groups(4, 5, a, b)
    rows = np.arange(4)
    rng = np.random.default_rng(1)
    moved = X["f"].to_numpy()[donor_rows(X, ["f"], codes, rows, 1, how="transport", rng=rng)["f"]]
    np.testing.assert_array_equal(
        moved[[0, 3, 2]], np.quantile(b, [1 / 6, 1 / 2, 5 / 6], method="inverted_cdf")
    )
    assert list(moved[[0, 3, 2]]) == [10.0, 30.0, 50.0]
    assert moved[1] in b


def test_categorical_transport_is_the_maximal_coupling():
    rng = np.random.default_rng(2)
    n = 60_000
    a = rng.choice(["x", "y", "z"], n, p=[0.5, 0.3, 0.2])
    b = rng.choice(["x", "y", "z"], n, p=[0.2, 0.3, 0.5])
    X, codes = _two_groups(n, n, a, b)
    rows = np.flatnonzero(codes == 0)
    donors = donor_rows(X, ["f"], codes, rows, 1, how="transport", rng=rng)["f"]
    moved = X["f"].to_numpy()[donors]
    target = pd.Series(b).value_counts(normalize=True)
    got = pd.Series(moved).value_counts(normalize=True)
    np.testing.assert_allclose(got.reindex(target.index), target, atol=0.01)
    # as few rows change as the two distributions allow: their total variation distance
    source = pd.Series(a).value_counts(normalize=True)
    tvd = 0.5 * (source - target.reindex(source.index)).abs().sum()
    assert np.mean(moved != a) == pytest.approx(tvd, abs=0.01)
    # a category at least as frequent in the target group never changes
    assert np.all(moved[a == "z"] == "z")


def test_sample_copies_every_proxy_from_one_donor_row():
    X = pd.DataFrame({"p": np.arange(10.0), "q": [f"v{i}" for i in range(10)]})
    codes = np.array([0] * 4 + [1] * 6)
    rows = np.arange(4)
    first = donor_rows(X, ["p", "q"], codes, rows, 1, how="sample", rng=np.random.default_rng(7))
    again = donor_rows(X, ["p", "q"], codes, rows, 1, how="sample", rng=np.random.default_rng(7))
    np.testing.assert_array_equal(first["p"], first["q"])  # the joint distribution is kept
    np.testing.assert_array_equal(first["p"], again["p"])  # seeded
    assert set(first["p"]) <= set(range(4, 10))


def test_mode_is_the_most_frequent_value_or_the_lower_median():
    X = pd.DataFrame(
        {
            "c": ["a", "b", "b", "c", "c", "c", "a", "a"],
            "x": [9.0, 9.0, 9.0, 4.0, 1.0, 3.0, 2.0, 8.0],
        }
    )
    codes = np.array([0, 0, 0, 1, 1, 1, 1, 1])
    rows = np.arange(3)
    donors = donor_rows(X, ["c", "x"], codes, rows, 1, how="mode", rng=np.random.default_rng())
    target = X[codes == 1]
    assert set(X["c"].to_numpy()[donors["c"]]) == {target["c"].mode().iloc[0]}
    lower_median = np.sort(target["x"].to_numpy())[(len(target) - 1) // 2]
    assert set(X["x"].to_numpy()[donors["x"]]) == {lower_median}
