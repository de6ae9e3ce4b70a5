"""``report.to_model_card(path)``: the sections of "Model Cards for Model Reporting"
(Mitchell et al., 2019) filled from the audit, placeholders for what only the owner knows,
and user strings escaped so the Markdown renders as the text it is."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from report_models import planted_disparity_report
from sklearn.linear_model import LogisticRegression

import audit
from audit._markdown_text import md_escape
from audit._numbers import fmt
from audit.errors import ReportWriteError
from audit.report._model_card import PLACEHOLDER, SECTIONS


@pytest.fixture(scope="module")
def report():
    return planted_disparity_report(n_boot=50, analyzers=["fairness", "weights", "proxies"])


def test_the_card_has_every_section_in_order(report):
    card = report.to_model_card()
    headings = re.findall(r"^## (.+)$", card, re.M)
    assert headings == list(SECTIONS)
    assert card.startswith("<!-- model-audit -->\n# Model card: planted")


def test_what_only_the_owner_knows_is_a_marked_placeholder(report):
    card = report.to_model_card()
    marker = PLACEHOLDER.split("{")[0]
    intended = card.split("## Intended Use")[1].split("## ")[0]
    assert intended.count(marker) == 3
    training = card.split("## Training Data")[1].split("## ")[0]
    assert marker in training
    assert card.count(marker) >= 10


def test_the_card_is_filled_from_the_audit(report):
    card = report.to_model_card()
    facts = report.facts()
    ratio = facts["selection_rate.ratio"]
    low, high = ratio.ci
    assert f"{fmt(ratio.value, 'ratio')} [{fmt(low, 'ratio')}, {fmt(high, 'ratio')}]" in card
    factors = card.split("## Factors")[1].split("## ")[0]
    assert "group" in factors and "region" in factors
    ethics = card.split("## Ethical Considerations")[1].split("## ")[0]
    assert "Selection rate" in ethics and "critical" in ethics
    quantitative = card.split("## Quantitative Analyses")[1].split("## ")[0]
    gm = report.fairness
    rows = [line for line in quantitative.splitlines() if line.startswith("| group=")]
    assert len(rows) == len(gm.by_group)
    assert f"{report.policy.ratio_warning:.2f}" in card.split("## Metrics")[1]


def test_user_strings_are_escaped_and_tables_keep_their_shape(tmp_path):
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame({"x|y": rng.normal(size=n), "b": rng.normal(size=n)})
    groups = pd.Series(np.where(rng.random(n) < 0.5, "a|b", "[c](http://x)"), name="g#1")
    y = (X["x|y"] + rng.normal(size=n) > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    name = "m\n## PASSED"
    report = audit.audit_model(
        model, X, y, sensitive_features=groups, name=name, analyzers=["fairness"], n_boot=0
    )
    card = report.to_model_card()
    assert "\n## PASSED" not in card
    assert md_escape(name) in card
    assert "[c](http://x)" not in card and md_escape("[c](http://x)") in card
    for line in card.splitlines():
        if line.startswith("| "):
            # every row of a table has as many unescaped cell separators as its header
            assert len(re.findall(r"(?<!\\)\|", line)) in (5, 8), line


def test_to_model_card_writes_and_replaces_only_its_own_file(report, tmp_path):
    path = tmp_path / "MODEL_CARD.md"
    text = report.to_model_card(path)
    assert path.read_text(encoding="utf-8") == text
    report.to_model_card(path)  # our own file: replaced
    foreign = tmp_path / "notes.md"
    foreign.write_text("my notes\n")
    with pytest.raises(ReportWriteError, match=r"notes\.md"):
        report.to_model_card(foreign)
    assert foreign.read_text() == "my notes\n"
