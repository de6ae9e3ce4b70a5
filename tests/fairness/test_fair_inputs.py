"""Every validation error: its type and its message (compared with the module constants)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from audit import _inputs as core
from audit.errors import (
    DataValidationError,
    InvalidParameterError,
    LengthMismatchError,
    MissingValueError,
)
from audit.fairness import _custom as custom_mod
from audit.fairness import _engine as engine
from audit.fairness import _group_metrics as gm_mod
from audit.fairness import _groups as groups_mod
from audit.fairness import _inputs as inputs_mod
from audit.fairness import custom_group_metrics, group_metrics
from audit.fairness._groups import encode_groups

Y_TRUE = np.array([0, 1, 1, 0, 1, 0])
Y_PRED = np.array([0, 1, 0, 0, 1, 1])
GROUPS = np.array(["a", "a", "b", "b", "c", "c"], dtype=object)


def call(**changes: Any) -> Any:
    kwargs: dict[str, Any] = {
        "y_true": Y_TRUE,
        "y_pred": Y_PRED,
        "sensitive_features": GROUPS,
    }
    kwargs.update(changes)
    y_true, y_pred = kwargs.pop("y_true"), kwargs.pop("y_pred")
    return group_metrics(y_true, y_pred, **kwargs)


CASES = [
    (
        "y_true has NaN",
        {"y_true": np.array([0, np.nan, 1, 0, np.nan, 0])},
        MissingValueError,
        inputs_mod._MISSING_VALUES.format(what="y_true", count=2, rows="1, 4"),
    ),
    (
        "y_pred has None",
        {"y_pred": [0, 1, None, 0, 1, 1]},
        MissingValueError,
        inputs_mod._MISSING_VALUES.format(what="y_pred", count=1, rows="2"),
    ),
    (
        "length mismatch",
        {"y_pred": Y_PRED[:5]},
        LengthMismatchError,
        core.LENGTH_MISMATCH.format(reference="y_true", n=6, others="y_pred has 5"),
    ),
    (
        "sensitive length mismatch",
        {"sensitive_features": GROUPS[:4]},
        LengthMismatchError,
        core.LENGTH_MISMATCH.format(reference="y_true", n=6, others="sensitive_features has 4"),
    ),
    (
        "sensitive columns of different lengths",
        {"sensitive_features": {"a": [1, 2, 3, 4, 5, 6], "b": [1, 2]}},
        LengthMismatchError,
        core.LENGTH_MISMATCH.format(
            reference="sensitive_features['a']", n=6, others="sensitive_features['b'] has 2"
        ),
    ),
    (
        "weights length mismatch",
        {"sample_weight": np.ones(3)},
        LengthMismatchError,
        core.LENGTH_MISMATCH.format(reference="y_true", n=6, others="sample_weight has 3"),
    ),
    (
        "empty input",
        {"y_true": [], "y_pred": [], "sensitive_features": []},
        DataValidationError,
        inputs_mod._EMPTY_INPUT,
    ),
    (
        "2-D y",
        {"y_true": np.zeros((6, 2))},
        DataValidationError,
        inputs_mod._NOT_1D.format(what="y_true", shape=(6, 2)),
    ),
    (
        "unsupported y",
        {"y_true": {"a": 1}},
        DataValidationError,
        inputs_mod._BAD_ARRAY.format(what="y_true", kind="dict"),
    ),
    (
        "negative weights",
        {"sample_weight": np.array([1, -1, 1, 1, -2, 1.0])},
        DataValidationError,
        inputs_mod._NEGATIVE_WEIGHTS.format(count=2, rows="1, 4"),
    ),
    (
        "NaN weights",
        {"sample_weight": np.array([1, np.nan, 1, 1, 1, 1.0])},
        MissingValueError,
        inputs_mod._MISSING_VALUES.format(what="sample_weight", count=1, rows="1"),
    ),
    (
        "infinite weights",
        {"sample_weight": np.array([1, 1, np.inf, 1, 1, 1.0])},
        MissingValueError,
        inputs_mod._NONFINITE.format(what="sample_weight", count=1, rows="2"),
    ),
    (
        "all-zero weights",
        {"sample_weight": np.zeros(6)},
        DataValidationError,
        inputs_mod._ZERO_WEIGHT_SUM.format(total=0.0),
    ),
    (
        "text weights",
        {"sample_weight": np.array(list("abcdef"), dtype=object)},
        DataValidationError,
        inputs_mod._NONNUMERIC.format(what="sample_weight", dtype="object"),
    ),
    (
        "score out of range",
        {"y_score": np.array([0.1, 1.5, 0.2, -0.1, 0.3, 0.4])},
        DataValidationError,
        inputs_mod._SCORE_RANGE.format(count=2, rows="1, 3", low=-0.1, high=1.5),
    ),
    (
        "score NaN",
        {"y_score": np.array([0.1, np.nan, 0.2, 0.1, 0.3, 0.4])},
        MissingValueError,
        inputs_mod._MISSING_VALUES.format(what="y_score", count=1, rows="1"),
    ),
    (
        "score matrix with 3 columns",
        {"y_score": np.full((6, 3), 0.3)},
        DataValidationError,
        inputs_mod._SCORE_SHAPE.format(shape=(6, 3)),
    ),
    (
        "score with multiclass labels",
        {"y_true": np.array([0, 1, 2, 0, 1, 2]), "y_score": np.full(6, 0.5)},
        DataValidationError,
        inputs_mod._SCORE_TASK.format(task="multiclass"),
    ),
    (
        "bad task",
        {"task": "ranking"},
        InvalidParameterError,
        inputs_mod._BAD_TASK.format(
            allowed="'auto', 'binary', 'multiclass', 'regression'", value="ranking"
        ),
    ),
    (
        "two text labels without pos_label",
        {"y_true": np.array(["no", "yes"] * 3), "y_pred": np.array(["yes", "yes", "no"] * 2)},
        DataValidationError,
        inputs_mod._AMBIGUOUS_POSITIVE.format(labels="['no', 'yes']"),
    ),
    (
        "pos_label not found",
        {
            "y_true": np.array(["no", "yes"] * 3),
            "y_pred": np.array(["yes", "yes", "no"] * 2),
            "pos_label": "maybe",
        },
        DataValidationError,
        inputs_mod._POS_LABEL_NOT_FOUND.format(pos_label="maybe", labels="['no', 'yes']"),
    ),
    (
        "binary task with three labels",
        {"y_true": np.array([0, 1, 2] * 2), "task": "binary"},
        DataValidationError,
        inputs_mod._TOO_MANY_LABELS.format(count=3, labels="[0, 1, 2]"),
    ),
    (
        "regression of text",
        {"y_true": np.array(list("abcdef"), dtype=object), "task": "regression"},
        DataValidationError,
        inputs_mod._REGRESSION_NONNUMERIC.format(dtype_true="object", dtype_pred="int64"),
    ),
    (
        "regression with inf",
        {"y_true": np.array([0.5, np.inf, 1, 2, 3, 4]), "task": "regression"},
        MissingValueError,
        inputs_mod._NONFINITE.format(what="y_true", count=1, rows="1"),
    ),
    (
        "missing sensitive value",
        {"sensitive_features": pd.Series(["a", None, "b", "b", np.nan, "c"], name="sex")},
        MissingValueError,
        core.MISSING_SENSITIVE.format(
            name="sex", count=2, rows="1, 4", fix=groups_mod._MISSING_FIX
        ),
    ),
    (
        "bad missing policy",
        {"missing": "drop"},
        InvalidParameterError,
        groups_mod._BAD_MISSING.format(value="drop"),
    ),
    (
        "sensitive features as a scalar",
        {"sensitive_features": 3},
        DataValidationError,
        core.BAD_SENSITIVE_TYPE.format(kind="int"),
    ),
    (
        "3-D sensitive array",
        {"sensitive_features": np.zeros((6, 2, 2))},
        DataValidationError,
        core.BAD_SENSITIVE_NDIM.format(shape=(6, 2, 2)),
    ),
    (
        "no sensitive columns",
        {"sensitive_features": pd.DataFrame(index=range(6))},
        DataValidationError,
        core.NO_SENSITIVE_COLUMNS,
    ),
    (
        "duplicate sensitive names",
        {"sensitive_features": pd.DataFrame([[1, 2]] * 6, columns=["a", "a"])},
        DataValidationError,
        core.DUPLICATE_SENSITIVE.format(names=["a"]),
    ),
    (
        "n_boot < 0",
        {"n_boot": -1},
        InvalidParameterError,
        core.BAD_COUNT.format(what="n_boot", value=-1),
    ),
    (
        "n_boot float",
        {"n_boot": 2.5},
        InvalidParameterError,
        core.BAD_COUNT.format(what="n_boot", value=2.5),
    ),
    ("ci = 1", {"ci": 1.0}, InvalidParameterError, core.BAD_CI.format(value=1.0)),
    (
        "min_count < 0",
        {"min_count": -3},
        InvalidParameterError,
        core.BAD_COUNT.format(what="min_count", value=-3),
    ),
    (
        "zero_division text",
        {"zero_division": "warn"},
        InvalidParameterError,
        engine._BAD_ZERO_DIVISION.format(value="warn"),
    ),
    (
        "random_state legacy",
        {"random_state": np.random.RandomState(0)},
        InvalidParameterError,
        core.BAD_RANDOM_STATE.format(
            more=", a numpy SeedSequence or Generator", value="a RandomState"
        ),
    ),
    (
        "metrics not callables",
        {"metrics": {"m": 3}},
        DataValidationError,
        engine._BAD_METRICS.format(kind="dict"),
    ),
    (
        "custom metric clashes with a built-in",
        {"metrics": {"tpr": lambda y, p: 0.0}},
        DataValidationError,
        engine._METRIC_NAME_CLASH.format(name="tpr"),
    ),
    (
        "unknown reference group",
        {"reference": "zzz"},
        DataValidationError,
        gm_mod._UNKNOWN_REFERENCE.format(reference="zzz", groups="'a', 'b', 'c'"),
    ),
]


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_validation_error(changes: dict, error: type, message: str) -> None:
    with pytest.raises(error) as info:
        call(**changes)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_empty_sensitive_feature_message() -> None:
    with pytest.raises(DataValidationError) as info:
        encode_groups([])
    assert str(info.value) == groups_mod._EMPTY_SENSITIVE


def test_method_and_reference_errors() -> None:
    gm = call()
    with pytest.raises(DataValidationError) as info:
        gm.difference(method="pairwise")  # type: ignore[arg-type]
    allowed = "'between_groups', 'to_overall', 'to_reference'"
    assert str(info.value) == gm_mod._BAD_METHOD.format(allowed=allowed, value="pairwise")
    with pytest.raises(DataValidationError) as info:
        gm.ratio(method="to_reference")
    assert str(info.value) == gm_mod._NO_REFERENCE
    with pytest.raises(DataValidationError) as info:
        gm.ratio(method="to_overall", reference="a")
    assert str(info.value) == gm_mod._REFERENCE_WITH_OVERALL.format(reference="a")
    with pytest.raises(DataValidationError) as info:
        gm.equalized_odds_ratio(agg="median")  # type: ignore[arg-type]
    assert str(info.value) == gm_mod._BAD_AGG.format(value="median")
    with pytest.raises(DataValidationError) as info:
        gm.pair_ci("nope", "a", "b")
    assert str(info.value).startswith(gm_mod._UNKNOWN_METRIC.split("{")[0] + "'nope'")


def test_named_summaries_need_a_binary_task() -> None:
    gm = call(y_true=np.array([0, 1, 2, 0, 1, 2]))
    with pytest.raises(DataValidationError) as info:
        gm.demographic_parity_difference()
    assert str(info.value) == gm_mod._BINARY_ONLY.format(
        name="demographic_parity_difference", task="multiclass"
    )
    assert gm.summary().empty


def test_custom_path_needs_metrics() -> None:
    with pytest.raises(DataValidationError) as info:
        custom_group_metrics(Y_TRUE, Y_PRED, sensitive_features=GROUPS, metrics={})
    assert str(info.value) == custom_mod._NO_METRICS


def test_errors_are_raised_before_any_work_on_rows() -> None:
    # settings are checked first: a bad n_boot is reported even with bad data
    with pytest.raises(InvalidParameterError) as info:
        group_metrics([0, np.nan], [0, 1], sensitive_features=["a", "b"], n_boot=-1)
    assert str(info.value) == core.BAD_COUNT.format(what="n_boot", value=-1)
