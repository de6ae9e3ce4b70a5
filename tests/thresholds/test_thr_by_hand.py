"""Per-group thresholds on a case solved by hand, and rules that reproduce their own rates.

Two groups of four rows (equal shares), small enough to draw every operating
point: the accuracy-maximising common selection rate, TPR and (FPR, TPR), the
thresholds (midpoints between distinct scores), the randomization between two
of them and the equalized-odds coin are worked out in the comments. On random
weighted data, applying each group's reported rule to its rows (as an exact
expectation) gives back the rates and the accuracy the result reports, and
integer weights equal repeated rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit.thresholds import BASELINE, threshold_tradeoffs

# group a: scores 0.9 0.8 0.3 0.2 with labels 1 1 0 0 (perfectly ranked)
# group b: scores 0.7 0.6 0.4 0.1 with labels 1 0 1 0
SCORES = [0.9, 0.8, 0.3, 0.2, 0.7, 0.6, 0.4, 0.1]
LABELS = [1, 1, 0, 0, 1, 0, 1, 0]
GROUPS = ["a"] * 4 + ["b"] * 4


@pytest.fixture(scope="module")
def hand():  # type: ignore[no-untyped-def]
    return threshold_tradeoffs(LABELS, SCORES, sensitive_features=GROUPS, min_count=0)


def test_baseline_is_the_single_threshold(hand) -> None:  # type: ignore[no-untyped-def]
    # score > 0.5: a is right on all four rows, b on two (0.7 yes, 0.1 no)
    assert hand.summary.loc[BASELINE, "accuracy"] == pytest.approx(0.75)
    base = hand.thresholds(BASELINE).set_index("group")
    assert base.loc["a", "accuracy"] == 1.0 and base.loc["b", "accuracy"] == 0.5


def test_demographic_parity_by_hand(hand) -> None:  # type: ignore[no-untyped-def]
    # accuracy of a against its selection rate: 0.5, 0.75, 1.0, 0.75, 0.5 (peak at 0.5);
    # b's hull is flat at 0.75 between selection rates 0.25 and 0.75, so the best common
    # rate is 0.5: a selects its top two (threshold between 0.8 and 0.3, i.e. 0.55), b mixes
    # "score > 0.65" (one row) and "score > 0.25" (three rows) half and half.
    dp = hand.thresholds("demographic_parity").set_index("group")
    assert hand.summary.loc["demographic_parity", "selection_rate_target"] == pytest.approx(0.5)
    assert dp.loc["a", "threshold"] == pytest.approx(0.55)
    assert np.isnan(dp.loc["a", "threshold_2"]) and dp.loc["a", "p_threshold_2"] == 0
    assert dp.loc["b", "threshold"] == pytest.approx(0.65)
    assert dp.loc["b", "threshold_2"] == pytest.approx(0.25)
    assert dp.loc["b", "p_threshold_2"] == pytest.approx(0.5)
    assert dp.loc["b", "rule"] == "score > 0.65 (50%) or score > 0.25 (50%)"
    np.testing.assert_allclose(dp["selection_rate"], [0.5, 0.5])
    np.testing.assert_allclose(dp["accuracy"], [1.0, 0.75])
    assert hand.summary.loc["demographic_parity", "accuracy"] == pytest.approx(0.875)
    assert hand.summary.loc["demographic_parity", "accuracy_change"] == pytest.approx(0.125)


def test_tpr_parity_by_hand(hand) -> None:  # type: ignore[no-untyped-def]
    # a reaches TPR 1 at accuracy 1 (threshold 0.55); b's best accuracy at TPR 1 is 0.75
    # (select three rows: threshold 0.25), better than anything at a lower common TPR
    tp = hand.thresholds("true_positive_rate_parity").set_index("group")
    assert hand.summary.loc["true_positive_rate_parity", "tpr_target"] == pytest.approx(1.0)
    np.testing.assert_allclose(tp["threshold"], [0.55, 0.25])
    np.testing.assert_allclose(tp["tpr"], [1.0, 1.0])
    np.testing.assert_allclose(tp["fpr"], [0.0, 0.5])
    assert hand.summary.loc["true_positive_rate_parity", "accuracy"] == pytest.approx(0.875)


def test_equalized_odds_by_hand(hand) -> None:  # type: ignore[no-untyped-def]
    # ROC hulls: a is (0, 1) -> (1, 1); b is (0, .5) -> (.5, 1) -> (1, 1); the lower envelope
    # is b's. Accuracy (4 (1 - FPR) + 4 TPR) / 8 is 0.75 all along b's first segment, and the
    # first best point is FPR 0, TPR 0.5. b sits on it ("score > 0.65"); a's hull gives TPR 1
    # there, so a uses its rule half the time and a coin selecting 0 % the other half.
    eo = hand.thresholds("equalized_odds").set_index("group")
    row = hand.summary.loc["equalized_odds"]
    assert row["fpr_target"] == pytest.approx(0.0) and row["tpr_target"] == pytest.approx(0.5)
    assert eo.loc["a", "threshold"] == pytest.approx(0.55)
    assert eo.loc["a", "p_coin"] == pytest.approx(0.5) and eo.loc["a", "coin_rate"] == 0.0
    assert eo.loc["b", "threshold"] == pytest.approx(0.65) and eo.loc["b", "p_coin"] == 0.0
    np.testing.assert_allclose(eo["tpr"], [0.5, 0.5])
    np.testing.assert_allclose(eo["fpr"], [0.0, 0.0])
    assert row["accuracy"] == pytest.approx(0.75) and row["accuracy_change"] == pytest.approx(0)
    assert "coin selecting 0%" in eo.loc["a", "rule"]


def _expected_selection(score: np.ndarray, row: pd.Series) -> np.ndarray:
    """Each row's probability of selection under a group's reported (randomized) rule."""
    p2 = row["p_threshold_2"]
    p = (1 - p2) * (score > row["threshold"])
    if p2 > 0:
        p = p + p2 * (score > row["threshold_2"])
    return (1 - row["p_coin"]) * p + row["p_coin"] * np.nan_to_num(row["coin_rate"])


def test_reported_rules_reproduce_the_reported_rates() -> None:
    rng = np.random.default_rng(11)
    n = 2500
    groups = rng.choice(["x", "y", "z"], size=n, p=[0.45, 0.35, 0.2])
    score = rng.beta(np.where(groups == "x", 3, 2), 2)
    y = (rng.uniform(size=n) < score * np.where(groups == "z", 0.7, 1.0)).astype(int)
    w = rng.uniform(0.2, 3.0, size=n)
    result = threshold_tradeoffs(y, score, sensitive_features=groups, sample_weight=w)
    for constraint in result.constraints:
        table = result.thresholds(constraint).set_index("group")
        total_correct = 0.0
        for g, row in table.iterrows():
            m = groups == g
            p = _expected_selection(score[m], row)
            yy, ww = y[m], w[m]
            np.testing.assert_allclose(row["selection_rate"], np.average(p, weights=ww), atol=1e-12)
            np.testing.assert_allclose(
                row["tpr"], np.average(p[yy == 1], weights=ww[yy == 1]), atol=1e-12
            )
            np.testing.assert_allclose(
                row["fpr"], np.average(p[yy == 0], weights=ww[yy == 0]), atol=1e-12
            )
            correct = np.where(yy == 1, p, 1 - p)
            np.testing.assert_allclose(row["accuracy"], np.average(correct, weights=ww), atol=1e-12)
            total_correct += float(np.sum(ww * correct))
        np.testing.assert_allclose(
            result.summary.loc[constraint, "accuracy"], total_correct / w.sum(), atol=1e-12
        )


def test_integer_weights_equal_repeated_rows() -> None:
    rng = np.random.default_rng(2)
    n = 600
    groups = rng.choice(["p", "q"], size=n)
    score = rng.uniform(size=n).round(3)
    y = (rng.uniform(size=n) < score).astype(int)
    w = rng.integers(1, 4, size=n)
    weighted = threshold_tradeoffs(y, score, sensitive_features=groups, sample_weight=w)
    rep = np.repeat(np.arange(n), w)
    repeated = threshold_tradeoffs(y[rep], score[rep], sensitive_features=groups[rep])
    cols = [
        "accuracy",
        "selection_rate_difference",
        "tpr_target",
        "fpr_target",
        "selection_rate_target",
    ]
    pd.testing.assert_frame_equal(weighted.summary[cols], repeated.summary[cols], atol=1e-12)
    numeric = [
        "threshold",
        "threshold_2",
        "p_threshold_2",
        "p_coin",
        "selection_rate",
        "tpr",
        "fpr",
    ]
    pd.testing.assert_frame_equal(weighted.groups[numeric], repeated.groups[numeric], atol=1e-12)
