"""Bad and awkward inputs to the public API: a typed error that names what was received.

Every case is a row of the matrix in ``tests/README.md`` (the ids match). Cases
already covered elsewhere (``tests/fairness/test_fair_inputs.py``,
``tests/foundation/test_context_validation.py``) are not repeated here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hard_support import N_ROWS, Small, raises_typed
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

import audit
from audit import _inputs as core
from audit import context as context_mod
from audit._audit import _BAD_POLICY
from audit.errors import (
    DataValidationError,
    FeatureMismatchError,
    InvalidParameterError,
    LengthMismatchError,
    MissingValueError,
    NotFittedModelError,
    RuleSyntaxError,
    UnknownColumnError,
    UnsupportedModelError,
)
from audit.fairness import _inputs as inputs_mod
from audit.fairness import group_metrics
from audit.gates import _assert as assert_mod
from audit.gates import assert_fair
from audit.weights import ScaleFeature, ZeroFeature, what_if
from audit.weights import _what_if as what_if_mod


def _at(values: Any, row: int, value: Any) -> np.ndarray:
    """A float copy of ``values`` with ``value`` at ``row``."""
    out = np.asarray(values, dtype=float).copy()
    out[row] = value
    return out


def _audit(s: Small, **changes: Any) -> Any:
    kwargs: dict[str, Any] = {"sensitive_features": ["sex"], "analyzers": ["fairness"]}
    model = changes.pop("model", s.model)
    X = changes.pop("X", s.X)
    y = changes.pop("y", s.y)
    kwargs.update(changes)
    return audit.audit_model(model, X, y, **kwargs)


def _gm(s: Small, **changes: Any) -> Any:
    y_true = changes.pop("y_true", s.y.to_numpy())
    y_pred = changes.pop("y_pred", s.model.predict(s.X[["a", "b"]]))
    changes.setdefault("sensitive_features", s.X["sex"])
    return group_metrics(y_true, y_pred, **changes)


Case = tuple[str, Callable[[Small], Any], type[BaseException], type[BaseException], tuple[str, ...]]

AUDIT_MODEL_CASES: list[Case] = [
    (
        "AM01-sample-weight-length",
        lambda s: _audit(s, sample_weight=np.ones(N_ROWS - 1)),
        LengthMismatchError,
        ValueError,
        ("X has 200 rows but sample_weight has 199",),
    ),
    (
        "AM02-nan-in-X",
        lambda s: _audit(s, X=s.X.assign(a=_at(s.X["a"], 3, np.nan))),
        DataValidationError,
        ValueError,
        ("could not predict", "X has 1 missing or infinite value(s)", "impute"),
    ),
    (
        "AM03-inf-in-X",
        lambda s: _audit(s, X=s.X.assign(b=_at(s.X["b"], 5, -np.inf))),
        DataValidationError,
        ValueError,
        ("could not predict", "X has 1 missing or infinite value(s)"),
    ),
    (
        "AM04-inf-in-y",
        lambda s: _audit(s, y=_at(s.y, 2, np.inf)),
        MissingValueError,
        ValueError,
        ("y contains 1 missing value(s) (NaN/None/inf)", "row position(s) 2"),
    ),
    (
        "AM05-inf-in-sensitive",
        lambda s: _audit(s, sensitive_features=pd.Series(_at(np.ones(N_ROWS), 7, np.inf))),
        MissingValueError,
        ValueError,
        (core.INFINITE_SENSITIVE.format(name="sensitive_feature_0", count=1, rows="7"),),
    ),
    (
        "AM06-nan-in-weights",
        lambda s: _audit(s, sample_weight=_at(np.ones(N_ROWS), 1, np.nan)),
        MissingValueError,
        ValueError,
        ("sample_weight contains 1 missing value(s)", "row position(s) 1"),
    ),
    (
        "AM07-text-weights",
        lambda s: _audit(s, sample_weight=["1.0"] * N_ROWS),
        DataValidationError,
        ValueError,
        ("sample_weight must be numeric", "'1.0'"),
    ),
    (
        "AM08-negative-weights",
        lambda s: _audit(s, sample_weight=_at(np.ones(N_ROWS), 0, -2.0)),
        DataValidationError,
        ValueError,
        ("finite and >= 0", "1 negative value(s)"),
    ),
    (
        "AM09-labels-not-0-1",
        lambda s: _audit(s, y=s.y + 2),
        DataValidationError,
        ValueError,
        ("y has labels [2, 3] that the model never predicts", "classes are [0, 1]"),
    ),
    (
        "AM10-string-labels",
        lambda s: _audit(s, y=np.where(s.y == 1, "yes", "no")),
        DataValidationError,
        ValueError,
        ("y has labels ['no', 'yes']", "classes are [0, 1]"),
    ),
    (
        "AM11-unknown-target-column",
        lambda s: _audit(s, y="income"),
        UnknownColumnError,
        KeyError,
        ("Unknown column 'income' in X (target)", "Available columns: 'a', 'b', 'sex'"),
    ),
    (
        "AM12-duplicate-sensitive-names",
        lambda s: _audit(s, sensitive_features=["sex", "sex"]),
        DataValidationError,
        ValueError,
        (core.DUPLICATE_SENSITIVE.format(names=["sex"]),),
    ),
    (
        "AM13-target-also-sensitive",
        lambda s: _audit(s, X=s.X.assign(y=s.y), y="y", sensitive_features=["y"]),
        DataValidationError,
        ValueError,
        (context_mod._TARGET_IS_SENSITIVE.format(name="y"),),
    ),
    (
        "AM14-empty-frame",
        lambda s: _audit(s, X=s.X.iloc[:0], y=s.y.iloc[:0]),
        DataValidationError,
        ValueError,
        ("X has no rows (shape (0, 3))",),
    ),
    (
        "AM15-unfitted-model",
        lambda s: _audit(s, model=LogisticRegression()),
        NotFittedModelError,
        ValueError,
        ("The model LogisticRegression is not fitted", "fit()"),
    ),
    (
        "AM16-model-trained-on-other-columns",
        lambda s: _audit(s, X=s.X.rename(columns={"a": "age"})),
        FeatureMismatchError,
        ValueError,
        ("lacks 1 column(s) the model was trained on: 'a'", "expects: 'a', 'b'"),
    ),
    (
        "AM17-non-model-object",
        lambda s: _audit(s, model={"coef": [1.0, 2.0]}),
        UnsupportedModelError,
        TypeError,
        ("Unsupported model of type builtins.dict", "scikit-learn", "torch.nn.Module"),
    ),
    (
        "AM18-X-not-a-table",
        lambda s: _audit(s, X={"a": [1.0], "b": [2.0]}),
        DataValidationError,
        ValueError,
        ("X must be a pandas, polars or pyarrow table", "got dict"),
    ),
    (
        "AM19-n-boot-negative",
        lambda s: _audit(s, n_boot=-5),
        InvalidParameterError,
        ValueError,
        (core.BAD_COUNT_OR_NONE.format(what="n_boot", value=-5),),
    ),
    (
        "AM20-n-boot-text",
        lambda s: _audit(s, n_boot="100"),
        InvalidParameterError,
        TypeError,
        (core.BAD_COUNT_OR_NONE.format(what="n_boot", value="'100'"),),
    ),
    (
        "AM21-random-state-negative",
        lambda s: _audit(s, random_state=-1),
        InvalidParameterError,
        ValueError,
        (core.BAD_RANDOM_STATE.format(more="", value=-1),),
    ),
    (
        "AM22-policy-as-dict",
        lambda s: _audit(s, policy={"min_count": 10}),
        InvalidParameterError,
        TypeError,
        (_BAD_POLICY.format(kind="dict"),),
    ),
    (
        "AM23-unknown-analyzer",
        lambda s: _audit(s, analyzers=["fairness", "shap"]),
        DataValidationError,
        ValueError,
        ("Unknown analyzer 'shap'", "data, fairness, calibration, thresholds, weights, importance"),
    ),
    (
        "AM24-pos-label-not-a-class",
        lambda s: _audit(s, pos_label="yes"),
        DataValidationError,
        ValueError,
        ("pos_label 'yes' is not one of the model's classes [0, 1]",),
    ),
    (
        "AM25-sensitive-as-number",
        lambda s: _audit(s, sensitive_features=3),
        DataValidationError,
        ValueError,
        ("sensitive_features must be a column name", "got int"),
    ),
]

GROUP_METRICS_CASES: list[Case] = [
    (
        "GM01-inf-in-y-true",
        lambda s: _gm(s, y_true=_at(s.y, 4, np.inf)),
        MissingValueError,
        ValueError,
        (inputs_mod._NONFINITE.format(what="y_true", count=1, rows="4"),),
    ),
    (
        "GM02-inf-in-y-pred",
        lambda s: _gm(s, y_pred=_at(s.y, 9, -np.inf)),
        MissingValueError,
        ValueError,
        (inputs_mod._NONFINITE.format(what="y_pred", count=1, rows="9"),),
    ),
    (
        "GM03-inf-in-y-score",
        lambda s: _gm(s, y_score=_at(np.full(N_ROWS, 0.5), 3, np.inf)),
        DataValidationError,
        ValueError,
        ("y_score must hold probabilities in [0, 1]", "row position(s) 3", "max inf"),
    ),
    (
        "GM04-inf-in-sensitive",
        lambda s: _gm(s, sensitive_features=pd.Series(_at(np.ones(N_ROWS), 6, np.inf), name="g")),
        MissingValueError,
        ValueError,
        (core.INFINITE_SENSITIVE.format(name="g", count=1, rows="6"),),
    ),
    (
        "GM05-labels-0-2",
        lambda s: _gm(s, y_true=s.y.to_numpy() * 2, y_pred=s.y.to_numpy() * 2),
        DataValidationError,
        ValueError,
        (inputs_mod._AMBIGUOUS_POSITIVE.format(labels="[0, 2]"),),
    ),
    (
        "GM06-mixed-label-types",
        lambda s: _gm(s, y_true=np.array([*s.y.iloc[:-1].tolist(), "1"], dtype=object)),
        DataValidationError,
        ValueError,
        ("y_true mixes labels of different types (int, str", "'1'"),
    ),
    (
        "GM07-multiclass-as-binary",
        lambda s: _gm(s, y_true=np.arange(N_ROWS) % 3, y_pred=np.arange(N_ROWS) % 3, task="binary"),
        DataValidationError,
        ValueError,
        (inputs_mod._TOO_MANY_LABELS.format(count=3, labels="[0, 1, 2]"),),
    ),
    (
        "GM08-nullable-labels-with-NA",
        lambda s: _gm(s, y_true=pd.array([*s.y.iloc[:-1].tolist(), None], dtype="Int64")),
        MissingValueError,
        ValueError,
        ("y_true contains 1 missing value(s)", "row position(s) 199"),
    ),
    (
        "GM09-negative-weights-in-one-row",
        lambda s: _gm(s, sample_weight=_at(np.ones(N_ROWS), 11, -0.5)),
        DataValidationError,
        ValueError,
        ("sample_weight must be >= 0", "1 negative value(s) at row position(s) 11"),
    ),
]

WHAT_IF_CASES: list[Case] = [
    (
        "WI01-one-edit-not-a-list",
        lambda s: what_if(s.model, s.X, s.y, edits=ZeroFeature("a")),
        InvalidParameterError,
        TypeError,
        (what_if_mod._BAD_EDITS.format(kind="ZeroFeature"),),
    ),
    (
        "WI02-edit-missing-a-setting",
        lambda s: what_if(s.model, s.X, s.y, edits=[{"op": "scale_feature", "feature": "a"}]),
        DataValidationError,
        ValueError,
        ("Edit 'scale_feature' needs the setting(s) ['factor']",),
    ),
    (
        "WI03-factor-text",
        lambda s: what_if(s.model, s.X, s.y, edits=[ScaleFeature("a", "2x")]),  # type: ignore[arg-type]
        InvalidParameterError,
        TypeError,
        (what_if_mod._BAD_FACTOR.format(edit="ScaleFeature", value="2x"),),
    ),
    (
        "WI04-factor-nan",
        lambda s: what_if(
            s.model,
            s.X,
            s.y,
            edits=[{"op": "scale_layer", "name": "coef_", "factor": float("nan")}],
        ),
        InvalidParameterError,
        ValueError,
        (what_if_mod._BAD_FACTOR.format(edit="ScaleLayer", value=float("nan")),),
    ),
    (
        "WI05-prune-fraction-text",
        lambda s: what_if(s.model, s.X, s.y, edits=[{"op": "prune_smallest", "fraction": "half"}]),
        InvalidParameterError,
        TypeError,
        (what_if_mod._BAD_FRACTION.format(value="half"),),
    ),
    (
        "WI06-tree-model",
        lambda s: what_if(
            RandomForestClassifier(n_estimators=2, random_state=0).fit(s.X[["a", "b"]], s.y),
            s.X,
            s.y,
            edits=[ZeroFeature("a")],
        ),
        UnsupportedModelError,
        TypeError,
        ("RandomForestClassifier (tree) has no weights to edit",),
    ),
    (
        "WI07-unknown-feature",
        lambda s: what_if(s.model, s.X, s.y, edits=[ZeroFeature("age")]),
        UnknownColumnError,
        KeyError,
        ("Unknown feature 'age'", "the model's columns are ['a', 'b']"),
    ),
    (
        "WI08-nan-in-weights",
        lambda s: what_if(
            s.model,
            s.X,
            s.y,
            edits=[ZeroFeature("a")],
            sample_weight=_at(np.ones(N_ROWS), 0, np.nan),
        ),
        MissingValueError,
        ValueError,
        ("sample_weight contains 1 missing value(s)",),
    ),
]

ASSERT_FAIR_CASES: list[Case] = [
    (
        "AF01-subject-none",
        lambda s: assert_fair(None, "selection_rate.ratio >= 0.8"),
        InvalidParameterError,
        TypeError,
        (assert_mod._NOT_AUDITABLE.format(kind="NoneType"),),
    ),
    (
        "AF02-rule-not-text",
        lambda s: assert_fair(_gm(s), [0.8]),
        RuleSyntaxError,
        ValueError,
        ("Cannot parse rule 0.8", "Grammar: rule :="),
    ),
    (
        "AF03-empty-rule-list",
        lambda s: assert_fair(_gm(s), []),
        DataValidationError,
        ValueError,
        (assert_mod._EMPTY_RULES,),
    ),
    (
        "AF04-policy-as-dict",
        lambda s: assert_fair(_gm(s), "selection_rate.ratio >= 0.8", policy={"min_count": 1}),
        InvalidParameterError,
        TypeError,
        (assert_mod._BAD_POLICY.format(kind="dict"),),
    ),
    (
        "AF05-no-fairness-in-report",
        lambda s: assert_fair(_audit(s, analyzers=["weights"])),
        DataValidationError,
        ValueError,
        (assert_mod._NO_RULES,),
    ),
    (
        "AF06-binary-rule-on-multiclass",
        lambda s: assert_fair(
            _gm(s, y_true=np.arange(N_ROWS) % 3, y_pred=np.arange(N_ROWS) % 3),
            "selection_rate.ratio >= 0.8",
        ),
        RuleSyntaxError,
        ValueError,
        ("Unknown metric 'selection_rate.ratio'", "Did you mean 'selection_rate["),
    ),
    (
        "AF07-misspelt-metric",
        lambda s: assert_fair(_gm(s), "selction_rate.ratio >= 0.8"),
        RuleSyntaxError,
        ValueError,
        ("Unknown metric 'selction_rate.ratio'", "Did you mean 'selection_rate.ratio'?"),
    ),
]

ALL_CASES = AUDIT_MODEL_CASES + GROUP_METRICS_CASES + WHAT_IF_CASES + ASSERT_FAIR_CASES


@pytest.mark.parametrize(
    ("call", "error", "builtin", "parts"),
    [c[1:] for c in ALL_CASES],
    ids=[c[0] for c in ALL_CASES],
)
def test_bad_input_raises_a_typed_error_naming_what_was_received(
    small: Small,
    call: Callable[[Small], Any],
    error: type[BaseException],
    builtin: type[BaseException],
    parts: tuple[str, ...],
) -> None:
    raises_typed(lambda: call(small), error, builtin, *parts)


def test_case_ids_are_unique() -> None:
    ids = [c[0] for c in ALL_CASES]
    assert len(ids) == len(set(ids))
