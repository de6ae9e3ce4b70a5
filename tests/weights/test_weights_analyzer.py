"""The ``weights`` analyzer glue: runs on the audit context, skips what it cannot read."""

from __future__ import annotations

import json

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

from audit.analyzers import get_analyzer, run_analyzer
from audit.context import build_context
from audit.weights import WeightsResult


def test_runs_on_a_context_with_findings(dominant, onehot_pipeline):
    model = onehot_pipeline(LogisticRegression()).fit(dominant.X, dominant.y)
    ctx = build_context(model, dominant.X, dominant.y, sensitive_features=["group"])
    out = get_analyzer("weights")(ctx)
    assert out.status == "ran"
    assert isinstance(out.result, WeightsResult)
    assert out.result.model_kind == "linear"
    codes = {f.code for f in out.findings}
    assert {"imbalanced_weights", "sensitive_attribute_used"} <= codes
    assert all(f.analyzer == "weights" for f in out.findings)
    assert out.findings == out.result.findings


def test_to_dict_is_json_and_deterministic(dominant, onehot_pipeline):
    model = onehot_pipeline(LogisticRegression()).fit(dominant.X, dominant.y)
    ctx = build_context(model, dominant.X, dominant.y, sensitive_features=["group"])
    first = json.dumps(get_analyzer("weights")(ctx).result.to_dict(), sort_keys=True)
    second = json.dumps(get_analyzer("weights")(ctx).result.to_dict(), sort_keys=True)
    assert first == second
    data = json.loads(first)
    assert set(data) == {
        "model_kind",
        "estimator",
        "summary",
        "by_source",
        "concentration",
        "complexity",
        "coefficients",
        "coefficients_omitted",
        "intercepts",
        "trees",
        "tree_structure",
        "layers",
        "input_weights",
        "dead_units",
        "tokens",
        "notes",
    }
    assert data["by_source"][0]["source"] == "x0"


def test_skips_models_without_weights(balanced):
    X = balanced.X.drop(columns="group")
    model = SVC(kernel="rbf").fit(X, balanced.y)
    ctx = build_context(model, X, balanced.y)
    out = run_analyzer("weights", get_analyzer("weights"), ctx)
    assert out.status == "skipped"
    assert "SVC" in out.reason


def test_torch_through_the_context(balanced):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    X = balanced.X.drop(columns="group")
    net = torch.nn.Sequential(torch.nn.Linear(6, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    ctx = build_context(net, X, balanced.y)
    out = get_analyzer("weights")(ctx)
    assert out.status == "ran"
    assert out.result.model_kind == "torch"
    json.dumps(out.result.to_dict())
