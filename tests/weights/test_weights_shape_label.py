"""The distribution-shape rule labels known distributions as documented."""

from __future__ import annotations

import numpy as np
import pytest

from audit.weights import SHAPE_MIN_COUNT, distribution_stats, shape_label


@pytest.mark.parametrize(
    ("draw", "label"),
    [
        (lambda r: r.normal(0, 0.1, 4000), "gaussian"),
        (lambda r: r.uniform(-0.3, 0.3, 4000), "uniform"),
        (lambda r: r.exponential(1.0, 4000), "skewed"),
        (lambda r: r.standard_t(3, 4000), "heavy-tailed"),
        (lambda r: r.choice([-1.0, 1.0], 4000) + r.normal(0, 0.05, 4000), "bimodal"),
    ],
    ids=["gaussian", "uniform", "skewed", "heavy-tailed", "bimodal"],
)
def test_known_distributions(draw, label):
    values = draw(np.random.default_rng(0))
    assert distribution_stats(values)["shape_label"] == label


def test_degenerate_cases():
    assert distribution_stats(np.zeros(100))["shape_label"] == "constant"
    assert distribution_stats(np.arange(SHAPE_MIN_COUNT - 1.0))["shape_label"] == "too-few"


def test_rule_thresholds_are_the_documented_ones():
    common = {"count": 1000, "std": 1.0, "value_range": 6.0}
    assert shape_label(skewness=1.01, kurtosis=0.0, **common) == "skewed"
    assert shape_label(skewness=0.99, kurtosis=3.01, **common) == "heavy-tailed"
    assert shape_label(skewness=0.0, kurtosis=2.99, **common) == "gaussian"
    bounded = {"count": 1000, "std": 1.0, "value_range": 3.5}
    assert shape_label(skewness=0.0, kurtosis=-1.2, **bounded) == "uniform"
    assert shape_label(skewness=0.0, kurtosis=-1.2, **common) == "gaussian"  # not bounded
    assert shape_label(skewness=0.0, kurtosis=-1.8, **bounded) == "bimodal"


def test_default_torch_linear_init_is_uniform():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    weight = torch.nn.Linear(64, 32).weight.detach().numpy()
    assert distribution_stats(weight)["shape_label"] == "uniform"
