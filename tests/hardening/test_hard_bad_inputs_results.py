"""Awkward inputs that are not errors: each gives a documented, explicit result.

"Insufficient evidence" verdicts, a ``skipped`` analyzer with its reason, a gate
rule that is ``MISSING`` with the reason in its table: never a silent pass and
never a number that looks like a finding when there was nothing to compare.
Row ids match the matrix in ``tests/README.md``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hard_support import N_ROWS, Small
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

import audit
from audit.fairness import VERDICT_INSUFFICIENT, VERDICT_OK, group_metrics
from audit.fairness._facts import _RATIO_UNDEFINED, _TOO_FEW_GROUPS
from audit.gates import assert_fair
from audit.weights import ZeroFeature, what_if


def _strict_json(text: str) -> dict:
    def refuse(token: str) -> None:
        raise AssertionError(f"non-standard JSON constant {token}")

    return json.loads(text, parse_constant=refuse)


def test_R01_one_class_y_gives_insufficient_evidence_for_tpr(small: Small) -> None:
    report = audit.audit_model(
        small.model,
        small.X,
        np.zeros(N_ROWS, dtype=int),
        sensitive_features="sex",
        analyzers=["fairness"],
    )
    gm = report.fairness
    assert gm.by_group["tpr"].isna().all()  # no positives: TPR is undefined, not 0
    assert (gm.verdicts["tpr"] == VERDICT_INSUFFICIENT).all()
    assert (gm.verdicts["fpr"] == VERDICT_OK).all()
    codes = [(f.code, f.subject) for f in report.findings]
    assert codes == [("insufficient_evidence", "tpr")]
    assert report.facts()["tpr.ratio"].value is None


def test_R02_all_equal_predictions(small: Small) -> None:
    constant = DummyClassifier(strategy="constant", constant=1).fit(small.X[["a", "b"]], small.y)
    report = audit.audit_model(
        constant, small.X, small.y, sensitive_features="sex", analyzers=["fairness", "weights"]
    )
    assert report.outputs["weights"].status == "skipped"
    assert "no per-feature weights" in report.outputs["weights"].reason
    gm = report.fairness
    np.testing.assert_array_equal(gm.by_group["selection_rate"], [1.0, 1.0])
    assert gm.ratio()["selection_rate"] == 1.0 and gm.difference()["selection_rate"] == 0.0
    assert not [f for f in report.findings if f.code.startswith("disparity")]
    with pytest.raises(AssertionError) as info:
        assert_fair(report, ["selection_rate.ratio >= 0.8", "tnr.ratio >= 0.8"])
    table = str(info.value)
    assert "selection_rate.ratio  pass" in table
    assert "tnr.ratio             MISSING" in table
    assert _RATIO_UNDEFINED.format(pair="female vs male") in table


def test_R03_sensitive_column_with_one_value(small: Small) -> None:
    report = audit.audit_model(
        small.model,
        small.X.assign(sex="female"),
        small.y,
        sensitive_features="sex",
        analyzers=["fairness"],
    )
    assert report.fairness.by_group.index.tolist() == ["female"]
    assert report.facts()["selection_rate.ratio"].value is None
    with pytest.raises(AssertionError) as info:
        assert_fair(report, "selection_rate.ratio >= 0.8")
    assert "MISSING" in str(info.value)
    assert _TOO_FEW_GROUPS.format(n=1) in str(info.value)


def test_R04_ten_thousand_distinct_groups() -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    X = pd.DataFrame({"a": rng.normal(size=n), "g": [f"g{i % 10_000}" for i in range(n)]})
    y = (X["a"] + rng.normal(size=n) > 0).astype(int)
    model = LogisticRegression().fit(X[["a"]], y)
    report = audit.audit_model(model, X, y, sensitive_features="g", analyzers=["fairness"])
    gm = report.fairness
    assert len(gm.by_group) == 10_000 and (gm.by_group["count"] == 2).all()
    assert (gm.verdicts.drop(columns=["count", "share"]) == VERDICT_INSUFFICIENT).all().all()
    assert [f.code for f in report.findings] == ["insufficient_evidence"]
    fact = report.facts()["selection_rate.ratio"]
    assert fact.value is None and len(fact.insufficient) == 10_000


def test_R05_single_row_runs_every_analyzer_without_failing(small: Small) -> None:
    report = audit.audit_model(
        small.model, small.X.iloc[:1], small.y.iloc[:1], sensitive_features="sex"
    )
    statuses = {name: out.status for name, out in report.outputs.items()}
    assert set(statuses.values()) <= {"ran", "skipped"}, statuses
    verdicts = report.fairness.verdicts.drop(columns=["count", "share"])
    assert (verdicts == VERDICT_INSUFFICIENT).all().all()
    assert [f.code for f in report.findings] == ["insufficient_evidence"]
    record = _strict_json(report.to_json())
    assert record["data"]["n_rows"] == 1


def test_R06_zero_weights_for_a_whole_group(small: Small) -> None:
    weights = np.where(small.X["sex"] == "female", 0.0, 1.0)
    gm = group_metrics(
        small.y,
        small.model.predict(small.X[["a", "b"]]),
        sensitive_features=small.X["sex"],
        sample_weight=weights,
    )
    female = gm.by_group.loc["female"]
    assert female["count"] == (small.X["sex"] == "female").sum() and female["share"] == 0.0
    assert np.isnan(female["selection_rate"])  # no weight: undefined, not 0
    assert gm.verdicts.loc["female", "selection_rate"] == VERDICT_INSUFFICIENT


def test_R07_analyzers_given_as_one_string(small: Small) -> None:
    report = audit.audit_model(
        small.model, small.X, small.y, sensitive_features="sex", analyzers="fairness"
    )
    assert list(report.outputs) == ["fairness"]


def test_R08_multiclass_model_gets_per_class_metrics(small: Small) -> None:
    y3 = np.arange(N_ROWS) % 3
    model = LogisticRegression().fit(small.X[["a", "b"]], y3)
    report = audit.audit_model(model, small.X, y3, sensitive_features="sex", analyzers=["fairness"])
    assert report.fairness.task == "multiclass"
    cols = report.fairness.by_group.columns
    assert {"selection_rate[0]", "selection_rate[1]", "selection_rate[2]"} <= set(cols)
    assert "selection_rate" not in cols


def test_R09_what_if_gap_with_one_group_is_nan(small: Small) -> None:
    result = what_if(
        small.model,
        small.X.assign(sex="female"),
        small.y,
        edits=[ZeroFeature("a")],
        sensitive_features="sex",
    )
    gaps = result.table[result.table["attribute"] == "sex"]
    assert len(gaps) == 4 and gaps[["original", "modified"]].isna().all().all()
    assert _strict_json(json.dumps(result.to_dict()))


def test_R10_no_sensitive_features_or_no_labels_skip_fairness(small: Small) -> None:
    no_groups = audit.audit_model(
        small.model, small.X, small.y, sensitive_features=[], analyzers=["fairness"]
    )
    assert no_groups.outputs["fairness"].status == "skipped"
    assert "No sensitive_features" in no_groups.outputs["fairness"].reason
    no_labels = audit.audit_model(
        small.model, small.X, None, sensitive_features="sex", analyzers=["fairness"]
    )
    assert no_labels.outputs["fairness"].status == "skipped"
    assert "No true labels" in no_labels.outputs["fairness"].reason


def test_R11_target_by_name_with_sensitive_values_from_outside(small: Small) -> None:
    frame = small.X.drop(columns="sex").assign(y=small.y)
    outside = small.X["sex"].rename("gender")  # the model never saw it; aligned with X
    report = audit.audit_model(
        small.model, frame, "y", sensitive_features=outside, analyzers=["fairness"]
    )
    assert report.fairness.sensitive_names == ("gender",)
    assert report.fairness.by_group["count"].sum() == N_ROWS
