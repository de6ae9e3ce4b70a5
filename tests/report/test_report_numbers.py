"""Numbers formatted by meaning: rates as percentages, counts with separators, noise as 0,
and a flagged value never printed equal to its threshold."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit._numbers import column_kind, fmt, parse_shown


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (0.2521, "rate", "25.2%"),
        (0.0, "rate", "0.0%"),
        (0.0004, "rate", "<0.1%"),
        (0.99996, "rate", ">99.9%"),
        (1.0, "rate", "100.0%"),
        (0.177, "pp", "17.7 pp"),
        (0.3012, "ratio", "0.30"),
        (0.91234, "score", "0.912"),
        (5421, "count", "5,421"),
        (5421.0, "count", "5,421"),
        (12.25, "count", "12.2"),  # a weighted count keeps a decimal
        (66.0, "number", "66"),  # not 66.000 beside 5,421
        (5421.0, "number", "5,421"),
        (1234.567, "number", "1,235"),
        (0.123456, "number", "0.123"),
        (12.3456, "number", "12.3"),
        (0.00123456, "number", "0.00123"),
        (-1.04e-17, "number", "0"),  # numerical noise
        (3.2e-6, "number", "3.20e-06"),
        (6.51e-216, "p", "<0.0001"),
        (0.0213, "p", "0.021"),
        (0.88487, "pct", "0.9%"),
        (None, "rate", "—"),
        (float("nan"), "ratio", "—"),
        (float("inf"), "number", "—"),
        (np.float64(0.5), "rate", "50.0%"),
        (np.int64(7), None, "7"),
        (True, None, "yes"),
        (("Female", "Black"), None, "Female & Black"),
    ],
)
def test_each_kind_of_number(value, kind, expected):
    assert fmt(value, kind) == expected


def test_noise_is_relative_to_the_scale_it_is_read_against():
    assert fmt(3e-13, "number", scale=1.0) == "0"
    assert fmt(3e-13, "number", scale=1e-9) == "3.00e-13"  # not noise next to 1e-9
    assert fmt(-2e-9, "number", scale=1e4) == "0"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("selection_rate", "rate"),
        ("tpr[1]", "rate"),
        ("share", "rate"),
        ("top_k_share", "rate"),
        ("selection rate", "rate"),
        ("TPR", "rate"),
        ("count", "count"),
        ("n_explained", "count"),
        ("p_adjusted", "p"),
        ("permutation_pct", "pct"),
        ("auc", "score"),
        ("scale_ratio", "ratio"),
        ("selection_rate.ratio", "ratio"),
        ("selection_rate.difference", "pp"),
        ("auc.difference", "score"),
        ("mae.difference", "number"),
        ("coef", "number"),
    ],
)
def test_column_names_say_what_kind_of_number_they_hold(name, kind):
    assert column_kind(name) == kind


@pytest.mark.parametrize(
    ("value", "threshold", "kind"),
    [
        (0.0503, 0.05, "rate"),  # "5.0% (threshold 5.0%)" was the bug
        (0.0496, 0.05, "rate"),
        (0.7996, 0.8, "ratio"),
        (0.1004, 0.1, "pp"),
        (0.5000001, 0.5, "rate"),
        (2.0004, 2.0, "number"),
    ],
)
def test_a_value_beside_its_threshold_never_looks_equal(value, threshold, kind):
    shown = fmt(value, kind, against=threshold)
    limit = fmt(threshold, kind, against=value)
    assert shown != limit, (shown, limit)
    # and the text still reads as the value, on the right side of the threshold
    assert (parse_shown(shown) > parse_shown(limit)) == (value > threshold)


rates = st.floats(0, 1, allow_nan=False)


@given(rates, rates)
def test_against_separates_any_two_different_rates(value, threshold):
    shown = fmt(value, "rate", against=threshold)
    if value == threshold:
        assert shown == fmt(value, "rate")
    elif abs(value - threshold) > 1e-8:  # beyond the six extra decimals fmt may add
        assert shown != fmt(threshold, "rate", against=value)


@given(st.floats(-1e9, 1e9, allow_nan=False), st.sampled_from(["number", "score", "ratio"]))
def test_shown_numbers_read_back_close_to_the_value(value, kind):
    shown = fmt(value, kind)
    if "e" in shown:
        assert math.isclose(float(shown), value, rel_tol=5e-3) or abs(value) < 1e-12
        return
    decimals = len(shown.split(".")[1]) if "." in shown else 0
    assert abs(parse_shown(shown) - value) <= 0.5 * 10**-decimals + 1e-9 + (abs(value) < 1e-12)
