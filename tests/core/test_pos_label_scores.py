"""``pos_label`` decides the class every score is about, for any label encoding.

A logistic regression on German credit is fitted with three encodings of the same
target (0/1, ``"bad"/"good"``, -1/+1). For each encoding and each class as
``pos_label``, the audit's AUC, Brier score and ECE (overall and per group) are the
numbers scikit-learn (and, for ECE, a hand computation with the engine's binning)
gives for that class's probability ``proba[:, classes.index(pos)]``; selection rate,
base rate and TPR are those of ``y_pred == pos`` and ``y == pos``; the context's
targets hold that class; and :func:`audit.attributions.explain` explains the log-odds
(linear and boosted models) or probability (forests) of that class, additively.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, recall_score, roc_auc_score

from audit import audit_model
from audit.attributions import explain
from audit.context import build_context
from audit.errors import DataValidationError

SENSITIVE = ["sex", "age_group"]
NUMERIC = ["duration_months", "credit_amount", "installment_rate", "age", "existing_credits"]
CATEGORICAL = ["checking_status", "credit_history", "savings", "purpose"]
ENCODINGS = {
    "ints_0_1": lambda y01: y01,
    "strings": lambda y01: np.where(y01 == 1, "good", "bad"),
    "ints_minus1_plus1": lambda y01: np.where(y01 == 1, 1, -1),
}
TOL = 1e-9
ECE_BINS = 10  # audit/fairness/_metrics.py: "10 equal-width bins"


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """One BLAS/OpenMP thread: on a busy 2-core machine, OpenMP's spinning threads make
    HistGradientBoosting fits 20x slower; the numbers do not depend on the thread count."""
    import sklearn.ensemble  # noqa: F401  (loads scikit-learn's OpenMP runtime, so it is limited)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def german():
    from audit.datasets import load_german_credit

    df = load_german_credit()
    return df[NUMERIC + CATEGORICAL + SENSITIVE], df["credit_risk"].to_numpy()


def _pipeline():
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    return Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=1000))])


@pytest.fixture(scope="module")
def fitted(german):
    """``fitted(encoding)``: (model, X, y) with y in that encoding, fitted once."""
    X, y01 = german
    cache: dict[str, tuple] = {}

    def get(encoding: str):
        if encoding not in cache:
            y = ENCODINGS[encoding](y01)
            cache[encoding] = (_pipeline().fit(X, y), X, y)
        return cache[encoding]

    return get


def _cases():
    for encoding in ENCODINGS:
        for which in ("first", "last"):
            yield pytest.param(encoding, which, id=f"{encoding}-{which}-class")


def _pos(model, which):
    classes = model.classes_.tolist()  # plain Python values: 0, "bad", -1, ...
    return classes[0] if which == "first" else classes[1]


def _ece(y01: np.ndarray, score: np.ndarray) -> float:
    """Expected calibration error over 10 equal-width bins of [0, 1] (1.0 in the last bin)."""
    bins = np.minimum(np.floor(score * ECE_BINS).astype(int), ECE_BINS - 1)
    total = 0.0
    for b in range(ECE_BINS):
        in_bin = bins == b
        if in_bin.any():
            total += abs(y01[in_bin].sum() - score[in_bin].sum())
    return total / len(score)


def _reference(y: np.ndarray, pred: np.ndarray, score: np.ndarray, pos) -> dict[str, float]:
    y01 = (y == pos).astype(int)
    return {
        "auc": roc_auc_score(y01, score),
        "brier": brier_score_loss(y01, score),
        "ece": _ece(y01, score),
        "selection_rate": float(np.mean(pred == pos)),
        "base_rate": float(np.mean(y == pos)),
        "tpr": recall_score(y, pred, pos_label=pos),
    }


@pytest.mark.parametrize(("encoding", "which"), list(_cases()))
def test_scores_are_those_of_the_positive_class(fitted, encoding, which):
    model, X, y = fitted(encoding)
    pos = _pos(model, which)
    classes = model.classes_.tolist()
    proba = model.predict_proba(X)[:, classes.index(pos)]
    pred = model.predict(X)

    report = audit_model(
        model, X, y, sensitive_features=SENSITIVE, pos_label=pos, analyzers=["fairness"]
    )
    assert report.model["pos_label"] == pos
    gm = report.fairness
    assert gm.classes[1] == 1  # the engine sees the 0/1 targets of pos
    assert {"auc", "brier", "ece", "selection_rate", "base_rate", "tpr"} <= set(gm.by_group)

    overall = _reference(y, pred, proba, pos)
    for metric, expected in overall.items():
        assert gm.overall[metric] == pytest.approx(expected, abs=TOL), (metric, pos)

    keys = X[SENSITIVE].apply(tuple, axis=1)
    n_groups = 0
    for key in gm.by_group.index:
        rows = (keys == key).to_numpy()
        if rows.sum() == 0 or len(np.unique(y[rows])) < 2:
            continue
        n_groups += 1
        expected = _reference(y[rows], pred[rows], proba[rows], pos)
        for metric, value in expected.items():
            got = gm.by_group.loc[key, metric]
            assert got == pytest.approx(value, abs=TOL), (metric, key, pos)
        assert gm.by_group.loc[key, "count"] == rows.sum()
    assert n_groups == 4


@pytest.mark.parametrize(("encoding", "which"), list(_cases()))
def test_the_context_targets_are_about_pos_label(fitted, encoding, which):
    model, X, y = fitted(encoding)
    pos = _pos(model, which)
    classes = model.classes_.tolist()
    targets = build_context(model, X, y, sensitive_features=SENSITIVE, pos_label=pos).targets
    assert targets.pos_label == pos
    np.testing.assert_array_equal(targets.y_true01, (y == pos).astype(int))
    np.testing.assert_array_equal(targets.y_pred01, (model.predict(X) == pos).astype(int))
    np.testing.assert_array_equal(targets.score, model.predict_proba(X)[:, classes.index(pos)])


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_the_two_classes_mirror_each_other(fitted, encoding):
    """The same audit seen from the other class: rates complement, AUC and Brier stay."""
    model, X, y = fitted(encoding)
    first, last = model.classes_.tolist()
    a, b = (
        audit_model(model, X, y, sensitive_features=SENSITIVE, pos_label=p, analyzers=["fairness"])
        for p in (first, last)
    )
    default = audit_model(model, X, y, sensitive_features=SENSITIVE, analyzers=["fairness"])
    assert default.model["pos_label"] == last
    pd.testing.assert_frame_equal(default.fairness.by_group, b.fairness.by_group)
    ga, gb = a.fairness.by_group, b.fairness.by_group
    for metric, mirror in (
        ("selection_rate", "selection_rate"),
        ("base_rate", "base_rate"),
        ("tpr", "tnr"),
        ("fpr", "fnr"),
        ("precision", "npv"),
    ):
        np.testing.assert_allclose(
            ga[metric], 1 - gb[mirror] if metric == mirror else gb[mirror], atol=TOL, err_msg=metric
        )
    np.testing.assert_allclose(ga["auc"], gb["auc"], atol=TOL)
    np.testing.assert_allclose(ga["brier"], gb["brier"], atol=TOL)
    np.testing.assert_allclose(ga["accuracy"], gb["accuracy"], atol=TOL)


@pytest.mark.parametrize(("encoding", "which"), list(_cases()))
def test_explain_explains_the_log_odds_of_pos_label(fitted, encoding, which):
    model, X, _ = fitted(encoding)
    pos = _pos(model, which)
    classes = model.classes_.tolist()
    result = explain(model, X, pos_label=pos)
    assert result.explainer == "linear"
    assert result.output_space == "log-odds"
    assert result.output_names == (str(pos),)
    assert result.additivity_ok
    rows = result.row_positions
    p = model.predict_proba(X.iloc[rows])[:, classes.index(pos)]
    log_odds = np.log(p) - np.log1p(-p)
    out = result.model_output[:, 0]
    np.testing.assert_allclose(out, log_odds, rtol=0, atol=1e-8)
    # additivity: base value + the attributions of every column = the log-odds of pos
    total = result.base_values[:, 0] + result.values[:, :, 0].sum(axis=1)
    np.testing.assert_allclose(total, log_odds, rtol=0, atol=1e-8)
    # the decision function is the log-odds of the model's second class
    sign = 1.0 if pos == classes[1] else -1.0
    np.testing.assert_allclose(out, sign * model.decision_function(X.iloc[rows]), atol=1e-8)


@pytest.mark.parametrize("which", ["first", "last"])
def test_explain_tree_models_in_their_output_space(german, which):
    """Boosted trees explain the log-odds, forests the probability, of pos_label."""
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

    X, y01 = german
    X, y = X[NUMERIC], np.where(y01 == 1, "good", "bad")
    models = {
        "log-odds": HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X, y),
        "probability": RandomForestClassifier(20, max_depth=5, random_state=0).fit(X, y),
    }
    for space, model in models.items():
        pos = _pos(model, which)
        result = explain(model, X, pos_label=pos, max_rows=300, random_state=0)
        assert result.explainer == "tree" and result.output_space == space
        assert result.output_names == (pos,)
        p = model.predict_proba(X.iloc[result.row_positions])[:, model.classes_.tolist().index(pos)]
        expected = np.log(p) - np.log1p(-p) if space == "log-odds" else p
        total = result.base_values[:, 0] + result.values[:, :, 0].sum(axis=1)
        np.testing.assert_allclose(result.model_output[:, 0], expected, atol=1e-8)
        np.testing.assert_allclose(total, expected, atol=1e-6)


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_a_label_that_is_not_a_class_is_refused(fitted, encoding):
    model, X, y = fitted(encoding)
    wrong = {"ints_0_1": 2, "strings": "Good", "ints_minus1_plus1": 0}[encoding]
    with pytest.raises(DataValidationError, match="is not one of the model's classes"):
        audit_model(
            model, X, y, sensitive_features=SENSITIVE, pos_label=wrong, analyzers=["fairness"]
        )
    with pytest.raises(DataValidationError, match="is not one of the model's classes"):
        explain(model, X, pos_label=wrong)
