"""A many-valued numeric sensitive attribute (age) is binned; its proxy is found."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression

from audit.proxies import N_BINS, detect_proxies


def test_age_proxy(rng):
    n = 1500
    age = rng.integers(18, 80, size=n).astype(float)
    years_worked = age - 18 + rng.normal(0, 3, size=n)  # nearly a copy of age
    other = rng.standard_normal(n)
    X = pd.DataFrame({"years_worked": years_worked, "other": other})
    y = 0.05 * years_worked + other + rng.normal(0, 0.1, size=n)
    model = LinearRegression().fit(X, y)
    result = detect_proxies(model, X, pd.Series(age, name="age"), y=y)
    table = result.table.set_index("feature")
    assert table.loc["years_worked", "measure"] == "correlation_ratio"
    assert table.loc["years_worked", "is_proxy"]
    assert not table.loc["other", "is_proxy"]
    assert N_BINS == 5 and len(np.unique(pd.qcut(age, N_BINS, duplicates="drop"))) == 5
