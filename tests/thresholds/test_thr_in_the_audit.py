"""The thresholds analyzer in ``audit_model``: on by default for binary scorers, fast, a
what-if that changes nothing, its baseline the fairness analyzer's numbers, its record JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest

import audit
from audit.analyzers import ANALYZERS
from audit.datasets import load_adult


@pytest.fixture(scope="module")
def adult_5000():  # type: ignore[no-untyped-def]
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df = load_adult(drop_missing=True).sample(5000, random_state=1).reset_index(drop=True)
    X, y = df.drop(columns=["income", "split", "fnlwgt"]), df["income"]
    pre = make_column_transformer(
        (StandardScaler(), ["age", "education_num", "capital_gain", "hours_per_week"]),
        (OneHotEncoder(handle_unknown="ignore"), ["workclass", "education", "occupation", "sex"]),
    )
    model = make_pipeline(pre, LogisticRegression(max_iter=1000)).fit(X, y)
    return model, X, y


@pytest.fixture(scope="module")
def report(adult_5000):  # type: ignore[no-untyped-def]
    model, X, y = adult_5000
    return audit.audit_model(
        model,
        X,
        y,
        sensitive_features=["sex", "race"],
        analyzers=["fairness", "calibration", "thresholds"],
        random_state=0,
    )


def test_on_by_default() -> None:
    assert {"calibration", "thresholds"} <= set(ANALYZERS)


def test_fast_on_5000_rows(report) -> None:  # type: ignore[no-untyped-def]
    for name in ("calibration", "thresholds"):
        out = report.outputs[name]
        assert out.status == "ran", out.reason
        assert out.seconds < 1.0, (name, out.seconds)  # measured: ~0.1 s and ~0.03 s


def test_baseline_is_the_fairness_analyzers(report) -> None:  # type: ignore[no-untyped-def]
    result = report.outputs["thresholds"].result
    gm = report.fairness
    assert result.summary.loc["single threshold", "accuracy"] == gm.overall["accuracy"]
    base = result.thresholds("single threshold")
    np.testing.assert_array_equal(base["selection_rate"], gm.by_group["selection_rate"])
    np.testing.assert_array_equal(base["tpr"], gm.by_group["tpr"])
    diff = gm.difference()
    assert result.summary.loc["single threshold", "tpr_difference"] == diff["tpr"]


def test_a_what_if_changes_nothing(adult_5000, report) -> None:  # type: ignore[no-untyped-def]
    model, X, y = adult_5000
    before = model.predict_proba(X)
    again = audit.audit_model(
        model, X, y, sensitive_features=["sex", "race"], analyzers=["fairness"], random_state=0
    )
    np.testing.assert_array_equal(model.predict_proba(X), before)
    assert again.fairness.to_dict() == report.fairness.to_dict()
    assert report.outputs["thresholds"].findings == ()  # a what-if is not a verdict


def test_record_is_strict_json(report) -> None:  # type: ignore[no-untyped-def]
    record = json.loads(report.to_json())
    entry = record["analyzers"]["thresholds"]["result"]
    assert set(entry["summary"]) == {"single threshold", *entry["settings"]["constraints"]}
    rules = {row["rule"] for row in entry["groups"]}
    assert "the model's own predictions" in rules
    assert any(r.startswith("score > ") for r in rules)
    assert set(entry["curves"]) <= set(entry["settings"]["constraints"])
    assert all(len(c["rate"]) == 101 for c in entry["curves"].values())


def test_report_accessors(report) -> None:  # type: ignore[no-untyped-def]
    assert report.thresholds is report.outputs["thresholds"].result
    assert report.calibration is report.outputs["calibration"].result
    assert report.thresholds.to_frame().index[0] == "single threshold"
