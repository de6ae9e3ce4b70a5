"""The data analyzer: first section of the report, same numbers as ``check_data``, fast."""

from __future__ import annotations

import json
import math
import time

import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import audit
from audit.analyzers import ANALYZERS
from audit.data_checks import check_data
from audit.errors import InvalidParameterError
from audit.policy import Policy
from audit.rules import known_fact_names

NUMERIC = ["age", "education_num", "hours_per_week"]
CATEGORICAL = ["workclass", "occupation", "sex"]
REFERENCE = {"sex": {"Female": 0.5, "Male": 0.5}}


@pytest.fixture(scope="module")
def model(adult):
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), NUMERIC),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="unknown"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                CATEGORICAL,
            ),
        ]
    )
    model = Pipeline([("pre", pre), ("lr", LogisticRegression(max_iter=1000))])
    return model.fit(adult[NUMERIC + CATEGORICAL], adult["income"])


@pytest.fixture(scope="module")
def report(model, adult):
    return audit.audit_model(
        model,
        adult.drop(columns="income"),
        adult["income"],
        sensitive_features=["sex", "race"],
        n_boot=0,
        analyzers=["fairness", "weights", "proxies", "data"],  # listed last, shown first
        analyzer_options={"data": {"reference": REFERENCE}},
    )


def test_data_is_registered_first_and_its_section_comes_first(report):
    assert next(iter(ANALYZERS)) == "data"
    assert report.outputs["data"].status == "ran"
    html = report.to_html()
    data_at = html.index('id="section-data"')
    for other in ("section-fairness", "section-weights", "section-proxies"):
        assert data_at < html.index(f'id="{other}"')
    section = html[data_at : html.index("</section>", data_at)]
    for title in ("Representation", "Label base rate per group", "Missing values per group"):
        assert title in section


def test_the_audit_equals_check_data(report, adult):
    alone = check_data(adult, "income", sensitive_features=["sex", "race"], reference=REFERENCE)
    checks = report.data_checks
    for name in ("representation", "goodness_of_fit", "base_rates", "missing", "differences"):
        pd.testing.assert_frame_equal(getattr(checks, name), getattr(alone, name), obj=name)
    assert checks.facts() == alone.facts()


def test_facts_findings_and_json(report):
    facts = report.facts()
    for path in ("data.min_group_share", "data.representation_ratio", "data.base_rate_ratio"):
        assert path in facts and path in known_fact_names()
        assert facts[path].value is not None and math.isfinite(facts[path].value)
    codes = {f.code for f in report.findings if f.analyzer == "data"}
    assert {"under_representation", "label_imbalance"} <= codes
    record = json.loads(report.to_json())
    result = record["analyzers"]["data"]["result"]
    assert {"representation", "goodness_of_fit", "base_rates", "missing", "differences"} <= set(
        result
    )
    fact = report.data_checks.facts()["data.base_rate_ratio"]
    assert record["facts"]["data.base_rate_ratio"]["value"] == pytest.approx(fact.value)
    assert record["facts"]["data.base_rate_ratio"]["groups"] == fact.groups


def test_bad_reference_fails_before_any_work(model, adult):
    with pytest.raises(InvalidParameterError, match="reference must be a mapping"):
        audit.audit_model(
            model,
            adult.drop(columns="income"),
            adult["income"],
            sensitive_features="sex",
            analyzer_options={"data": {"reference": [0.5, 0.5]}},
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_group_share", 1.5), ("min_group_share", "0.05"), ("representation_ratio", -0.2)],
)
def test_policy_fields_are_validated(field, value):
    with pytest.raises(InvalidParameterError, match=field):
        Policy(**{field: value})


def test_five_thousand_rows_take_well_under_a_second(adult):
    check_data(adult.head(100), "income", sensitive_features="sex")  # imports
    start = time.perf_counter()
    check_data(adult, "income", sensitive_features=["sex", "race"], reference=REFERENCE)
    assert time.perf_counter() - start < 1.0
