import pytest

from audit.gates import assert_fair, assert_no_findings, facts_of
from audit.policy import Policy


def test_biased_model_fails_with_a_readable_table(biased_audit):
    with pytest.raises(AssertionError) as info:
        assert_fair(biased_audit, "selection_rate.ratio >= 0.8")
    text = str(info.value)
    assert "selection_rate.ratio" in text and "FAIL" in text
    assert "B vs A" in text
    value = biased_audit.fairness.ratio()["selection_rate"]
    assert f"{value:.4g}" in text


def test_fair_model_passes(fair_audit):
    result = assert_fair(fair_audit, ["selection_rate.ratio >= 0.8", "tpr.difference <= 0.1"])
    assert result.passed and len(result.results) == 2


def test_default_rules_come_from_the_policy(biased_audit, fair_audit):
    assert_fair(fair_audit)
    with pytest.raises(AssertionError, match=r"selection_rate\.ratio"):
        assert_fair(biased_audit)
    lenient = Policy(
        ratio_warning=0.1, ratio_critical=0.05, difference_warning=0.9, difference_critical=0.95
    )
    assert_fair(biased_audit, policy=lenient)


def test_facts_match_group_metrics(biased_audit):
    facts = facts_of(biased_audit)
    gm = biased_audit.fairness
    assert facts["selection_rate.ratio"].value == pytest.approx(gm.ratio()["selection_rate"])
    assert facts["tpr.difference"].value == pytest.approx(gm.difference()["tpr"])
    assert facts["demographic_parity.difference"].value == pytest.approx(
        gm.demographic_parity_difference()
    )
    assert facts_of(gm)["selection_rate.ratio"].value == facts["selection_rate.ratio"].value


def test_gate_on_group_metrics_and_record(biased_audit):
    with pytest.raises(AssertionError):
        assert_fair(biased_audit.fairness, "selection_rate.ratio >= 0.8")
    import json

    record = json.loads(biased_audit.to_json())
    with pytest.raises(AssertionError):
        assert_fair(record, "selection_rate.ratio >= 0.8")


def test_insufficient_evidence_follows_the_policy():
    import numpy as np

    from audit.fairness import group_metrics

    rng = np.random.default_rng(0)
    n = 1000
    groups = np.where(np.arange(n) < 990, "big", "tiny")
    y = rng.integers(0, 2, n)
    gm = group_metrics(y, y, sensitive_features=groups)
    result = assert_fair(gm, "selection_rate.ratio >= 0.8")  # warn: passes, but says so
    assert result.results[0].status == "insufficient"
    with pytest.raises(AssertionError, match="insufficient"):
        assert_fair(gm, "selection_rate.ratio >= 0.8", policy=Policy(insufficient="fail"))


def test_assert_no_findings(biased_audit, fair_audit):
    with pytest.raises(AssertionError, match="disparity"):
        assert_no_findings(biased_audit, severity="warning")
    assert_no_findings(fair_audit, severity="critical")
    with pytest.raises(ValueError, match="severity must be one of"):
        assert_no_findings(fair_audit, severity="fatal")
