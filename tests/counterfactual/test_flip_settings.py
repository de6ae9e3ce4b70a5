"""Flip settings and the ``flip_rate`` policy field are checked before any prediction."""

from __future__ import annotations

import math

import pytest
from sklearn.linear_model import LogisticRegression

import audit
from audit.counterfactual import flip_test
from audit.errors import DataValidationError, InvalidParameterError, UnknownColumnError
from audit.policy import Policy


class CountingLogisticRegression(LogisticRegression):
    """A real logistic regression that counts its prediction calls."""

    calls = 0

    def predict(self, X):  # type: ignore[no-untyped-def]
        type(self).calls += 1
        return super().predict(X)

    def predict_proba(self, X):  # type: ignore[no-untyped-def]
        type(self).calls += 1
        return super().predict_proba(X)


@pytest.fixture(scope="module")
def counting(data):
    X, y = data
    return CountingLogisticRegression().fit(X[["x0", "x1"]], y)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"proxy_fill": "random"}, "proxy_fill must be one of 'transport', 'sample', 'mode'"),
        ({"max_values": 1}, "max_values must be an int >= 2; got 1"),
        ({"max_values": 2.5}, "max_values must be an int >= 2; got 2.5"),
        ({"proxies": ["title"]}, "proxies must be None (detect them) or a mapping"),
        ({"proxies": {"sex": [1]}}, "proxies must be None (detect them) or a mapping"),
    ],
)
def test_bad_options_fail_before_any_prediction(counting, data, options, message):
    X, y = data
    CountingLogisticRegression.calls = 0
    with pytest.raises(InvalidParameterError) as info:
        audit.audit_model(
            counting, X, y, sensitive_features="sex", analyzer_options={"flip": options}
        )
    assert message in str(info.value)
    with pytest.raises(InvalidParameterError):
        flip_test(counting, X, sensitive_features="sex", **options)
    assert CountingLogisticRegression.calls == 0


def test_unknown_option_names_the_allowed_ones(counting, data):
    X, y = data
    with pytest.raises(InvalidParameterError, match="proxy_fill, proxies, max_values"):
        audit.audit_model(
            counting, X, y, sensitive_features="sex", analyzer_options={"flip": {"fill": "mode"}}
        )


def test_given_proxies_must_name_attributes_and_model_inputs(counting, data):
    X, _ = data
    with pytest.raises(DataValidationError, match="'race', which is not a sensitive attribute"):
        flip_test(counting, X, sensitive_features="sex", proxies={"race": ["x0"]})
    with pytest.raises(UnknownColumnError, match="title"):
        flip_test(counting, X, sensitive_features="sex", proxies={"sex": ["title"]})


@pytest.mark.parametrize("value", [-0.1, 1.5, math.nan, "0.01", True])
def test_policy_flip_rate_is_validated(value):
    with pytest.raises(InvalidParameterError, match="flip_rate"):
        Policy(flip_rate=value)
    assert Policy(flip_rate=0).flip_rate == 0.0
