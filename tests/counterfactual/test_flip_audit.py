"""The flip analyzer in ``audit_model``: the numbers of ``flip_test``, in facts, JSON and HTML."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest
from flip_models import one_hot_model, people

import audit
from audit.analyzers import ANALYZERS
from audit.counterfactual import flip_test
from audit.gates import assert_fair
from audit.policy import Policy
from audit.rules import known_fact_names


@pytest.fixture(scope="module")
def report(aware, data):
    X, y = data
    return audit.audit_model(aware, X, y, sensitive_features="sex", n_boot=0)


def test_flip_runs_by_default_and_equals_the_standalone_function(report, aware, data):
    X, y = data
    assert "flip" in ANALYZERS and report.outputs["flip"].status == "ran"
    alone = flip_test(aware, X, sensitive_features="sex", y=y)
    pd.testing.assert_frame_equal(report.flip.directions, alone.directions)
    pd.testing.assert_frame_equal(report.flip.by_group, alone.by_group)
    assert report.facts()["flip_rate.max"] == alone.facts()["flip_rate.max"]


def test_facts_are_known_names_and_gates_read_them(report):
    facts = report.facts()
    assert {"flip_rate.max", "flip_rate_proxy.max"} <= set(facts)
    assert {"flip_rate.max", "flip_rate_proxy.max"} <= known_fact_names()
    Policy(rules=("flip_rate.max <= 0.01", "flip_rate_proxy.max <= 0.05"))  # rules parse
    with pytest.raises(AssertionError, match=r"flip_rate\.max"):
        assert_fair(report, ["flip_rate.max <= 0.01"])
    assert_fair(report, [f"flip_rate.max <= {facts['flip_rate.max'].value + 1e-9}"])


def test_policy_threshold_decides_the_finding(aware, data):
    X, y = data
    loose = audit.audit_model(
        aware, X, y, sensitive_features="sex", analyzers=["flip"], policy=Policy(flip_rate=0.5)
    )
    assert [f for f in loose.findings if f.analyzer == "flip"] == []
    strict = audit.audit_model(aware, X, y, sensitive_features="sex", analyzers=["flip"])
    (finding,) = [f for f in strict.findings if f.analyzer == "flip"]
    assert finding.evidence["threshold"] == 0.01


def test_json_record_and_html_section(report):
    record = json.loads(report.to_json())
    result = record["analyzers"]["flip"]["result"]
    assert {"directions", "by_group", "attributes", "proxy_fill", "rows_predicted"} <= set(result)
    assert len(result["directions"]) == len(report.flip.directions)
    assert record["facts"]["flip_rate.max"]["value"] == pytest.approx(
        report.flip.directions.query("variant == 'direct'")["flip_rate"].max()
    )
    html = report.to_html()
    assert 'id="section-flip"' in html
    assert html.index('id="section-proxies"') < html.index('id="section-flip"')
    start = html.index('id="section-flip"')
    section = html[start : html.index("</section>", start)]
    assert "female → male" in section and "<svg" in section


def test_five_thousand_rows_take_well_under_a_second():
    X, y = people(5000, seed=1)
    model = one_hot_model(X, y, ["sex", "title"], ["x0", "x1"])
    start = time.perf_counter()
    result = flip_test(model, X, sensitive_features="sex", proxies={"sex": ["title"]})
    assert time.perf_counter() - start < 1.0
    assert result.rows_predicted == 2 * 5000
