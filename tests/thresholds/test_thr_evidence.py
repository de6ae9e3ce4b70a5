"""Groups without enough evidence keep the model's predictions and are named; with fewer than
two groups with evidence a constraint has no solution (NaN), never a fake parity."""

from __future__ import annotations

import numpy as np
import pytest

from audit.thresholds import BASELINE, threshold_tradeoffs


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(5)
    groups = np.array(["big"] * 1500 + ["mid"] * 800 + ["tiny"] * 20)
    score = rng.beta(2, 2, size=groups.size)
    y = (rng.uniform(size=groups.size) < score).astype(int)
    # "mid" has 800 rows but only a few positives: enough for parity of selection rates,
    # not of TPRs
    y[1500:2300] = 0
    y[1500:1510] = 1
    return y, score, groups


def test_small_groups_are_left_out_and_named(data) -> None:  # type: ignore[no-untyped-def]
    y, score, groups = data
    result = threshold_tradeoffs(y, score, sensitive_features=groups)
    assert result.insufficient["demographic_parity"] == ("tiny",)
    assert result.insufficient["true_positive_rate_parity"] == ("mid", "tiny")
    dp = result.thresholds("demographic_parity").set_index("group")
    assert dp["included"].tolist() == [True, True, False]
    assert dp.loc["tiny", "rule"] == "the model's own predictions"
    base = result.thresholds(BASELINE).set_index("group")
    for metric in ("selection_rate", "tpr", "fpr", "accuracy"):
        assert dp.loc["tiny", metric] == base.loc["tiny", metric]
    assert dp.loc["big", "selection_rate"] == pytest.approx(dp.loc["mid", "selection_rate"])
    assert result.summary.loc["demographic_parity", "n_groups"] == 2


def test_fewer_than_two_groups_give_no_solution(data) -> None:  # type: ignore[no-untyped-def]
    y, score, groups = data
    result = threshold_tradeoffs(y, score, sensitive_features=groups)
    row = result.summary.loc["true_positive_rate_parity"]
    assert row["n_groups"] == 1
    assert np.isnan(row["accuracy"]) and np.isnan(row["tpr_difference"])
    assert not result.thresholds("true_positive_rate_parity")["included"].any()
    assert "true_positive_rate_parity" not in set(result.curves["strategy"])
    record = result.to_dict()
    assert record["summary"]["true_positive_rate_parity"]["accuracy"] is None
    assert record["insufficient"]["true_positive_rate_parity"] == ["mid", "tiny"]


def test_min_count_zero_includes_every_group(data) -> None:  # type: ignore[no-untyped-def]
    y, score, groups = data
    result = threshold_tradeoffs(y, score, sensitive_features=groups, min_count=0)
    assert all(v == () for v in result.insufficient.values())
    tp = result.thresholds("true_positive_rate_parity")
    assert np.ptp(tp["tpr"].to_numpy(dtype=float)) < 1e-9
