"""A torch module fed by a fitted sklearn transformer: attributions summed to the data's columns."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from audit.adapters import TorchAdapter
from audit.attributions import explain
from audit.importance import permutation_importance


def test_onehot_inputs_of_a_network_sum_back(adult_small):
    X = adult_small[["age", "hours_per_week", "race", "sex"]]
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), ["age", "hours_per_week"]),
            ("cat", OneHotEncoder(sparse_output=False), ["race", "sex"]),
        ]
    ).fit(X)
    width = pre.transform(X.iloc[:1]).shape[1]
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(width, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    adapter = TorchAdapter(
        net, preprocess=pre.transform, feature_names=list(pre.get_feature_names_out())
    )
    result = explain(adapter, X, sensitive_features=X["sex"], max_rows=200)
    assert result.explainer == "deep"
    assert result.feature_names == ("age", "hours_per_week", "race", "sex")
    sources = np.asarray(result.transformed_sources)
    assert (sources == "race").sum() == X["race"].nunique()
    summed = result.transformed_values[:, sources == "race", 0].sum(axis=1)
    np.testing.assert_allclose(result.values[:, 2, 0], summed, rtol=1e-12)
    assert result.additivity_ok
    labels = (adult_small["income"].to_numpy() == 1).astype(int)
    perm = permutation_importance(adapter, X, labels, n_repeats=2, max_rows=500)
    assert list(perm.table.index) == ["age", "hours_per_week", "race", "sex"]
