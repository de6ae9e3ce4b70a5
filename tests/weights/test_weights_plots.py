"""Plot functions return matplotlib Figures without touching pyplot's global state."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from audit.errors import DataValidationError
from audit.weights import (
    WeightTracker,
    analyze_weights,
    plot_layer_distributions,
    plot_weight_evolution,
    plot_weights,
)


def test_weight_bars_for_linear_and_tree(balanced, onehot_pipeline):
    import matplotlib.pyplot as plt

    open_before = plt.get_fignums()
    linear = onehot_pipeline(LogisticRegression()).fit(balanced.X, balanced.y)
    tree = onehot_pipeline(DecisionTreeClassifier(max_depth=3)).fit(balanced.X, balanced.y)
    for model in (linear, tree):
        fig = plot_weights(analyze_weights(model, balanced.X, sensitive_features="group"), top=5)
        assert isinstance(fig, Figure)
        (ax,) = fig.axes
        assert len(ax.patches) == 5
    assert plt.get_fignums() == open_before


def test_layer_and_evolution_plots(balanced):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    X = balanced.X.drop(columns="group")
    net = torch.nn.Sequential(torch.nn.Linear(6, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    result = analyze_weights(net, X)
    fig = plot_layer_distributions(result)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    tracker = WeightTracker()
    for epoch in range(3):
        tracker.record(net, epoch=epoch)
    assert isinstance(plot_weight_evolution(tracker.result()), Figure)
    linear = analyze_weights(LogisticRegression().fit(X, balanced.y), X)
    with pytest.raises(DataValidationError, match="torch"):
        plot_layer_distributions(linear)
