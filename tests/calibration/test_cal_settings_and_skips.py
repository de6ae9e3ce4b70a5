"""Settings are checked before any work; the analysis says why it does not apply.

Bad ``analyzer_options`` values raise :class:`InvalidParameterError` before the
model predicts (a real logistic regression counting its calls); bad inputs to
:func:`calibration_by_group` raise typed errors naming what was received; the
policy's ``calibration_gap`` is validated like every threshold; the fact name is
known to the rule grammar; and models without scores, labels, groups or a binary
task get a ``skipped`` output with the reason.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.svm import LinearSVC

import audit
from audit.calibration import BAD_N_BINS, calibration_by_group
from audit.errors import DataValidationError, InvalidParameterError, MissingValueError
from audit.policy import Policy
from audit.rules import known_fact_names, parse_rule


class CountingLogisticRegression(LogisticRegression):
    """A real, fitted logistic regression that counts its prediction calls."""

    calls = 0

    def predict(self, X):  # type: ignore[no-untyped-def]
        type(self).calls += 1
        return super().predict(X)

    def predict_proba(self, X):  # type: ignore[no-untyped-def]
        type(self).calls += 1
        return super().predict_proba(X)


def _data(n: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    X["g"] = rng.choice(["u", "v"], size=n)
    y = (X["a"] + rng.normal(size=n) > 0).astype(int).to_numpy()
    return X, y


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"calibration": {"n_bins": 7}}, "n_bins must be one of 2, 4, 5, 10, 20, 25, 50, 100"),
        ({"calibration": {"n_bins": True}}, "got True"),
        ({"calibration": {"n_bins": 10.0}}, "got 10.0"),
        ({"calibration": {"bins": 10}}, "Unknown calibration option(s) 'bins'; allowed: n_bins"),
        ({"thresholds": {"constraints": ["parity"]}}, "constraints must be a non-empty list"),
        ({"thresholds": {"constraints": []}}, "constraints must be a non-empty list"),
        ({"thresholds": {"grid_size": 0}}, "grid_size must be an int >= 1; got 0"),
    ],
)
def test_bad_options_fail_before_any_prediction(options, message) -> None:  # type: ignore[no-untyped-def]
    X, y = _data()
    model = CountingLogisticRegression().fit(X[["a", "b"]], y)
    CountingLogisticRegression.calls = 0
    with pytest.raises(InvalidParameterError) as info:
        audit.audit_model(model, X, y, sensitive_features="g", analyzer_options=options)
    assert message in str(info.value)
    assert CountingLogisticRegression.calls == 0


def test_good_options_are_used() -> None:
    X, y = _data()
    model = LogisticRegression().fit(X[["a", "b"]], y)
    report = audit.audit_model(
        model,
        X,
        y,
        sensitive_features="g",
        analyzers=["calibration", "thresholds"],
        analyzer_options={
            "calibration": {"n_bins": 5},
            "thresholds": {"constraints": "equalized_odds", "grid_size": 50},
        },
        n_boot=0,
    )
    assert report.outputs["calibration"].result.n_bins == 5
    thresholds = report.outputs["thresholds"].result
    assert thresholds.constraints == ("equalized_odds",) and thresholds.grid_size == 50


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n_bins": 3}, InvalidParameterError, BAD_N_BINS.split("{")[0]),
        ({"threshold": 1.5}, InvalidParameterError, "threshold must be a number in [0, 1]"),
        ({"n_boot": -1}, InvalidParameterError, "n_boot"),
        ({"ci": 1.0}, InvalidParameterError, "ci"),
        ({"y_true": ["no", "yes"] * 100}, DataValidationError, "pos_label="),
        ({"y_true": [0, 1, 2, 1] * 50}, DataValidationError, "got the labels [0, 1, 2]"),
        ({"y_true": [0.0, np.nan] * 100}, MissingValueError, "y_true contains 100 missing"),
        ({"y_score": np.full((200, 3), 0.3)}, DataValidationError, "shape (200, 3)"),
        (
            {"y_score": np.linspace(-1, 1, 200)},
            DataValidationError,
            "y_score must hold probabilities",
        ),
        ({"y_score": ["0.5"] * 200}, DataValidationError, "y_score must be numeric"),
        ({"sensitive_features": ["a"] * 199}, DataValidationError, "199"),
        ({"pos_label": "maybe", "y_true": ["no", "yes"] * 100}, DataValidationError, "'maybe'"),
    ],
)
def test_bad_inputs_raise_typed_errors(kwargs, error, message) -> None:  # type: ignore[no-untyped-def]
    args = {
        "y_true": [0, 1] * 100,
        "y_score": np.linspace(0, 1, 200),
        "sensitive_features": ["a", "b"] * 100,
        "n_boot": 0,
    }
    args.update(kwargs)
    y_true, y_score = args.pop("y_true"), args.pop("y_score")
    with pytest.raises(error) as info:
        calibration_by_group(y_true, y_score, **args)
    assert message in str(info.value)


def test_text_labels_with_pos_label_and_two_column_scores() -> None:
    s = np.linspace(0, 1, 200)
    labels = np.where(np.arange(200) % 2 == 0, "yes", "no")
    a = calibration_by_group(
        labels, np.c_[1 - s, s], sensitive_features=["a", "b"] * 100, pos_label="yes", n_boot=0
    )
    b = calibration_by_group(
        (labels == "yes").astype(int), s, sensitive_features=["a", "b"] * 100, n_boot=0
    )
    pd.testing.assert_frame_equal(a.by_group, b.by_group)


@pytest.mark.parametrize("value", [0, 0.0, 1.5, -0.05, math.nan, math.inf, "0.05", True])
def test_policy_calibration_gap_is_validated(value) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidParameterError, match="calibration_gap"):
        Policy(calibration_gap=value)


def test_policy_default_and_pyproject(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert Policy().calibration_gap == 0.05
    (tmp_path / "pyproject.toml").write_text("[tool.model-audit]\ncalibration-gap = 0.1\n")
    assert Policy.from_pyproject(tmp_path).calibration_gap == 0.1


def test_fact_names_are_known_to_the_rules() -> None:
    assert {"calibration_gap.max", "calibration_gap.difference"} <= known_fact_names()
    rule = parse_rule("calibration_gap.max <= 0.05", known_fact_names())
    assert rule.path == "calibration_gap.max"
    with pytest.raises(ValueError, match=r"Did you mean 'calibration_gap\.max'"):
        parse_rule("calibration_gap.mx <= 0.05", known_fact_names())


def test_skipped_with_a_reason() -> None:
    X, y = _data()
    cases = {
        "no predict_proba": (LinearSVC().fit(X[["a", "b"]], y), y, "g", "no probabilities"),
        "regression": (
            LinearRegression().fit(X[["a", "b"]], X["a"] * 2.0),
            (X["a"] * 2.0).to_numpy(),
            "g",
            "binary classifiers; this model's task is regression",
        ),
        "no groups": (LogisticRegression().fit(X[["a", "b"]], y), y, None, "No sensitive_features"),
        "no labels": (LogisticRegression().fit(X[["a", "b"]], y), None, "g", "No true labels"),
    }
    for case, (model, target, sensitive, reason) in cases.items():
        report = audit.audit_model(
            model, X, target, sensitive_features=sensitive, analyzers=["calibration", "thresholds"]
        )
        for name in ("calibration", "thresholds"):
            out = report.outputs[name]
            assert out.status == "skipped", (case, name)
            assert reason in out.reason, (case, name, out.reason)


def test_multiclass_is_skipped() -> None:
    X, _ = _data()
    y3 = np.digitize(X["a"], [-0.5, 0.5])
    model = LogisticRegression().fit(X[["a", "b"]], y3)
    report = audit.audit_model(model, X, y3, sensitive_features="g", analyzers=["calibration"])
    assert report.outputs["calibration"].status == "skipped"
    assert "multiclass" in report.outputs["calibration"].reason
