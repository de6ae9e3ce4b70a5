"""One owner per number: the calibration analysis reads the fairness engine's ECE, Brier, PPV
and NPV (and their intervals) from the context's group metrics, and the standalone function
gives the audit's numbers exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import audit
from audit.analyzers.fairness import context_group_metrics
from audit.calibration import calibration_by_group
from audit.context import build_context
from audit.policy import Policy

FEATURES = ["age", "education_num", "hours_per_week", "capital_gain"]
SHARED = ["ece", "brier", "precision", "npv", "fpr", "fnr"]


@pytest.fixture(scope="module")
def setup(adult_small):  # type: ignore[no-untyped-def]
    X = adult_small[[*FEATURES, "sex", "race"]]
    y = adult_small["income"]
    model = LogisticRegression(max_iter=2000).fit(X[FEATURES], y)
    report = audit.audit_model(
        model,
        X,
        y,
        sensitive_features=["sex", "race"],
        analyzers=["fairness", "calibration", "thresholds"],
        n_boot=200,
        random_state=7,
    )
    return model, X, y, report


def test_shared_numbers_are_the_fairness_engines(setup) -> None:  # type: ignore[no-untyped-def]
    _, _, _, report = setup
    cal = report.outputs["calibration"].result
    gm = report.fairness
    for metric in SHARED:
        np.testing.assert_array_equal(cal.by_group[metric], gm.by_group[metric])
        np.testing.assert_array_equal(cal.ci_low[metric], gm.ci_low[metric])
        np.testing.assert_array_equal(cal.ci_high[metric], gm.ci_high[metric])
        assert cal.overall[metric] == gm.overall[metric]
    np.testing.assert_array_equal(cal.by_group["observed_rate"], gm.by_group["base_rate"])
    for attr in ("sex", "race"):
        marginal = report.outputs["calibration"].extras["marginals"][attr]
        fair = report.outputs["fairness"].extras["marginals"][attr]
        np.testing.assert_array_equal(marginal.by_group["ece"], fair.by_group["ece"])


def test_the_context_computes_group_metrics_once(setup) -> None:  # type: ignore[no-untyped-def]
    model, X, y, _ = setup
    ctx = build_context(
        model, X, y, sensitive_features=["sex", "race"], policy=Policy(n_boot=50), random_state=1
    )
    from audit.analyzers import run_analyzer

    outputs = {
        name: run_analyzer(name, None, ctx) for name in ("thresholds", "calibration", "fairness")
    }
    gm = context_group_metrics(ctx)
    assert ctx.is_derived(("group_metrics", ("sex", "race")))
    assert outputs["fairness"].result is gm  # the very object, whichever analyzer asked first
    assert outputs["calibration"].result.by_group["ece"].tolist() == gm.by_group["ece"].tolist()
    assert (
        outputs["thresholds"].result.summary.loc["single threshold", "accuracy"]
        == (gm.overall["accuracy"])
    )


def test_standalone_equals_the_audit(setup) -> None:  # type: ignore[no-untyped-def]
    model, X, y, report = setup
    score = model.predict_proba(X[FEATURES])[:, 1]
    # the model's predictions are score > 0.5, the standalone function's default
    assert np.array_equal(model.predict(X[FEATURES]) == model.classes_[1], score > 0.5)
    alone = calibration_by_group(
        y, score, sensitive_features=X[["sex", "race"]], n_boot=200, random_state=7
    )
    cal = report.outputs["calibration"].result
    pd.testing.assert_frame_equal(alone.by_group, cal.by_group)
    pd.testing.assert_frame_equal(alone.ci_low, cal.ci_low)
    pd.testing.assert_frame_equal(alone.ci_high, cal.ci_high)
    pd.testing.assert_frame_equal(alone.curves, cal.curves)
    assert alone.facts() == report.outputs["calibration"].facts


def test_the_json_record_holds_the_result_and_the_facts(setup) -> None:  # type: ignore[no-untyped-def]
    import json

    _, _, _, report = setup
    record = json.loads(report.to_json())
    entry = record["analyzers"]["calibration"]
    assert entry["status"] == "ran"
    result = entry["result"]
    assert result["settings"]["n_bins"] == 10 and len(result["groups"]) == len(
        report.fairness.by_group
    )
    first = result["groups"][0]
    assert set(first) >= {"label", "metrics", "ci_low", "ci_high", "curve", "comparable"}
    assert len(first["curve"]) == 10
    assert record["facts"]["calibration_gap.max"]["value"] == pytest.approx(
        report.facts()["calibration_gap.max"].value
    )
    assert "marginals" in entry["extras"]
