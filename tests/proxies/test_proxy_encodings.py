"""A near-perfect encoding of a sensitive attribute is a finding whatever its reliance rank,
the model card says which attributes the model sees (directly or through an encoding), and
"uses the attribute directly" is decided by the data, not by a column's name."""

from __future__ import annotations

import html
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import audit
from audit.errors import InvalidParameterError
from audit.policy import Policy
from audit.proxies import (
    ENCODING_CODE,
    PROXY_CODE,
    SEEN_LABEL,
    Encoding,
    SeenAttribute,
    detect_proxies,
    direct_inputs,
    same_values,
)

CARD_LINE = "sex: through personal_status (V=1.00)"
USED = "sensitive_attribute_used"


@pytest.fixture(scope="module")
def german():
    """German credit: a scaler + one-hot LogisticRegression pipeline that never sees ``sex``."""
    from audit.datasets import load_german_credit

    df = load_german_credit()
    features = [c for c in df.columns if c not in ("credit_risk", "sex", "age_group")]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(df[c])]
    categorical = [c for c in features if c not in numeric]
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
        ]
    )
    model = Pipeline([("pre", pre), ("lr", LogisticRegression(max_iter=2000))])
    model.fit(df[features], df["credit_risk"])
    return model, df[features], df["credit_risk"], df["sex"]


@pytest.fixture(scope="module")
def german_report(german):
    model, X, y, sex = german
    return audit.audit_model(model, X, y, sensitive_features=sex, analyzers=["proxies"])


def test_personal_status_encoding_of_sex_is_a_finding(german_report):
    (finding,) = [f for f in german_report.findings if f.subject == "personal_status ~ sex"]
    assert finding.code in (ENCODING_CODE, PROXY_CODE)
    assert finding.severity == "warning"
    ev = finding.evidence
    assert ev["encoding"] is True and ev["encoding_threshold"] == 0.9
    assert ev["measure"] == "cramers_v" and ev["value"] == pytest.approx(1.0)
    assert ev["attribute_in_model"] is False
    assert "recover 'sex'" in finding.message
    if finding.code == ENCODING_CODE:  # not among the top features by reliance
        assert ev["reliance_rank"] > ev["top_k"]
        assert "Cramér's V 1.00" in finding.message
    assert german_report.data["sensitive_in_model"] == []


def test_the_encoding_rule_ignores_the_reliance_rank(german):
    model, X, y, sex = german
    result = detect_proxies(model, X, sex, y=y, policy=Policy(proxy_top_k=0))
    assert result.proxies.empty  # the reliance rule flags nothing with top_k = 0
    encodings = result.encodings
    assert encodings[["feature", "attribute"]].values.tolist() == [["personal_status", "sex"]]
    (seen,) = result.seen
    assert seen == SeenAttribute(
        "sex",
        directly=False,
        encodings=(Encoding("personal_status", "cramers_v", seen.encodings[0].value),),
    )
    assert seen.encodings[0].value == pytest.approx(1.0)
    assert seen.text() == CARD_LINE
    report = audit.audit_model(
        model, X, y, sensitive_features=sex, analyzers=["proxies"], policy=Policy(proxy_top_k=0)
    )
    (finding,) = [f for f in report.findings if f.subject == "personal_status ~ sex"]
    assert finding.code == ENCODING_CODE
    assert "Cramér's V 1.00" in finding.message
    assert "whatever its reliance rank" in finding.message
    # a stricter threshold than the data reaches: no encoding, no finding
    strict = detect_proxies(
        model, X, sex, y=y, policy=Policy(proxy_top_k=0, proxy_encoding=1.0)
    ).encodings
    assert strict.empty or strict["association"].min() >= 1.0


def test_model_card_lists_the_encoding_in_html_and_json(german_report):
    page = german_report.to_html()
    assert html.escape(SEEN_LABEL) in page
    assert html.escape(CARD_LINE) in page
    assert "Sensitive attributes the model sees</" not in page  # the old, misleading row
    record = json.loads(german_report.to_json())
    seen = record["analyzers"]["proxies"]["result"]["seen"]
    assert seen == [
        {
            "attribute": "sex",
            "directly": False,
            "encodings": [
                {
                    "feature": "personal_status",
                    "measure": "cramers_v",
                    "value": pytest.approx(1.0),
                }
            ],
        }
    ]


def test_model_card_without_the_proxy_analysis_says_encodings_were_not_checked(german):
    model, X, y, sex = german
    report = audit.audit_model(model, X, y, sensitive_features=sex, analyzers=["weights"])
    page = report.to_html()
    assert html.escape("none directly; encodings not checked") in page


def test_card_line_is_escaped():
    rng = np.random.default_rng(1)
    n = 800
    female = rng.random(n) < 0.5
    name = "<b>st&tus</b>"
    X = pd.DataFrame({name: female.astype(float), "x": rng.normal(size=n)})
    y = (X["x"] + 0.3 * X[name] + rng.normal(size=n) > 0).astype(int)
    sex = pd.Series(np.where(female, "female", "male"), name="sex")
    model = LogisticRegression().fit(X, y)
    report = audit.audit_model(model, X, y, sensitive_features=sex, analyzers=["proxies"])
    page = report.to_html()
    assert html.escape(f"sex: through {name} (η=1.00)") in page
    assert name not in page


# ---------------------------------------------------------------- direct use, by the data
@pytest.fixture(scope="module")
def uses_a():
    """A linear model that leans on its binary input ``a``."""
    rng = np.random.default_rng(0)
    n = 1500
    X = pd.DataFrame(
        {"a": (rng.random(n) < 0.5).astype(int), "b": rng.normal(size=n), "c": rng.normal(size=n)}
    )
    y = (2.0 * X["a"] + 0.5 * X["b"] + rng.normal(size=n) > 1).astype(int)
    return LogisticRegression().fit(X, y), X, y


def test_a_sensitive_series_named_like_a_feature_is_not_direct_use(uses_a):
    model, X, y = uses_a
    other = pd.Series(np.random.default_rng(7).choice(["p", "q"], len(X)), name="a")
    report = audit.audit_model(
        model, X, y, sensitive_features=other, analyzers=["weights", "proxies"]
    )
    assert report.data["sensitive_in_model"] == []
    assert not [f for f in report.findings if f.code == USED]
    assert not any("directly" in f.title for f in report.findings)
    # the feature that shares the name is measured like any other: unrelated, so no encoding
    table = report.proxies.table.set_index("feature")
    assert "a" in table.index and not table.loc["a", "is_encoding"]
    assert html.escape(f"{SEEN_LABEL}") in (page := report.to_html())
    assert report.proxies.seen[0].text() == "a: no"
    assert "directly" not in page.split(html.escape(SEEN_LABEL))[1].split("</tr>")[0]


def test_a_recoding_named_like_the_feature_is_an_encoding_not_direct_use(uses_a):
    model, X, y = uses_a
    recoded = pd.Series(np.where(X["a"] == 1, "yes", "no"), name="a")
    result = detect_proxies(model, X, recoded, y=y)
    assert result.sensitive_in_model == ()
    (seen,) = result.seen
    assert not seen.directly and [e.feature for e in seen.encodings] == ["a"]
    assert seen.text() == "a: through a (η=1.00)"  # a is numeric: correlation ratio


@pytest.mark.parametrize(
    "sensitive",
    [
        pytest.param(lambda X: "a", id="column-name"),
        pytest.param(lambda X: X["a"].copy(), id="equal-series"),
        pytest.param(lambda X: X["a"].rename("group"), id="equal-series-other-name"),
    ],
)
def test_real_direct_use_is_still_detected(uses_a, sensitive):
    model, X, y = uses_a
    given = sensitive(X)
    report = audit.audit_model(
        model, X, y, sensitive_features=given, analyzers=["weights", "proxies"]
    )
    attribute = "a" if isinstance(given, str) else given.name
    assert report.data["sensitive_in_model"] == [attribute]
    assert report.proxies.seen[0].directly
    assert html.escape(f"{attribute}: directly") in report.to_html()
    if attribute == "a":  # the weights are per input column, so found under the column's name
        (used,) = [f for f in report.findings if f.code == USED]
        assert used.subject == "a"
    # the attribute itself is never its own proxy or encoding
    assert "a" not in set(report.proxies.table["feature"])


def test_direct_inputs_compare_values_row_for_row():
    X = pd.DataFrame(
        {
            "sex": ["f", "m", "f", "m"],
            "code": [1, 2, 1, 2],
            "gender": pd.Categorical(["f", "m", "f", "m"]),
            "n": [1.0, np.nan, 3.0, 4.0],
        }
    )
    sensitive = pd.DataFrame(
        {
            "sex": ["m", "f", "m", "f"],  # the name of a column, other values
            "g": ["f", "m", "f", "m"],  # the values of two columns, other name
            "code": ["1", "2", "1", "2"],  # text, not the numbers
            "n": [1, np.nan, 3, 4],  # missing in the same row counts as equal
        }
    )
    assert direct_inputs(X, sensitive, list(X.columns)) == {"g": "sex", "n": "n"}
    assert direct_inputs(X, sensitive, ["gender", "code"]) == {"g": "gender"}
    assert direct_inputs(X, None, list(X.columns)) == {}
    assert same_values(np.arange(3), [0.0, 1.0, 2.0])
    assert not same_values([1, 2], [1, 2, 3])


def test_policy_proxy_encoding_is_validated():
    assert Policy().proxy_encoding == 0.9
    assert Policy().replace(proxy_encoding=0.95).proxy_encoding == 0.95
    assert Policy().to_dict()["proxy_encoding"] == 0.9
    for bad in (0.0, 1.5, float("nan"), "0.9", True):
        with pytest.raises(InvalidParameterError, match="proxy_encoding"):
            Policy(proxy_encoding=bad)
