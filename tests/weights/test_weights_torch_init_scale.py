"""Layers far from their Xavier/He reference scale are flagged; default init is not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from audit.weights import EXPLODING_RATIO, VANISHING_RATIO, analyze_weights  # noqa: E402


def _net(scale_first: float = 1.0):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
    with torch.no_grad():
        net[0].weight.mul_(scale_first)
    return net


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.normal(size=(100, 20)), columns=[f"f{i}" for i in range(20)])


def test_default_initialization_is_not_flagged(X):
    result = analyze_weights(_net(), X)
    layers = result.layers.set_index("parameter")
    assert set(layers.loc[["0.weight", "2.weight"], "scale_flag"]) == {"ok"}
    assert not [f for f in result.findings if f.code.endswith("_weights")]


def test_reference_is_he_before_relu_and_xavier_otherwise(X):
    layers = analyze_weights(_net(), X).layers.set_index("parameter")
    first, last = layers.loc["0.weight"], layers.loc["2.weight"]
    assert first["reference"] == "he"
    assert first["reference_std"] == pytest.approx(np.sqrt(2 / 20))
    assert last["reference"] == "xavier"
    assert last["reference_std"] == pytest.approx(np.sqrt(2 / (64 + 1)))
    assert first["scale_ratio"] == pytest.approx(first["std"] / np.sqrt(2 / 20))
    assert layers.loc["0.bias", "scale_flag"] == ""


def test_weights_times_100_explode(X):
    result = analyze_weights(_net(100.0), X)
    row = result.layers.set_index("parameter").loc["0.weight"]
    assert row["scale_flag"] == "exploding"
    assert row["scale_ratio"] > EXPLODING_RATIO
    (finding,) = [f for f in result.findings if f.code == "exploding_weights"]
    assert finding.severity == "warning"
    assert finding.subject == "0.weight"
    assert finding.evidence["ratio"] == pytest.approx(row["scale_ratio"])
    assert finding.evidence["reference"] == "he"
    assert finding.evidence["threshold_ratio"] == EXPLODING_RATIO
    assert (finding.evidence["fan_in"], finding.evidence["fan_out"]) == (20, 64)


def test_weights_times_1e_minus_4_vanish(X):
    result = analyze_weights(_net(1e-4), X)
    row = result.layers.set_index("parameter").loc["0.weight"]
    assert row["scale_flag"] == "vanishing"
    assert row["scale_ratio"] < VANISHING_RATIO
    codes = [f.code for f in result.findings]
    assert codes.count("vanishing_weights") == 1
    assert "exploding_weights" not in codes
