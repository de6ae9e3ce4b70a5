"""The top of the report in plain language: verdict, summary, flags grouped by problem and
attribute with counts, each flag naming its subject; evidence collapsed and compact."""

from __future__ import annotations

import re

import pytest
from html_probe import Probe
from report_models import planted_disparity_report

from audit.report._glossary import term
from audit.report._summary import display_title, flag_groups


@pytest.fixture(scope="module")
def report():
    return planted_disparity_report(n_boot=100)


@pytest.fixture(scope="module")
def html(report):
    return report.to_html()


def _text(fragment: str) -> str:
    return " ".join(Probe(fragment).text.split())


def test_reading_order_verdict_summary_flags_details(html):
    ids = ["verdict", "summary", "flags", "section-model-card", "glossary", "evidence"]
    positions = [html.index(f'id="{i}"') for i in ids]
    assert positions == sorted(positions)


def test_summary_says_what_was_audited_and_the_main_problems(report, html):
    part = html[html.index('id="summary"') : html.index('id="flags"')]
    text = _text(part)
    assert "planted" in text and "3,000 rows" in text
    assert "group (2 groups)" in text and "region (2 groups)" in text
    problems = re.findall(r"<li>(.*?)</li>", part.split('class="problems"')[1], re.S)
    assert 1 <= len(problems) <= 3
    first = _text(problems[0])
    # the planted disparity, in words a non-specialist reads: who, how often, vs whom
    worst = next(f for f in report.findings if f.code.startswith("disparity"))
    assert worst.severity == "critical"
    assert "Selection rate" in first and "%" in first
    assert "critical" in first


def test_flags_are_grouped_by_problem_with_counts(report, html):
    groups = flag_groups(report)
    assert sum(len(g.items) for g in groups) == len(report.findings)
    assert len(groups) < len(report.findings)  # grouping, not a flat list
    headings = re.findall(r'<h3 class="ghead">(.*?)</h3>', html, re.S)
    assert len(headings) == len(groups)
    for heading, group in zip(headings, groups, strict=True):
        text = _text(heading)
        n = len(group.items)
        assert re.search(rf": {n} (flags?|disparit(y|ies))\b", text), text
        for severity, count in group.counts.items():
            assert f"{count} {severity}" in text
    selection = next(g for g in groups if g.key[:2] == ("disparity", "selection_rate"))
    assert "across" in selection.headline and "group" in selection.scope


def test_each_flag_names_its_subject_and_says_what_to_check(report, html):
    items = re.findall(r'<li class="flag [a-z]+" data-code="[a-z_]+">(.*?)</li>', html, re.S)
    assert len(items) == len(report.findings)
    for group in flag_groups(report):
        assert group.check
        for item in group.items:
            f = item.finding
            title = display_title(f, item.scope)
            if f.code.startswith("disparity"):
                low, high = f.evidence["groups"]
                assert str(low) in title and str(high) in title
                label = term(f.evidence["metric"]).label.split(" (")[0]
                assert title.lower().startswith(label.lower()), (label, title)
            elif "feature" in f.evidence:
                assert str(f.evidence["feature"]) in title
            else:
                assert f.subject in title or f.code == "insufficient_evidence"
    assert html.count('<p class="next"><span class="lbl">Check next:</span>') == len(
        flag_groups(report)
    )


def test_evidence_is_collapsed_and_readable(report, html):
    for i in range(1, len(report.findings) + 1):
        start = html.index(f'<div id="evidence-{i}"')
        opening = html.rindex("<details", 0, start)
        assert html.rindex("</details>", 0, start) < opening  # inside an open-able <details>
    evidence = html[html.index('id="evidence"') :]
    text = _text(evidence)
    assert "{'" not in text and "': " not in text  # no printed dicts
    # the evidence tables (the analyzers' messages keep their own wording, e.g. p-values)
    cells = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", evidence, re.S)]
    assert cells
    assert not [c for c in cells if re.search(r"\de-1\d", c)]  # no noise such as -1.04e-17


def test_no_flag_looks_unjustified(html):
    """A flagged value is never printed equal to the threshold it crossed."""
    titles = re.findall(r'<li class="flag [a-z]+" data-code="[a-z_]+">(.*?)<details', html, re.S)
    checked = 0
    for title in map(_text, titles):
        for value, threshold in re.findall(
            r"(?:ratio|—) ([\d.,]+(?: pp|%)?)(?: apart)?, (?:below|above) ([\d.,]+(?: pp|%)?)",
            title,
        ):
            assert value != threshold, title
            checked += 1
    assert checked > 0
