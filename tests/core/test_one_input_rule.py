"""One input rule for every entry point: ``audit_model`` and ``group_metrics`` agree.

The same unnamed sensitive array gets the same name, the same length mismatch
the same message, a bad setting the same error class, and ``random_state=None``
the same meaning (fresh OS entropy; the seed drawn is recorded, so the record
can be reproduced).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import audit
from audit import _inputs as core
from audit.datasets import make_biased_classification
from audit.errors import DataValidationError, InvalidParameterError, LengthMismatchError
from audit.fairness import group_metrics

COLUMNS = ["proxy", "x0", "x1", "x2", "x3"]


@pytest.fixture(scope="module")
def setup():
    d = make_biased_classification(2000, bias=1.0, random_state=5)
    model = LogisticRegression().fit(d.X[COLUMNS], d.y)
    X = d.X.drop(columns="group")
    groups = d.X["group"].to_numpy()
    y_pred = model.predict(X[COLUMNS])
    return model, X, d.y, groups, y_pred


def _audit(setup, **changes: Any) -> Any:
    model, X, y, groups, _ = setup
    kwargs: dict[str, Any] = {"sensitive_features": groups, "analyzers": ["fairness"]}
    kwargs.update(changes)
    return audit.audit_model(model, X, kwargs.pop("y", y), **kwargs)


def _gm(setup, **changes: Any) -> Any:
    _, _, y, groups, y_pred = setup
    kwargs: dict[str, Any] = {"sensitive_features": groups}
    kwargs.update(changes)
    return group_metrics(kwargs.pop("y_true", y.to_numpy()), y_pred, **kwargs)


# ------------------------------------------------------------------ one naming rule
def test_unnamed_array_gets_one_name_everywhere(setup):
    names = _audit(setup).fairness.sensitive_names
    assert names == _gm(setup).sensitive_names == ("sensitive_feature_0",)


def test_unnamed_2d_array_gets_one_name_per_column_everywhere(setup):
    _, X, _, groups, _ = setup
    two = np.column_stack([groups, np.where(X["x0"] > 0, "hi", "lo")])
    names = _audit(setup, sensitive_features=two).fairness.sensitive_names
    expected = ("sensitive_feature_0", "sensitive_feature_1")
    assert names == _gm(setup, sensitive_features=two).sensitive_names == expected


def test_named_series_keeps_its_name_everywhere(setup):
    _, _, _, groups, _ = setup
    s = pd.Series(groups, name="sex")
    assert _audit(setup, sensitive_features=s).fairness.sensitive_names == ("sex",)
    assert _gm(setup, sensitive_features=s).sensitive_names == ("sex",)


def test_labels_that_read_alike_are_one_typed_error_everywhere(setup):
    _, _, _, groups, _ = setup
    # ints and strings: 1 and '1' would be two groups that both read "1"
    mixed = np.array([1 if g == "A" else "1" for g in groups], dtype=object)
    messages = []
    for call in (_audit, _gm):
        with pytest.raises(DataValidationError) as info:
            call(setup, sensitive_features=mixed)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert messages[0] == core.MIXED_SENSITIVE.format(
        name="sensitive_feature_0", first=1, second="1"
    ) or messages[0] == core.MIXED_SENSITIVE.format(name="sensitive_feature_0", first="1", second=1)


# ------------------------------------------------------------------ one length check
def _message(fn) -> str:
    with pytest.raises(LengthMismatchError) as info:
        fn()
    return str(info.value)


@pytest.mark.parametrize("what", ["sample_weight", "sensitive_features"])
def test_same_length_mismatch_same_message(setup, what):
    _, X, _, groups, _ = setup
    short = {"sample_weight": np.ones(len(X) - 3), "sensitive_features": groups[:-3]}[what]
    from_audit = _message(lambda: _audit(setup, **{what: short}))
    from_gm = _message(lambda: _gm(setup, **{what: short}))
    # only the name of the reference input differs (X there, y_true here)
    assert from_audit.replace("X has", "y_true has") == from_gm
    assert from_gm == core.LENGTH_MISMATCH.format(
        reference="y_true", n=len(X), others=f"{what} has {len(X) - 3}"
    )


def test_short_labels_same_message(setup):
    _, X, y, _, _ = setup
    from_audit = _message(lambda: _audit(setup, y=y.to_numpy()[:-1]))
    from_gm = _message(lambda: _gm(setup, y_true=np.r_[y.to_numpy(), 0]))
    template = core.LENGTH_MISMATCH.format(reference="{a}", n="{n}", others="{b} has {m}")
    assert from_audit == template.format(a="X", n=len(X), b="y", m=len(X) - 1)
    assert from_gm == template.format(a="y_true", n=len(X) + 1, b="y_pred", m=len(X))


# ------------------------------------------------------------------ one error class
BAD_N_BOOT = [-1, 2.5, "100", True]
BAD_RANDOM_STATE = [-1, 1.5, "0", True, 2**32, np.random.RandomState(0)]


@pytest.mark.parametrize("value", BAD_N_BOOT, ids=repr)
def test_bad_n_boot_is_an_invalid_parameter_everywhere(setup, value):
    for call in (_audit, _gm):
        with pytest.raises(InvalidParameterError, match="n_boot must be") as info:
            call(setup, n_boot=value)
        assert isinstance(info.value, DataValidationError)  # old except clauses still work


@pytest.mark.parametrize("value", BAD_RANDOM_STATE, ids=lambda v: type(v).__name__ + repr(v)[:8])
def test_bad_random_state_is_an_invalid_parameter_everywhere(setup, value):
    for call in (_audit, _gm):
        with pytest.raises(InvalidParameterError, match="random_state must be None"):
            call(setup, random_state=value, n_boot=10)


@pytest.mark.parametrize(("name", "value"), [("ci", 1.0), ("ci", "0.9"), ("min_count", -1)])
def test_bad_ci_and_min_count_are_invalid_parameters(setup, name, value):
    with pytest.raises(InvalidParameterError, match=f"{name} must be"):
        _gm(setup, **{name: value})


def test_settings_are_checked_before_the_data(setup):
    bad_rows = np.ones(3)
    with pytest.raises(InvalidParameterError):
        _audit(setup, sample_weight=bad_rows, random_state=-1)
    with pytest.raises(InvalidParameterError):
        _gm(setup, sample_weight=bad_rows, random_state=-1)


# ------------------------------------------------------------------ one meaning of None
def test_none_means_fresh_entropy_in_group_metrics(setup):
    first = _gm(setup, n_boot=200, random_state=None)
    second = _gm(setup, n_boot=200, random_state=None)
    assert isinstance(first.random_state, int) and isinstance(second.random_state, int)
    assert first.random_state != second.random_state
    assert not first.ci_low.equals(second.ci_low)
    # the recorded seed reproduces the intervals exactly
    again = _gm(setup, n_boot=200, random_state=first.random_state)
    assert again.ci_low.equals(first.ci_low) and again.ci_high.equals(first.ci_high)


def test_none_means_fresh_entropy_in_audit_model_and_is_recorded(setup):
    first = _audit(setup, n_boot=100, random_state=None)
    second = _audit(setup, n_boot=100, random_state=None)
    assert isinstance(first.random_state, int) and 0 <= first.random_state <= core.MAX_SEED
    assert first.random_state != second.random_state
    record = json.loads(first.to_json())
    assert record["random_state"] == first.random_state
    assert record["facts"] != json.loads(second.to_json())["facts"]  # other bootstrap draws
    # re-running with the recorded seed reproduces the record's fairness facts exactly
    rerun = json.loads(_audit(setup, n_boot=100, random_state=record["random_state"]).to_json())
    assert rerun["facts"] == record["facts"]
    assert rerun["analyzers"]["fairness"] == record["analyzers"]["fairness"]
    assert rerun["random_state"] == record["random_state"]


def test_an_int_seed_is_kept_as_given(setup):
    assert _audit(setup, random_state=7).random_state == 7
    assert _gm(setup, n_boot=5, random_state=np.int64(7)).random_state == 7
    assert _gm(setup).random_state is None  # nothing random was drawn
