import numpy as np
import pytest
from html_probe import Probe
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

import audit
from audit.datasets import make_biased_classification

FEATURES = ["proxy", "x0", "x1", "x2", "x3"]


@pytest.fixture(scope="module")
def reports():
    data = make_biased_classification(2000, bias=1.5, random_state=0)
    models = {
        "logreg": LogisticRegression().fit(data.X[FEATURES], data.y),
        "gbm": GradientBoostingClassifier(n_estimators=20, random_state=0).fit(
            data.X[FEATURES], data.y
        ),
    }
    return [
        audit.audit_model(
            m,
            data.X,
            data.y,
            sensitive_features="group",
            name=name,
            analyzers=["fairness", "weights"],
        )
        for name, m in models.items()
    ]


def test_weight_range_per_model_is_table_1(reports):
    comp = audit.compare(reports)
    ranges = comp.weight_ranges()
    assert list(ranges.index) == ["logreg", "gbm"]
    coefs = reports[0].weights.coefficients["coef"].to_numpy()
    assert ranges.loc["logreg", "min"] == pytest.approx(coefs.min())
    assert ranges.loc["logreg", "max"] == pytest.approx(coefs.max())
    assert ranges.loc["logreg", "count"] == len(coefs)
    importances = reports[1].weights.trees["importance"].to_numpy()
    assert ranges.loc["gbm", "max"] == pytest.approx(importances.max())


def test_disparities_side_by_side_equal_each_models_facts(reports):
    comp = audit.compare(reports)
    table = comp.disparities()
    for rep in reports:
        expected = rep.fairness.ratio(exclude_insufficient=True)["selection_rate"]
        assert table.loc[rep.model["name"], "selection_rate.ratio"] == pytest.approx(expected)


def test_flags_per_model_and_html(reports):
    comp = audit.compare(reports)
    flags = comp.flags()
    for rep in reports:
        codes = {f.code for f in rep.findings}
        row = flags.loc[rep.model["name"]]
        assert {c for c in flags.columns if row[c]} == codes
    html = comp.to_html()
    probe = Probe(html)
    assert {"verdict", "comparison"} <= probe.ids
    assert "Weight range per model" in html
    assert "script" not in probe.tags
    assert np.isfinite(comp.to_frame()["accuracy"]).all()
