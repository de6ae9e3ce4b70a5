"""Per-parameter statistics of a torch network against numpy and scipy.stats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

torch = pytest.importorskip("torch")

from audit.weights import NEAR_ZERO_RELATIVE, analyze_weights  # noqa: E402


@pytest.fixture
def net_and_data():
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(5, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 1),
    )
    with torch.no_grad():
        net[0].weight[0, :3] = 0.0  # some exact zeros for the near-zero fraction
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 5)), columns=list("abcde"))
    return net, X


def test_layer_statistics_match_numpy_and_scipy(net_and_data):
    net, X = net_and_data
    layers = analyze_weights(net, X).layers.set_index("parameter")
    assert list(layers.index) == [n for n, _ in net.named_parameters()]
    for name, param in net.named_parameters():
        w = param.detach().double().numpy()
        row = layers.loc[name]
        flat = w.ravel()
        assert row["count"] == flat.size
        assert row["mean"] == pytest.approx(flat.mean(), abs=1e-12)
        assert row["std"] == pytest.approx(flat.std(), rel=1e-12)
        assert row["min"] == pytest.approx(flat.min())
        assert row["max"] == pytest.approx(flat.max())
        assert row["abs_max"] == pytest.approx(np.abs(flat).max())
        if flat.size > 1:
            assert row["skewness"] == pytest.approx(stats.skew(flat), rel=1e-9, abs=1e-12)
            assert row["kurtosis"] == pytest.approx(
                stats.kurtosis(flat, fisher=True), rel=1e-9, abs=1e-12
            )
        near = np.mean(np.abs(flat) < NEAR_ZERO_RELATIVE * np.abs(flat).max())
        assert row["near_zero"] == pytest.approx(near)
        assert row["frobenius"] == pytest.approx(np.linalg.norm(flat))
        if w.ndim == 2:
            assert row["spectral"] == pytest.approx(np.linalg.norm(w, ord=2), rel=1e-10)
            assert row["frobenius"] == pytest.approx(np.linalg.norm(w, ord="fro"))
        else:
            assert np.isnan(row["spectral"])
    assert layers.loc["0.weight", "near_zero"] == pytest.approx(3 / 80)


def test_summary_covers_all_parameters(net_and_data):
    net, X = net_and_data
    result = analyze_weights(net, X)
    flat = np.concatenate([p.detach().double().numpy().ravel() for p in net.parameters()])
    assert result.summary["of"] == "all parameters"
    assert result.summary["count"] == flat.size
    assert result.summary["min"] == pytest.approx(flat.min())
    assert result.summary["max"] == pytest.approx(flat.max())
    assert result.summary["mean"] == pytest.approx(flat.mean())
    assert result.summary["std"] == pytest.approx(flat.std())
    assert result.complexity["n_parameters"] == flat.size
    assert result.complexity["n_layers"] == 3
    assert result.complexity["interpretability"] == "low"


def test_network_left_as_it_was(net_and_data):
    net, X = net_and_data
    net.train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    analyze_weights(net, X)
    assert net.training
    for key, value in net.state_dict().items():
        assert torch.equal(value, before[key])
    assert all(not m._forward_hooks for m in net.modules())
