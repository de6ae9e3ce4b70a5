"""The attributions analyzer: runs through audit_model with options, findings and JSON."""

from __future__ import annotations

import json

import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

import audit
from audit._inputs import UNKNOWN_OPTION
from audit.analyzers import get_analyzer, run_analyzer
from audit.attributions import AttributionResult
from audit.context import build_context
from audit.errors import InvalidParameterError


def test_audit_model_attributions(biased):
    X = biased.X.drop(columns=["group"])
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, biased.y)
    report = audit.audit_model(
        model,
        biased.X,
        biased.y,
        sensitive_features="group",
        analyzers=["attributions"],
        analyzer_options={"attributions": {"max_rows": 400, "progress": False}},
    )
    result = report.attributions
    assert isinstance(result, AttributionResult)
    assert result.explainer == "tree" and result.n_explained == 400
    assert result.sample_sizes["n_explained"].sum() == 400
    json.dumps(result.to_dict())


def test_unknown_option_is_refused_before_any_work_with_the_allowed_list(biased):
    X = biased.X.drop(columns=["group"])
    model = HistGradientBoostingClassifier(max_iter=5).fit(X, biased.y)
    expected = UNKNOWN_OPTION.format(
        what="attributions",
        names="'rows'",
        allowed="explainer, max_rows, background_size, progress, additivity_tolerance",
    )
    with pytest.raises(InvalidParameterError) as info:
        audit.audit_model(
            model, biased.X, biased.y, analyzer_options={"attributions": {"rows": 10}}
        )
    assert str(info.value) == expected


@pytest.mark.parametrize("sensitive", [None, "group"])
def test_runs_with_or_without_groups(biased, sensitive):
    X = biased.X.drop(columns=["group"])
    model = HistGradientBoostingClassifier(max_iter=5).fit(X, biased.y)
    ctx = build_context(model, biased.X, biased.y, sensitive_features=sensitive)
    out = run_analyzer("attributions", get_analyzer("attributions"), ctx)
    assert out.status == "ran"
    assert (out.result.groups is None) == (sensitive is None)
