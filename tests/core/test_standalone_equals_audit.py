"""A number computed standalone equals the one inside ``audit_model``.

DESIGN.md, "The core": every quantity has one owner. The standalone functions
(``explain``, ``feature_importance``, ``analyze_weights``, ``detect_proxies``,
``group_metrics``, ``what_if``) validate their inputs into the same context as
``audit_model`` and ask the same engine function the analyzer asks, so for the
same data, seed and settings their results are the audit's, exactly (no
tolerance): a Pipeline(one-hot + scaler, LogisticRegression) on German credit
with two sensitive attributes that are not model inputs, and a
HistGradientBoostingClassifier on the biased synthetic data whose sensitive
attribute is given from outside X.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from audit import audit_model
from audit.attributions import explain
from audit.context import build_context
from audit.datasets import load_german_credit, make_biased_classification
from audit.fairness import group_metrics
from audit.importance import context_permutation, feature_importance
from audit.policy import Policy
from audit.proxies import detect_proxies
from audit.weights import ZeroFeature, analyze_weights, coefficient_importance, what_if

GERMAN_NUMERIC = ["duration_months", "credit_amount", "installment_rate", "age"]
GERMAN_CATEGORICAL = ["checking_status", "credit_history", "savings", "purpose", "housing"]
SEED = 3
POLICY = Policy(n_boot=50)
GAP_FACTS = ("selection_rate.difference", "selection_rate.ratio", "tpr.difference", "tpr.ratio")


def _german_pipeline(numeric: list[str], categorical: list[str]) -> Pipeline:
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
        ]
    )
    return Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=2000))])


def _german_logreg() -> SimpleNamespace:
    df = load_german_credit()
    X = df[[*GERMAN_NUMERIC, *GERMAN_CATEGORICAL, "sex", "age_group"]]
    y = df["credit_risk"]
    model = _german_pipeline(GERMAN_NUMERIC, GERMAN_CATEGORICAL).fit(X, y)
    return SimpleNamespace(model=model, X=X, y=y, sensitive=["sex", "age_group"])


def _biased_gbm() -> SimpleNamespace:
    data = make_biased_classification(2000, random_state=0)
    X = data.X.drop(columns=["group"])
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X, data.y)
    return SimpleNamespace(model=model, X=X, y=data.y, sensitive=data.X["group"])


CASES = {"german_logreg": _german_logreg, "biased_gbm": _biased_gbm}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request) -> SimpleNamespace:
    c = CASES[request.param]()
    c.name = request.param
    c.report = audit_model(
        c.model, c.X, c.y, sensitive_features=c.sensitive, random_state=SEED, policy=POLICY
    )
    for name, out in c.report.outputs.items():
        assert out.status == "ran", (name, out.reason)
    return c


def test_explain_equals_the_audit_attributions(case):
    alone = explain(case.model, case.X, sensitive_features=case.sensitive, random_state=SEED)
    inside = case.report.attributions
    pd.testing.assert_frame_equal(alone.importance, inside.importance)
    np.testing.assert_array_equal(alone.values, inside.values)
    np.testing.assert_array_equal(alone.row_positions, inside.row_positions)
    assert alone.explainer == inside.explainer


def test_feature_importance_equals_report_importance(case):
    alone = feature_importance(
        case.model, case.X, case.y, sensitive_features=case.sensitive, random_state=SEED
    )
    pd.testing.assert_frame_equal(alone.table, case.report.importance)
    pd.testing.assert_frame_equal(
        alone.rank_correlation, case.report.importance_result.rank_correlation
    )
    assert alone.notes == case.report.importance_result.notes
    assert "shap" in alone.methods


def test_analyze_weights_equals_report_weights(case):
    alone = analyze_weights(case.model, case.X, sensitive_features=case.sensitive, policy=POLICY)
    inside = case.report.weights
    pd.testing.assert_frame_equal(alone.by_source, inside.by_source)
    assert alone.concentration == inside.concentration
    assert alone.facts() == inside.facts()
    assert [f.to_dict() for f in alone.findings] == [f.to_dict() for f in inside.findings]


def test_detect_proxies_equals_report_proxies(case):
    alone = detect_proxies(
        case.model, case.X, case.sensitive, y=case.y, random_state=SEED, policy=POLICY
    )
    pd.testing.assert_frame_equal(alone.table, case.report.proxies.table)
    assert alone.reliance_source == case.report.proxies.reliance_source


def test_group_metrics_facts_equal_report_fairness_facts(case):
    sensitive = case.X[case.sensitive] if isinstance(case.sensitive, list) else case.sensitive
    gm = group_metrics(
        case.y,
        case.model.predict(case.X),
        sensitive_features=sensitive,
        y_score=case.model.predict_proba(case.X)[:, 1],
        n_boot=POLICY.n_boot,
        random_state=SEED,
        min_count=POLICY.min_count,
    )
    report_facts = case.report.facts()
    for path, fact in gm.facts().items():
        assert report_facts[path] == fact, path


def test_what_if_before_gaps_are_the_fairness_facts():
    c = _german_logreg()
    report = audit_model(
        c.model, c.X, c.y, sensitive_features=c.sensitive, analyzers=["fairness"], policy=POLICY
    )
    result = what_if(
        c.model, c.X, c.y, edits=[ZeroFeature("checking_status")], sensitive_features=c.sensitive
    )
    table = result.table.set_index(["metric", "attribute"])["original"]
    # several attributes: the intersection row is the audit's (intersectional) facts ...
    facts = report.facts()
    for path in GAP_FACTS:
        expected = facts[path].value
        got = table[(path.replace(".", "_"), "sex × age_group")]
        assert got == expected if expected is not None else np.isnan(got), path
    # ... and each attribute's row is its marginal table's facts
    marginals = report.outputs["fairness"].extras["marginals"]
    for attribute in c.sensitive:
        marginal = marginals[attribute].facts()
        for path in GAP_FACTS:
            assert table[(path.replace(".", "_"), attribute)] == marginal[path].value, path


def test_coefficient_importance_is_one_number_multiclass_weighted():
    df = load_german_credit()
    categorical = [c for c in GERMAN_CATEGORICAL if c != "housing"]
    X = df[[*GERMAN_NUMERIC, *categorical]]
    y = df["housing"]  # three classes
    weights = np.random.default_rng(0).uniform(0.2, 3.0, len(X))
    model = _german_pipeline(GERMAN_NUMERIC, categorical).fit(X, y, clf__sample_weight=weights)
    report = audit_model(
        model,
        X,
        y,
        sample_weight=weights,
        analyzers=["weights", "importance"],
        analyzer_options={"importance": {"shap": False}},
    )
    assert report.weights.model_kind == "linear"
    by_source = report.weights.by_source.set_index("source")["weight"]
    coefficient = report.importance["coefficient"]
    pd.testing.assert_series_equal(
        coefficient.sort_index(), by_source.sort_index(), check_names=False
    )
    owner = coefficient_importance(model, X, weights)
    pd.testing.assert_series_equal(coefficient.sort_index(), owner.sort_index(), check_names=False)
    # the row weights matter: unweighted standard deviations give other numbers
    assert not np.allclose(coefficient_importance(model, X).sort_index(), owner.sort_index())


def test_a_failed_quantity_is_computed_once():
    c = _biased_gbm()
    ctx = build_context(c.model, c.X, c.y)
    with pytest.raises(ValueError) as first:
        context_permutation(ctx, scoring="not_a_scorer")
    with pytest.raises(ValueError) as again:
        context_permutation(ctx, scoring="not_a_scorer")
    assert again.value is first.value  # remembered, not recomputed
