"""Association of every column at once equals the pair-by-pair measures (and sklearn's MI).

:func:`associations` measures the numeric columns of a table together; its
η equals :func:`correlation_ratio` column by column, and the k-nearest-neighbour
mutual information equals sklearn's ``mutual_info_classif`` when every group
has more than 7 rows (sklearn's brute-force distances round for smaller ones).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_selection import mutual_info_classif
from sklearn.linear_model import LogisticRegression

from audit.proxies import (
    association,
    associations,
    correlation_ratio,
    detect_proxies,
    mutual_information_numeric,
)
from audit.proxies._association import as_groups


def _sklearn_mi(matrix: np.ndarray, groups: np.ndarray, seed: int) -> np.ndarray:
    return np.array(
        [
            mutual_info_classif(
                matrix[:, [j]], groups, discrete_features=[False], random_state=seed
            )[0]
            for j in range(matrix.shape[1])
        ]
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mutual_information_equals_sklearns_column_by_column(seed):
    rng = np.random.default_rng(seed)
    n = [150, 700, 2000][seed]
    matrix = rng.standard_normal((n, 24)) * [1e-3, 1.0, 1e4][seed]
    matrix[:, :6] = np.round(matrix[:, :6])  # many tied values
    matrix[:, 6:9] = rng.integers(0, 3, (n, 3))
    matrix[:, 9] = 5.0  # constant
    labels = pd.Series(rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1]))
    matrix[:, 10] = rng.standard_normal(n) + (labels == "a") * 2.0  # a real link
    groups = as_groups(labels)
    assert np.bincount(groups).min() > 7
    ours = mutual_information_numeric(matrix, groups, random_state=seed)
    theirs = _sklearn_mi(matrix, groups, seed)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    assert ours[10] > 0.1


def test_a_tiny_group_differs_from_sklearn_only_slightly():
    rng = np.random.default_rng(4)
    n = 1000
    matrix = rng.standard_normal((n, 20))
    labels = rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1])
    labels[rng.choice(n, 5, replace=False)] = "d"  # a group of 5 rows
    groups = as_groups(pd.Series(labels))
    assert np.bincount(groups).min() == 5
    ours = mutual_information_numeric(matrix, groups, random_state=4)
    theirs = _sklearn_mi(matrix, groups, 4)
    assert np.abs(ours - theirs).max() < 0.03


def test_every_column_at_once_equals_each_pair():
    rng = np.random.default_rng(7)
    n = 400
    sex = pd.Series(rng.choice(["F", "M"], n), name="sex")
    frame = pd.DataFrame(
        {
            "income": rng.standard_normal(n) + (sex == "F") * 1.5,
            "age": rng.integers(18, 70, n),
            "gappy": np.where(rng.random(n) < 0.1, np.nan, rng.standard_normal(n)),
            "postcode": rng.choice(["p1", "p2", "p3"], n),
            "flag": rng.random(n) < 0.5,
            "noise": rng.standard_normal(n),
        }
    )
    table = associations(frame, sex, random_state=3)
    assert list(table.index) == list(frame.columns)
    for column in frame.columns:
        one = association(frame[column], sex, random_state=3)
        row = table.loc[column]
        assert row["measure"] == one.measure
        assert row["value"] == pytest.approx(one.value, rel=1e-12, abs=1e-12)
        assert row["mutual_information"] == pytest.approx(one.mutual_information, abs=1e-12)
        assert row["mi_normalized"] == pytest.approx(one.mi_normalized, abs=1e-12)
        assert row["strength"] == pytest.approx(one.strength, abs=1e-12)
    assert table.loc["income", "value"] == pytest.approx(
        correlation_ratio(sex.to_numpy(), frame["income"].to_numpy()), rel=1e-12
    )


def test_rows_for_mutual_information_are_shared_by_every_column():
    rng = np.random.default_rng(8)
    n = 900
    group = pd.Series(rng.choice(["x", "y"], n))
    frame = pd.DataFrame(rng.standard_normal((n, 5)), columns=list("abcde"))
    table = associations(frame, group, random_state=1, mi_rows=300)
    for column in frame.columns:
        one = association(frame[column], group, random_state=1, mi_rows=300)
        assert table.loc[column, "mutual_information"] == pytest.approx(
            one.mutual_information, abs=1e-12
        )


def test_a_planted_proxy_among_many_features_is_found():
    rng = np.random.default_rng(0)
    n, p = 800, 300
    X = pd.DataFrame(rng.standard_normal((n, p)), columns=[f"f{i}" for i in range(p)])
    group = pd.Series(np.where(X["f5"] + 0.2 * rng.standard_normal(n) > 0, "a", "b"))
    y = (X["f5"] + X["f9"] + 0.5 * rng.standard_normal(n) > 0).astype(int)
    model = LogisticRegression(max_iter=2000).fit(X, y)
    result = detect_proxies(model, X, group)
    assert len(result.table) == p
    assert "f5" in set(result.proxies["feature"])
    assert result.table.iloc[0]["feature"] == "f5"
