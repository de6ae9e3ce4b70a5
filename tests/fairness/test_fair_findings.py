"""Findings under the default policy and overrides: thresholds, CIs, insufficient evidence."""

from __future__ import annotations

import json

import numpy as np

from audit.fairness import FINDING_CODES, group_metrics
from audit.findings import Finding
from audit.policy import Policy

SELECTION_ONLY = Policy(ratio_metrics=("selection_rate",), difference_metrics=("selection_rate",))
DISPARITY_KEYS = {
    "metric",
    "method",
    "reference",
    "groups",
    "values",
    "denominators",
    "threshold",
    "warning_threshold",
    "critical_threshold",
    "ci",
    "ci_level",
    "n_boot",
    "excludes_parity",
    "downgraded",
}


def _rows(rates: dict[str, tuple[int, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Groups with exact selection rates: name -> (rows, selection rate)."""
    y_true, y_pred, group = [], [], []
    for name, (n, rate) in rates.items():
        selected = round(n * rate)
        y_pred.append(np.r_[np.ones(selected), np.zeros(n - selected)])
        y_true.append(np.tile([1, 0], n // 2 + 1)[:n])
        group.append([name] * n)
    return (
        np.concatenate(y_true).astype(int),
        np.concatenate(y_pred).astype(int),
        np.concatenate(group),
    )


def _by_code(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def test_four_fifths_rule_and_difference_thresholds() -> None:
    y_true, y_pred, group = _rows({"a": (400, 0.5), "b": (400, 0.38)})
    findings = group_metrics(y_true, y_pred, sensitive_features=group).findings(SELECTION_ONLY)
    (ratio,) = _by_code(findings, "disparity_ratio")
    assert ratio.severity == "warning"  # 0.76 < 0.8
    assert ratio.evidence["ratio"] == 0.38 / 0.5
    assert ratio.evidence["groups"] == ["b", "a"]
    assert ratio.evidence["values"] == [0.38, 0.5]
    assert ratio.evidence["threshold"] == 0.8
    assert set(ratio.evidence) == DISPARITY_KEYS | {"ratio"}
    (diff,) = _by_code(findings, "disparity_difference")
    assert diff.severity == "warning"  # 0.12 > 0.1
    assert set(diff.evidence) == DISPARITY_KEYS | {"difference"}
    assert np.isclose(diff.evidence["difference"], 0.12)
    assert all(f.analyzer == "fairness" for f in findings)
    assert {f.code for f in findings} <= set(FINDING_CODES)


def test_critical_without_bootstrap() -> None:
    y_true, y_pred, group = _rows({"a": (400, 0.5), "b": (400, 0.25)})
    findings = group_metrics(y_true, y_pred, sensitive_features=group).findings(SELECTION_ONLY)
    assert [f.severity for f in findings] == ["critical", "critical"]
    assert findings[0].evidence["ci"] is None


def test_no_finding_at_parity() -> None:
    y_true, y_pred, group = _rows({"a": (400, 0.5), "b": (400, 0.48)})
    gm = group_metrics(y_true, y_pred, sensitive_features=group)
    assert gm.findings(SELECTION_ONLY) == []


def test_critical_only_when_the_interval_excludes_parity() -> None:
    # large groups: the interval excludes parity, critical stays critical
    y_true, y_pred, group = _rows({"a": (2000, 0.5), "b": (2000, 0.25)})
    gm = group_metrics(
        y_true, y_pred, sensitive_features=group, n_boot=400, random_state=0, min_count=30
    )
    findings = gm.findings(SELECTION_ONLY)
    assert [f.severity for f in findings] == ["critical", "critical"]
    ratio = _by_code(findings, "disparity_ratio")[0]
    assert ratio.evidence["excludes_parity"] is True
    assert ratio.evidence["ci"][1] < 1 and ratio.evidence["ci_level"] == 0.95
    # small groups: same rates, the interval includes parity, downgraded to warning
    y_true, y_pred, group = _rows({"a": (30, 0.5), "b": (30, 0.27)})
    gm = group_metrics(y_true, y_pred, sensitive_features=group, n_boot=400, random_state=0)
    findings = gm.findings(SELECTION_ONLY)
    ratio = _by_code(findings, "disparity_ratio")[0]
    assert ratio.evidence["ratio"] < 0.6
    assert ratio.severity == "warning"
    assert ratio.evidence["downgraded"] is True
    assert ratio.evidence["excludes_parity"] is False
    # the corrected parity test of the pair decides (the statistic's own interval, min/max
    # recomputed per replicate, lies below 1 by construction, so it cannot)
    assert ratio.evidence["p_adjusted"] >= 0.05
    assert ratio.evidence["n_comparisons"] == 1 and ratio.evidence["correction"] == "holm"


def test_insufficient_groups_are_not_judged_but_reported() -> None:
    y_true, y_pred, group = _rows({"a": (400, 0.5), "b": (400, 0.49), "tiny": (10, 0.0)})
    gm = group_metrics(y_true, y_pred, sensitive_features=group)
    findings = gm.findings(SELECTION_ONLY)
    assert _by_code(findings, "disparity_ratio") == []
    assert _by_code(findings, "disparity_difference") == []
    (insufficient,) = _by_code(findings, "insufficient_evidence")
    assert insufficient.severity == "warning"
    ev = insufficient.evidence
    assert ev["groups"] == ["tiny"] and ev["metrics"] == ["selection_rate"]
    assert ev["min_count"] == 30
    assert ev["items"] == [
        {"group": "tiny", "metric": "selection_rate", "denominator": 10.0, "value": 0.0}
    ]
    # counting the tiny group would fail both checks: they are reported as unresolved
    assert [(u["metric"], u["kind"]) for u in ev["unresolved"]] == [
        ("selection_rate", "ratio"),
        ("selection_rate", "difference"),
    ]
    assert "tiny" in ev["unresolved"][0]["groups"]


def test_insufficient_is_info_when_the_policy_passes_it() -> None:
    y_true, y_pred, group = _rows({"a": (400, 0.5), "tiny": (10, 0.5)})
    policy = SELECTION_ONLY.replace(insufficient="pass")
    findings = group_metrics(y_true, y_pred, sensitive_features=group).findings(policy)
    assert [(f.code, f.severity) for f in findings] == [("insufficient_evidence", "info")]


def test_policy_thresholds_are_used() -> None:
    y_true, y_pred, group = _rows({"a": (400, 0.5), "b": (400, 0.43)})
    gm = group_metrics(y_true, y_pred, sensitive_features=group)
    assert gm.findings(SELECTION_ONLY) == []
    strict = SELECTION_ONLY.replace(ratio_warning=0.9, difference_warning=0.05)
    assert {f.code for f in gm.findings(strict)} == {"disparity_ratio", "disparity_difference"}


def test_default_policy_checks_tpr_tnr_precision_and_fpr() -> None:
    rng = np.random.default_rng(0)
    n = 4000
    group = rng.choice(np.array(["a", "b"]), n)
    y_true = rng.integers(0, 2, n)
    # group b: the model misses most positives and flags many negatives
    flip = np.where(group == "b", 0.6, 0.1)
    y_pred = np.where(rng.random(n) < flip, 1 - y_true, y_true)
    findings = group_metrics(y_true, y_pred, sensitive_features=group).findings()
    subjects = {(f.code, f.subject) for f in findings}
    assert ("disparity_ratio", "tpr") in subjects
    assert ("disparity_ratio", "tnr") in subjects
    assert ("disparity_difference", "fpr") in subjects
    assert ("disparity_difference", "tpr") in subjects
    assert findings[0].severity == "critical"


def test_reference_group_pairs() -> None:
    y_true, y_pred, group = _rows({"a": (600, 0.5), "b": (400, 0.45), "c": (400, 0.3)})
    gm = group_metrics(y_true, y_pred, sensitive_features=group, reference="largest")
    ratio = _by_code(gm.findings(SELECTION_ONLY), "disparity_ratio")[0]
    assert ratio.evidence["reference"] == "a"
    assert ratio.evidence["groups"] == ["c", "a"]
    assert ratio.evidence["method"] == "to_reference"


def test_findings_serialise_to_json() -> None:
    y_true, y_pred, group = _rows({"a": (400, 0.5), "b": (400, 0.25), "tiny": (5, 1.0)})
    gm = group_metrics(y_true, y_pred, sensitive_features=group, n_boot=100, random_state=0)
    text = json.dumps([f.to_dict() for f in gm.findings()])
    assert "insufficient_evidence" in text
    json.dumps(gm.to_dict())


def test_multiclass_policy_metrics_apply_per_class() -> None:
    rng = np.random.default_rng(2)
    n = 3000
    group = rng.choice(np.array(["a", "b"]), n)
    y_true = rng.choice(np.array(["x", "y", "z"]), n)
    y_pred = np.where((group == "b") & (y_true == "x"), "y", y_true)
    findings = group_metrics(y_true, y_pred, sensitive_features=group).findings()
    assert ("disparity_ratio", "tpr[x]") in {(f.code, f.subject) for f in findings}
