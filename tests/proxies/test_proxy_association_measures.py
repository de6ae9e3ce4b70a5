"""Cramér's V equals scipy's; the correlation ratio equals a hand computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats.contingency import association as scipy_association

from audit.proxies import association, correlation_ratio, cramers_v


def test_cramers_v_matches_scipy(rng):
    a = rng.choice(["x", "y", "z"], size=500)
    b = np.where(rng.random(500) < 0.6, a, rng.choice(["x", "y", "z"], size=500))
    table = pd.crosstab(a, b).to_numpy()
    assert cramers_v(a, b) == pytest.approx(scipy_association(table, method="cramer"))


def test_correlation_ratio_by_hand(rng):
    groups = rng.choice(["a", "b", "c"], size=400)
    values = rng.standard_normal(400) + (groups == "a") * 1.5
    frame = pd.DataFrame({"g": groups, "v": values})
    means = frame.groupby("g")["v"].transform("mean")
    expected = np.sqrt(((means - values.mean()) ** 2).sum() / ((values - values.mean()) ** 2).sum())
    assert correlation_ratio(groups, values) == pytest.approx(expected)


def test_association_picks_the_measure_and_bounds_mi(rng):
    sensitive = pd.Series(rng.choice(["F", "M"], size=600))
    numeric = pd.Series(rng.standard_normal(600) + (sensitive == "F") * 2.0)
    categorical = pd.Series(np.where(rng.random(600) < 0.9, sensitive, "other"))
    found = association(numeric, sensitive)
    assert found.measure == "correlation_ratio"
    assert found.value == pytest.approx(correlation_ratio(sensitive.to_numpy(), numeric.to_numpy()))
    assert 0 < found.mi_normalized <= 1
    assert association(categorical, sensitive).measure == "cramers_v"
    unrelated = association(pd.Series(rng.standard_normal(600)), sensitive)
    assert unrelated.strength < 0.1
