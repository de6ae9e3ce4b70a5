"""Global and per-group tables equal a hand computation on the attribution array."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from audit.attributions import explain


@pytest.fixture(scope="module")
def result(biased):
    X = biased.X.drop(columns=["group"])
    model = LogisticRegression().fit(X, biased.y)
    return explain(model, X, sensitive_features=biased.X["group"], max_rows=5000)


def test_global_mean_abs_share_and_rank(result):
    mean_abs = np.abs(result.values[:, :, 0]).mean(axis=0)
    expected = pd.Series(mean_abs, index=list(result.feature_names)).sort_values(ascending=False)
    table = result.importance
    assert list(table.index) == list(expected.index)
    np.testing.assert_allclose(table["mean_abs"], expected.to_numpy())
    np.testing.assert_allclose(table["share"], expected.to_numpy() / expected.sum())
    assert table["rank"].tolist() == list(range(1, len(expected) + 1))


def test_per_group_means(result):
    group = result.groups["group"].to_numpy()
    wide_abs = result.mean_abs_by_group()
    wide_signed = result.mean_signed_by_group()
    for name in ("A", "B"):
        rows = result.values[group == name, :, 0]
        abs_expected = pd.Series(np.abs(rows).mean(axis=0), index=list(result.feature_names))
        signed_expected = pd.Series(rows.mean(axis=0), index=list(result.feature_names))
        np.testing.assert_allclose(wide_abs[f"group={name}"], abs_expected[wide_abs.index])
        np.testing.assert_allclose(
            wide_signed[f"group={name}"], signed_expected[wide_signed.index], atol=1e-12
        )
    assert list(result.to_frame().columns) == ["mean_abs", "share", "rank", "group=A", "group=B"]


def test_stratified_weights_restore_population_means(biased):
    X = biased.X.drop(columns=["group"])
    model = LogisticRegression().fit(X, biased.y)
    groups = pd.Series(np.where(np.arange(len(X)) < 100, "small", "large"), name="g")
    result = explain(model, X, sensitive_features=groups, max_rows=200)
    w = result.row_weights
    assert result.sample_sizes.set_index("group")["n_explained"].to_dict() == {
        "large": 165,
        "small": 35,  # 30 each, then 140 shared by what is left: 1830 vs 70
    }
    expected = (np.abs(result.values[:, :, 0]) * w[:, None]).sum(axis=0) / w.sum()
    got = result.importance["mean_abs"].reindex(list(result.feature_names))
    np.testing.assert_allclose(got, expected)
