"""The HTML report's calibration and threshold sections: tables, one plot each, escaping.

The reliability plot holds every comparable group on one panel with the
diagonal; the trade-off plot one panel per constraint; the numbers the gates
check (``calibration_gap.*``) are shown as the facts hold them; a group label
with markup stays text; a model without scores gets the skipped sections with
their reasons.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

import audit
from audit.report._blocks import fmt

EVIL = "<b>x&y</b>"


def _data(n: int = 3000) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(8)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    X["grp"] = rng.choice([EVIL, "plain"], size=n)
    logit = X["a"] - 0.5 * X["b"] - 1.0 * (X["grp"] == EVIL)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int).to_numpy()
    return X, y


@pytest.fixture(scope="module")
def html() -> tuple[str, audit.AuditReport]:
    X, y = _data()
    model = LogisticRegression().fit(X[["a", "b"]], y)
    report = audit.audit_model(
        model,
        X,
        y,
        sensitive_features="grp",
        analyzers=["fairness", "calibration", "thresholds"],
        n_boot=100,
        random_state=0,
    )
    return report.to_html(), report


def _section(text: str, sid: str) -> str:
    start = text.index(f'id="{sid}"')
    nxt = text.find('id="section-', start + 10)
    return text[start : nxt if nxt > 0 else len(text)]


def test_sections_follow_the_fairness_section(html) -> None:  # type: ignore[no-untyped-def]
    text, _ = html
    positions = [
        text.index(f'id="section-{name}"') for name in ("fairness", "calibration", "thresholds")
    ]
    assert positions == sorted(positions)


def test_calibration_section_has_its_tables_plot_and_facts(html) -> None:  # type: ignore[no-untyped-def]
    text, report = html
    section = _section(text, "section-calibration")
    for title in (
        "Calibration per group",
        "Predictive values against error rates",
        "Reliability curves",
    ):
        assert title in section
    assert section.count("<svg") == 1
    assert "calibrated (score = rate)" in section  # the diagonal's legend entry
    fact = report.facts()["calibration_gap.max"]
    assert f"{fmt(fact.value, 'pp')} [{fmt(fact.ci[0], 'pp')}, {fmt(fact.ci[1], 'pp')}]" in section
    assert report.findings and any(f.code == "calibration_gap" for f in report.findings)


def test_thresholds_section_has_its_tables_and_plot(html) -> None:  # type: ignore[no-untyped-def]
    text, _ = html
    section = _section(text, "section-thresholds")
    for title in ("Accuracy each constraint costs", "Per-group thresholds", "never applied"):
        assert title in section
    assert section.count("<svg") == 1
    for panel in ("Demographic parity", "Equal opportunity (TPR parity)", "Equalized odds"):
        assert panel in section
    assert re.search(r"score &gt; 0\.\d+", section)


def test_markup_in_a_group_label_stays_text(html) -> None:  # type: ignore[no-untyped-def]
    text, _ = html
    for sid in ("section-calibration", "section-thresholds"):
        section = _section(text, sid)
        assert "&lt;b&gt;x&amp;y&lt;/b&gt;" in section
        assert "<b>x&y</b>" not in section and "<b>x&amp;y</b>" not in section


def test_a_model_without_scores_shows_why() -> None:
    X, y = _data(400)
    model = LinearSVC().fit(X[["a", "b"]], y)
    report = audit.audit_model(
        model, X, y, sensitive_features="grp", analyzers=["calibration", "thresholds"]
    )
    text = report.to_html()
    for sid in ("section-calibration", "section-thresholds"):
        assert "no probabilities (no predict_proba)" in _section(text, sid)
