"""Drop-column importance: refit on a train split without each column (opt-in, sklearn only)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from audit.errors import UnsupportedModelError
from audit.importance import drop_column_importance
from audit.importance._drop_column import _NO_REFIT


def test_plain_estimator_matches_a_manual_refit(biased):
    X = biased.X.drop(columns=["group"])
    y = biased.y.to_numpy()
    model = LogisticRegression().fit(X, y)
    result = drop_column_importance(model, X, y, columns=["x0", "noise"], random_state=2)
    train, test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=2, stratify=y)
    full = clone(model).fit(train, y_train).score(test, y_test)
    without = clone(model).fit(train.drop(columns=["x0"]), y_train)
    score = without.score(test.drop(columns=["x0"]), y_test)
    assert result.method == "dropped"
    assert result.baseline_score == full
    assert result.table.loc["x0", "score_without"] == score
    assert result.table.loc["x0", "pct_lost"] == pytest.approx(100 * (full - score) / full)
    assert result.table.loc["x0", "importance"] > result.table.loc["noise", "importance"]
    assert (result.n_train, result.n_test) == (1400, 600)


def test_pipeline_columns_are_replaced_by_a_constant(adult_pipeline):
    model, X, y = adult_pipeline
    result = drop_column_importance(model, X, y, max_features=2)
    assert result.method == "constant"
    assert list(result.table.index) == list(X.columns[:2])
    assert np.isfinite(result.table["importance"]).all()


def test_torch_is_refused():
    with pytest.raises(UnsupportedModelError) as info:
        drop_column_importance(torch.nn.Linear(2, 1), np.zeros((4, 2)), [0, 1, 0, 1])
    assert str(info.value) == _NO_REFIT.format(kind="torch")
