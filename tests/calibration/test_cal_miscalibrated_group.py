"""A model miscalibrated on purpose for one group is flagged; a calibrated one is not.

The data: group B's true rate is lower than group A's at the same features
(``logit - 1.2``). A logistic regression that does not see the group fits mostly
group A (80 % of the rows), so its scores overstate group B's rate; the same
model given the group is calibrated for both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import audit
from audit import Policy
from audit.calibration import CALIBRATION_GAP


def _data(n: int = 6000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "group": rng.choice(["A", "B"], size=n, p=[0.8, 0.2]),
        }
    )
    logit = 0.3 + frame["x1"] - 0.8 * frame["x2"] - 1.2 * (frame["group"] == "B")
    frame["y"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame["is_b"] = (frame["group"] == "B").astype(int)
    return frame


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return _data()


def _audit(model, frame: pd.DataFrame, columns: list[str], **kwargs):  # type: ignore[no-untyped-def]
    model.fit(frame[columns], frame["y"])
    return audit.audit_model(
        model,
        frame[[*columns, "group"]],
        frame["y"],
        sensitive_features="group",
        analyzers=["calibration"],
        n_boot=300,
        random_state=0,
        **kwargs,
    )


def test_the_group_the_model_overstates_is_flagged(data: pd.DataFrame) -> None:
    report = _audit(LogisticRegression(), data, ["x1", "x2"])
    findings = [f for f in report.findings if f.code == CALIBRATION_GAP]
    assert len(findings) == 1
    finding = findings[0]
    assert finding.subject == "B" and finding.analyzer == "calibration"
    assert "overstate" in finding.title
    # the gap is the hand computation: mean score minus observed rate of group B's rows
    b = (data["group"] == "B").to_numpy()
    score = report.outputs["calibration"].result
    proba = (
        LogisticRegression()
        .fit(data[["x1", "x2"]], data["y"])
        .predict_proba(data[["x1", "x2"]])[:, 1]
    )
    expected = proba[b].mean() - data["y"].to_numpy()[b].mean()
    assert expected > 0.1  # the planted miscalibration is large
    np.testing.assert_allclose(finding.evidence["calibration_in_the_large"], expected, rtol=1e-10)
    fact = report.facts()["calibration_gap.max"]
    assert fact.groups == "B"
    np.testing.assert_allclose(fact.value, expected, rtol=1e-10)
    low, high = fact.ci
    assert low <= fact.value <= high
    # the interval is far beyond the threshold, so the finding is critical
    assert finding.severity == "critical"
    assert score.by_group.loc["A", "calibration_in_the_large"] < 0.05


def test_a_model_that_sees_the_group_is_not_flagged(data: pd.DataFrame) -> None:
    report = _audit(LogisticRegression(), data, ["x1", "x2", "is_b"])
    assert [f for f in report.findings if f.code == CALIBRATION_GAP] == []
    assert report.facts()["calibration_gap.max"].value < 0.03


def test_the_threshold_is_the_policys(data: pd.DataFrame) -> None:
    report = _audit(LogisticRegression(), data, ["x1", "x2"])
    gap = report.facts()["calibration_gap.max"].value
    loose = _audit(
        LogisticRegression(), data, ["x1", "x2"], policy=Policy(calibration_gap=gap + 0.01)
    )
    assert [f for f in loose.findings if f.code == CALIBRATION_GAP] == []
    tight = _audit(
        LogisticRegression(), data, ["x1", "x2"], policy=Policy(calibration_gap=gap - 0.01)
    )
    flagged = [f for f in tight.findings if f.code == CALIBRATION_GAP]
    assert len(flagged) == 1 and flagged[0].evidence["threshold"] == pytest.approx(gap - 0.01)


def test_a_gate_rule_on_the_fact(data: pd.DataFrame) -> None:
    from audit.gates import check_rules

    report = _audit(LogisticRegression(), data, ["x1", "x2"])
    rules = ["calibration_gap.max <= 0.05", "calibration_gap.max <= 0.9"]
    gate = check_rules(rules, report.facts())
    assert [r.status for r in gate.results] == ["fail", "pass"]
