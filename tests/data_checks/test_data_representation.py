"""Group counts and shares, and the goodness of fit to a reference, against pandas and scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chisquare

from audit.data_checks import UNDER_CODE, check_data
from audit.errors import DataValidationError, InvalidParameterError
from audit.policy import Policy

RACE = {"White": 0.6, "Black": 0.13, "Asian-Pac-Islander": 0.06, "Amer-Indian-Eskimo": 0.01}
RACE_OTHER = 0.2


def test_counts_and_shares_equal_value_counts(adult):
    checks = check_data(adult, "income", sensitive_features=["sex", "race"])
    rep = checks.representation.set_index(["attribute", "group"])
    for attribute in ("sex", "race"):
        counts = adult[attribute].value_counts()
        shares = adult[attribute].value_counts(normalize=True)
        for group in counts.index:
            assert rep.loc[(attribute, group), "count"] == counts[group]
            assert rep.loc[(attribute, group), "share"] == pytest.approx(shares[group])
    assert rep["reference_share"].isna().all() and checks.goodness_of_fit.empty
    low = rep["share"].idxmin()
    fact = checks.facts()["data.min_group_share"]
    assert fact.value == pytest.approx(rep["share"].min())
    assert fact.groups == f"{low[0]}: {low[1]}"
    assert "data.representation_ratio" not in checks.facts()


def test_reference_ratio_and_chi_square_equal_scipy(adult):
    reference = {"race": {**RACE, "Other": RACE_OTHER}, "sex": {"Female": 1, "Male": 1}}
    checks = check_data(adult, "income", sensitive_features=["sex", "race"], reference=reference)
    rep = checks.representation.set_index(["attribute", "group"])
    fit = checks.goodness_of_fit.set_index("attribute")
    for attribute, shares in reference.items():
        total = sum(shares.values())
        groups = list(shares)
        observed = adult[attribute].value_counts().reindex(groups).to_numpy()
        expected = np.array([shares[g] / total for g in groups]) * len(adult)
        test = chisquare(observed, expected)
        assert fit.loc[attribute, "chi2"] == pytest.approx(test.statistic)
        assert fit.loc[attribute, "p_value"] == pytest.approx(test.pvalue, rel=1e-9, abs=1e-300)
        assert fit.loc[attribute, "dof"] == len(groups) - 1
        share = adult[attribute].value_counts(normalize=True)
        for g in groups:
            assert rep.loc[(attribute, g), "reference_share"] == pytest.approx(shares[g] / total)
            ratio = share[g] / (shares[g] / total)
            assert rep.loc[(attribute, g), "reference_ratio"] == pytest.approx(ratio)
    worst = rep["reference_ratio"].idxmin()
    assert worst == ("race", "Other")
    assert checks.facts()["data.representation_ratio"].value == pytest.approx(
        rep["reference_ratio"].min()
    )


def test_under_representation_findings(adult):
    reference = {"race": {**RACE, "Other": RACE_OTHER}}  # shares summing to 1
    checks = check_data(adult, sensitive_features=["race"], reference=reference)
    findings = [f for f in checks.findings() if f.code == UNDER_CODE]
    share = adult["race"].value_counts(normalize=True)
    by_share = {f.evidence["group"] for f in findings if f.evidence["basis"] == "share"}
    assert by_share == set(share[share < 0.05].index)
    ratio = share / pd.Series(reference["race"])
    by_reference = {f.evidence["group"] for f in findings if f.evidence["basis"] == "reference"}
    assert by_reference == set(ratio[ratio < 0.8].index)
    (other,) = [f for f in findings if f.subject == "race: Other" and "p_value" in f.evidence]
    assert other.evidence["p_value"] < 1e-10 and "chi-square" in other.message
    lenient = check_data(adult, sensitive_features="race", policy=Policy(min_group_share=0))
    assert [f for f in lenient.findings() if f.code == UNDER_CODE] == []


def test_a_reference_group_absent_from_the_data_has_count_zero(adult):
    checks = check_data(
        adult, sensitive_features="sex", reference={"Female": 0.45, "Male": 0.45, "Other": 0.1}
    )
    row = checks.representation.set_index("group").loc["Other"]
    assert row["count"] == 0 and row["share"] == 0 and row["reference_ratio"] == 0
    assert checks.facts()["data.min_group_share"].value == 0


@pytest.mark.parametrize(
    ("reference", "error", "message"),
    [
        ({"Female": 1.0}, DataValidationError, "no share for the group(s) 'Male'"),
        ({"Female": 0.0, "Male": 1.0}, DataValidationError, "share of 0"),
        ({"Female": -0.1, "Male": 1.0}, InvalidParameterError, "finite numbers >= 0"),
        ({"Female": "half", "Male": 0.5}, InvalidParameterError, "got 'half' for group 'Female'"),
        ([0.5, 0.5], InvalidParameterError, "reference must be a mapping"),
        ({"race": {"White": 1.0}}, DataValidationError, "'race', which is not a sensitive"),
    ],
)
def test_bad_references_say_what_is_wrong(adult, reference, error, message):
    with pytest.raises(error) as info:
        check_data(adult, sensitive_features="sex", reference=reference)
    assert message in str(info.value)


def test_a_flat_reference_needs_a_single_attribute(adult):
    with pytest.raises(DataValidationError, match="one mapping per attribute"):
        check_data(
            adult, sensitive_features=["sex", "race"], reference={"Female": 0.5, "Male": 0.5}
        )
