"""Fairness through unawareness fails: the proxy is found though group is not a model input."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression

import audit
from audit.proxies import PROXY_CODE, detect_proxies


@pytest.fixture(scope="module")
def unaware(biased):
    X = biased.X.drop(columns=["group"])  # the model never sees the sensitive column
    return LogisticRegression().fit(X, biased.y)


def test_detect_proxies_flags_proxy_not_noise(biased, unaware):
    result = detect_proxies(unaware, biased.X, "group", y=biased.y)
    flagged = result.proxies
    assert flagged["feature"].tolist() == ["proxy"]
    assert result.sensitive_in_model == ()
    table = result.table.set_index("feature")
    assert table.loc["proxy", "association"] >= 0.3
    assert not table.loc["noise", "is_proxy"]
    assert table.loc["noise", "association"] < 0.1
    assert "group" not in table.index


def test_audit_reports_a_proxy_warning(biased, unaware):
    report = audit.audit_model(
        unaware,
        biased.X,
        biased.y,
        sensitive_features="group",
        analyzers=["attributions", "proxies"],
    )
    (finding,) = [f for f in report.findings if f.code == PROXY_CODE]
    assert finding.severity == "warning"
    assert finding.subject == "proxy ~ group"
    assert finding.evidence["attribute_in_model"] is False
    assert finding.evidence["reliance_source"] == "mean |SHAP|"
    assert finding.evidence["reliance_rank"] <= finding.evidence["top_k"] == 5
    assert "fairness through unawareness" in finding.message
