"""Plot functions return matplotlib Figures with one bar per feature (and group)."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure
from sklearn.linear_model import LogisticRegression

from audit.attributions import explain, plot_importance, plot_importance_by_group
from audit.errors import DataValidationError


def test_bar_plots(biased):
    X = biased.X.drop(columns=["group"])
    result = explain(LogisticRegression().fit(X, biased.y), X, sensitive_features=biased.X["group"])
    fig = plot_importance(result, top=4)
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].patches) == 4
    fig = plot_importance_by_group(result, top=3)
    assert len(fig.axes[0].patches) == 6  # 3 features x 2 groups
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["A", "B"]
    with pytest.raises(DataValidationError):
        plot_importance_by_group(result, attribute="sex")
