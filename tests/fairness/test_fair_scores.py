"""AUC, Brier score and ECE per group equal scikit-learn's / a direct computation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm

from audit.fairness import SCORE_BINS, group_counts, group_metrics

TOL = {"rtol": 1e-12, "atol": 1e-12}


def ece_reference(y: np.ndarray, s: np.ndarray, w: np.ndarray) -> float:
    """ECE over 10 equal-width bins, each the union of 10 of the 100 score bins."""
    fine = np.minimum((s * SCORE_BINS).astype(int), SCORE_BINS - 1)
    coarse = fine // (SCORE_BINS // 10)
    total = 0.0
    for b in range(10):
        m = coarse == b
        if m.any():
            total += abs(np.sum(w[m] * y[m]) - np.sum(w[m] * s[m]))
    return total / w.sum()


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("rounded", [False, True], ids=["continuous", "tied"])
def test_auc_brier_ece_per_group(
    weighted: bool, rounded: bool, binary_data: Callable[..., dict]
) -> None:
    data = binary_data(3000, (2, 5), seed=5, weighted=weighted, scores=True)
    y, frame = data["y_true"], data["frame"]
    s = data["scores"] if rounded else np.random.default_rng(1).beta(2, 2, len(y))
    w = data["weights"]
    gm = group_metrics(y, data["y_pred"], sensitive_features=frame, y_score=s, sample_weight=w)
    ww = np.ones(len(y)) if w is None else w
    keys = frame["s0"] + "|" + frame["s1"]
    for label, row in zip(gm.by_group.index, gm.by_group.itertuples(), strict=True):
        m = (keys == "|".join(label)).to_numpy()
        np.testing.assert_allclose(
            row.auc, skm.roc_auc_score(y[m], s[m], sample_weight=ww[m]), **TOL
        )
        np.testing.assert_allclose(
            row.brier, skm.brier_score_loss(y[m], s[m], sample_weight=ww[m]), **TOL
        )
        np.testing.assert_allclose(row.ece, ece_reference(y[m], s[m], ww[m]), **TOL)
    np.testing.assert_allclose(gm.overall["auc"], skm.roc_auc_score(y, s, sample_weight=ww), **TOL)
    np.testing.assert_allclose(
        gm.overall["brier"], skm.brier_score_loss(y, s, sample_weight=ww), **TOL
    )
    np.testing.assert_allclose(gm.overall["ece"], ece_reference(y, s, ww), **TOL)


def test_auc_is_nan_for_a_group_with_one_class_like_sklearn() -> None:
    y = np.array([0, 0, 0, 1, 0, 1, 1, 0])
    s = np.array([0.1, 0.4, 0.3, 0.9, 0.2, 0.8, 0.6, 0.5])
    groups = np.array(["a", "a", "a", "b", "b", "b", "b", "b"])
    gm = group_metrics(y, (s > 0.5).astype(int), sensitive_features=groups, y_score=s)
    with pytest.warns(skm._ranking.UndefinedMetricWarning):
        expected_a = skm.roc_auc_score(y[:3], s[:3])
    assert np.isnan(expected_a) and np.isnan(gm.by_group.loc["a", "auc"])
    assert gm.verdicts.loc["a", "auc"] == "insufficient evidence"
    assert gm.by_group.loc["b", "auc"] == pytest.approx(skm.roc_auc_score(y[3:], s[3:]))


def test_probability_matrix_uses_the_positive_column() -> None:
    y = np.array([0, 1, 0, 1, 1, 0])
    p1 = np.array([0.2, 0.7, 0.4, 0.9, 0.6, 0.1])
    groups = ["a", "a", "a", "b", "b", "b"]
    one = group_metrics(y, (p1 > 0.5).astype(int), sensitive_features=groups, y_score=p1)
    two = group_metrics(
        y,
        (p1 > 0.5).astype(int),
        sensitive_features=groups,
        y_score=np.column_stack([1 - p1, p1]),
    )
    pd.testing.assert_frame_equal(one.by_group, two.by_group)


def test_score_cells_reproduce_brier_from_the_table_alone() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    s = rng.random(500)
    groups = rng.choice(["x", "y"], 500)
    counts = group_counts(y, (s > 0.5).astype(int), sensitive_features=groups, y_score=s)
    cells = counts.score_cells
    assert len(cells) == 2 * 2 * SCORE_BINS
    assert cells["n"].sum() == 500
    sse = cells["sum_ws2"] - 2 * cells["label"] * cells["sum_ws"] + cells["label"] * cells["w"]
    per_group = sse.groupby(cells["group"]).sum() / cells.groupby("group")["w"].sum()
    for g, label in enumerate(counts.groups):
        m = groups == label
        assert per_group[g] == pytest.approx(skm.brier_score_loss(y[m], s[m]), rel=1e-12)
