"""A network's "input weights": first Linear layer column norms × input std."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from audit.weights import analyze_weights  # noqa: E402


def test_column_norms_times_std_and_concentration():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    with torch.no_grad():
        net[0].weight[:, 0] *= 20.0  # make "a" dominate
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {"a": rng.normal(0, 1, 200), "b": rng.normal(0, 3, 200), "c": rng.normal(0, 0.5, 200)}
    )
    result = analyze_weights(net, X)
    table = result.input_weights.set_index("feature")
    w = net[0].weight.detach().double().numpy()
    norms = np.linalg.norm(w, axis=0)
    std = X.to_numpy(dtype=np.float32).astype(float).std(axis=0)
    np.testing.assert_allclose(table["column_norm"], norms, rtol=1e-12)
    np.testing.assert_allclose(table["input_std"], std, rtol=1e-6)
    np.testing.assert_allclose(table["weight"], norms * std, rtol=1e-6)
    assert table["share"].sum() == pytest.approx(1.0)
    assert result.concentration["top_feature"] == "a"
    assert "imbalanced_weights" in [f.code for f in result.findings]


def test_first_layer_width_mismatch_is_explained():
    class Embed(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.head = torch.nn.Linear(6, 1)

        def forward(self, x):
            return self.head(torch.cat([x, x], dim=1))

    X = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 3)), columns=list("abc"))
    result = analyze_weights(Embed(), X)
    assert result.input_weights is None
    assert result.concentration is None
    assert result.by_source.empty
    assert any("takes 6 inputs" in n for n in result.notes)
