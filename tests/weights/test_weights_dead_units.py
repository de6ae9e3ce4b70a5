"""ReLU units that never fire on the audit data are counted exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from audit.weights import DEAD_UNITS_WARNING, analyze_weights  # noqa: E402


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.normal(size=(300, 4)), columns=list("abcd"))


def _net(dead: list[int]):
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 10),
        torch.nn.ReLU(),
        torch.nn.Linear(10, 6),
        torch.nn.ReLU(),
        torch.nn.Linear(6, 1),
    )
    with torch.no_grad():
        net[0].bias[dead] = -1e3
    return net


def test_units_with_huge_negative_bias_are_dead(data):
    result = analyze_weights(_net([1, 5, 7]), data)
    dead = result.dead_units.set_index("activation")
    assert dead.loc["1", "layer"] == "0"
    assert dead.loc["1", "n_units"] == 10
    assert dead.loc["1", "n_dead"] == 3
    assert dead.loc["1", "dead_units"] == [1, 5, 7]
    assert dead.loc["1", "dead_fraction"] == pytest.approx(0.3)
    # manual check with numpy: first-layer pre-activations never positive
    w = _net([1, 5, 7])[0]
    pre = data.to_numpy() @ w.weight.detach().double().numpy().T + w.bias.detach().numpy()
    np.testing.assert_array_equal(
        np.flatnonzero(~(pre > 0).any(axis=0)), np.asarray(dead.loc["1", "dead_units"])
    )
    (finding,) = [f for f in result.findings if f.code == "dead_units" and f.subject == "1"]
    assert finding.severity == ("warning" if 0.3 > DEAD_UNITS_WARNING else "info")
    assert finding.evidence["n_dead"] == 3
    assert finding.evidence["dead_units"] == [1, 5, 7]


def test_healthy_network_has_no_dead_unit_finding(data):
    result = analyze_weights(_net([]), data)
    assert result.dead_units.set_index("activation").loc["1", "n_dead"] == 0
    assert not [f for f in result.findings if f.code == "dead_units" and f.subject == "1"]


def test_reused_relu_module_is_tracked_per_call(data):
    class TwoCalls(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Linear(4, 3)
            self.b = torch.nn.Linear(3, 2)
            self.act = torch.nn.ReLU()

        def forward(self, x):
            return self.b(self.act(self.a(x))).sum(dim=1, keepdim=True)

    net = TwoCalls()
    result = analyze_weights(net, data)
    assert list(result.dead_units["activation"]) == ["act"]
    assert result.dead_units["n_units"].iloc[0] == 3


def test_no_relu_modules_is_said(data):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    result = analyze_weights(net, data)
    assert result.dead_units is None
    assert any("dead units were not counted" in n for n in result.notes)
