"""A model that sees neither the attribute nor a proxy of it cannot flip.

The test says "not applicable" and publishes no number: never a 0 that reads as "fair".
"""

from __future__ import annotations

import pytest

import audit
from audit.counterfactual import flip_test
from audit.gates import check_rules


@pytest.fixture(scope="module")
def result(blind, data):
    X, y = data
    return flip_test(blind, X, sensitive_features="sex", y=y)


def test_the_blind_model_flips_nothing_and_says_why(result):
    assert result.directions.empty and result.by_group.empty
    assert result.rows_predicted == 0 and result.model_calls == 0  # nothing to predict
    row = result.attributes.set_index("attribute").loc["sex"]
    assert row["direct"] == row["proxy"] == "not applicable"
    assert row["model_input"] is None and row["proxies"] == ""
    assert "neither 'sex' nor a proxy of it" in row["note"]
    assert "says nothing about fairness" in row["note"]
    assert not result.applicable("direct") and not result.applicable("proxy")
    assert result.findings() == []


def test_its_facts_have_no_value_so_a_gate_is_missing_not_passed(result):
    facts = result.facts()
    for path in ("flip_rate.max", "flip_rate_proxy.max"):
        assert facts[path].value is None
        assert facts[path].groups.startswith("not applicable: sex:")
    gate = check_rules(["flip_rate.max <= 0.01"], facts)
    assert [r.status for r in gate.results] == ["missing"]
    assert not gate.passed


def test_the_report_says_not_applicable(blind, data):
    X, y = data
    report = audit.audit_model(
        blind, X, y, sensitive_features="sex", analyzers=["proxies", "flip"], n_boot=0
    )
    assert report.outputs["flip"].status == "ran"
    html = report.to_html()
    start = html.index('id="section-flip"')
    section = html[start : html.index("</section>", start)]
    assert "Not applicable" in section
    assert "this is not evidence that the" in section
    record = report.to_dict()
    assert record["facts"]["flip_rate.max"]["value"] is None
    assert "not applicable" in record["facts"]["flip_rate.max"]["groups"]
