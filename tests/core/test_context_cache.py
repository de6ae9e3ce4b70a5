"""The context computes a derived quantity once, failures included (DESIGN.md, "The core")."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression

from audit.context import build_context
from audit.datasets import make_biased_classification


@pytest.fixture(scope="module")
def ctx():
    data = make_biased_classification(300, random_state=0)
    X = data.X.drop(columns=[data.sensitive])
    model = LogisticRegression().fit(X, data.y)
    return build_context(model, X, data.y, sensitive_features=data.X[data.sensitive])


def test_a_value_is_computed_once(ctx) -> None:
    calls = []
    first = ctx.derived(("test", "value"), lambda: calls.append(1) or object())
    again = ctx.derived(("test", "value"), lambda: calls.append(1) or object())
    assert first is again and calls == [1]
    assert ctx.is_derived(("test", "value"))


def test_a_failure_is_paid_for_once_and_re_raised(ctx) -> None:
    calls = []

    def fails() -> None:
        calls.append(1)
        raise ValueError("shap could not explain this model")

    for _ in range(3):
        with pytest.raises(ValueError, match="shap could not explain"):
            ctx.derived(("test", "failure"), fails)
    assert calls == [1]
