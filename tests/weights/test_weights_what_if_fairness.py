"""What-if group gaps (selection rate, TPR) equal fairlearn's on the same predictions."""

from __future__ import annotations

import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    true_positive_rate,
)
from sklearn.linear_model import LogisticRegression

from audit.weights import ZeroFeature, what_if


def test_group_gaps_match_fairlearn(balanced, onehot_pipeline):
    X, y = balanced.X, balanced.y
    model = onehot_pipeline(LogisticRegression()).fit(X, y)
    result = what_if(model, X, y, edits=[ZeroFeature("group")], sensitive_features="group")
    table = result.table.set_index(["metric", "attribute"])
    for column, preds in (
        ("original", model.predict(X)),
        ("modified", result.modified_predictions),
    ):
        sf = X["group"]
        assert table.loc[("selection_rate_difference", "group"), column] == pytest.approx(
            demographic_parity_difference(y, preds, sensitive_features=sf)
        )
        assert table.loc[("selection_rate_ratio", "group"), column] == pytest.approx(
            demographic_parity_ratio(y, preds, sensitive_features=sf)
        )
        frame = MetricFrame(
            metrics=true_positive_rate, y_true=y, y_pred=preds, sensitive_features=sf
        )
        assert table.loc[("tpr_difference", "group"), column] == pytest.approx(frame.difference())
        assert table.loc[("tpr_ratio", "group"), column] == pytest.approx(frame.ratio())
    # removing the direct use of group narrows the selection-rate gap
    gap = table.loc[("selection_rate_difference", "group")]
    assert gap["modified"] < gap["original"]
