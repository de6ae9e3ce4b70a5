"""Permutation importance with a cap: the columns left out are named, the top ranking is kept.

With more input columns than ``max_features``, only those ranked highest by a
cheap first pass get the full repeats. Each column's shuffles depend only on
the seed (sklearn's scheme), so the columns kept get exactly the numbers of
the uncapped run, and the planted top features keep their ranking.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.inspection import permutation_importance as sk_permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, make_scorer

import audit
from audit.errors import AuditError
from audit.importance import feature_importance, permutation_importance

PLANTED = {"f3": 3.0, "f7": -2.0, "f11": 1.2}


def _planted(n: int = 600, p: int = 30, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.standard_normal((n, p)), columns=[f"f{i}" for i in range(p)])
    logit = sum(w * X[c] for c, w in PLANTED.items())
    y = (logit + 0.3 * rng.standard_normal(n) > 0).astype(int).to_numpy()
    return X, y


def _top(table: pd.DataFrame, k: int) -> list[str]:
    return list(table["mean"].sort_values(ascending=False, kind="stable").index[:k])


def test_capped_importance_names_what_it_left_out_and_keeps_the_top_ranking():
    X, y = _planted()
    model = LogisticRegression(max_iter=1000).fit(X, y)
    full = permutation_importance(model, X, y, max_features=None, random_state=2)
    capped = permutation_importance(model, X, y, max_features=5, random_state=2)
    assert not full.capped and full.note == ""
    assert capped.capped and capped.max_features == 5
    assert capped.screening == "|standardized coefficient|"
    kept = [c for c in X.columns if c not in capped.screened_out]
    assert len(kept) == 5 and len(capped.screened_out) == 25
    assert set(PLANTED) <= set(kept)
    assert capped.table.loc[list(capped.screened_out), "mean"].isna().all()
    # the kept columns get the uncapped run's numbers exactly, so the ranking holds
    np.testing.assert_array_equal(
        capped.table.loc[kept].to_numpy(), full.table.loc[kept].to_numpy()
    )
    assert _top(capped.table, 3) == _top(full.table, 3) == ["f3", "f7", "f11"]
    note = capped.note
    assert "30 input columns" in note and "max_features=5" in note
    assert "the other 25 were not permuted" in note and capped.screened_out[0] in note
    record = capped.to_dict()
    assert record["screened_out"] == list(capped.screened_out)
    assert record["max_features"] == 5


def test_without_coefficients_a_one_shuffle_pass_ranks_the_columns():
    X, y = _planted(n=500, p=20, seed=1)
    model = RandomForestClassifier(n_estimators=30, random_state=0).fit(X, y)
    capped = permutation_importance(model, X, y, max_features=4, n_repeats=3)
    assert capped.screening.startswith("one shuffle of every column on ")
    assert set(PLANTED) <= {c for c in X.columns if c not in capped.screened_out}
    assert _top(capped.table, 1) == ["f3"]


def test_the_audit_notes_say_what_was_capped():
    X, y = _planted(n=300)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    report = audit.audit_model(
        model,
        X,
        y,
        analyzers=["importance"],
        analyzer_options={"importance": {"max_features": 6}},
    )
    result = report.outputs["importance"].result
    assert result.permutation.capped
    (note,) = [n for n in result.notes if n.startswith("permutation: ")]
    assert note == result.permutation.note
    assert result.table["permutation"].notna().sum() == 6
    assert report.to_dict()["analyzers"]["importance"]["result"]["notes"].count(note) == 1
    standalone = feature_importance(model, X, y, max_features=6)
    pd.testing.assert_frame_equal(standalone.table, result.table)


def test_uncapped_batched_scores_equal_sklearns_for_regression_and_custom_scorers():
    X, y = _planted(n=300, p=12)
    target = X["f3"] * 2 + X["f7"] + np.random.default_rng(0).standard_normal(len(X))
    forest = RandomForestRegressor(n_estimators=20, random_state=0).fit(X, target)
    ours = permutation_importance(forest, X, target, n_repeats=3, random_state=7)
    theirs = sk_permutation_importance(forest, X, target, n_repeats=3, random_state=7, scoring="r2")
    np.testing.assert_allclose(ours.importances, theirs.importances, rtol=1e-12, atol=1e-12)
    scorer = make_scorer(balanced_accuracy_score)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    ours = permutation_importance(model, X, y, scoring=scorer, n_repeats=2, random_state=3)
    theirs = sk_permutation_importance(model, X, y, scoring=scorer, n_repeats=2, random_state=3)
    np.testing.assert_allclose(ours.importances, theirs.importances, rtol=0, atol=0)


def test_max_features_is_checked():
    X, y = _planted(n=50, p=12)
    model = LogisticRegression().fit(X, y)
    with pytest.raises(AuditError, match="max_features"):
        permutation_importance(model, X, y, max_features=0)
