import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from audit.context import build_context
from audit.errors import (
    DataValidationError,
    LengthMismatchError,
    MissingValueError,
    UnknownColumnError,
)


@pytest.fixture(scope="module")
def model(biased):
    return LogisticRegression().fit(biased.X[["proxy", "x0", "x1"]], biased.y)


def test_context_is_frozen_and_read_only(model, biased):
    ctx = build_context(model, biased.X, biased.y, sensitive_features="group")
    assert ctx.task == "binary" and ctx.pos_label == 1
    assert ctx.sensitive.columns.tolist() == ["group"]
    assert ctx.sensitive_in_model == ()
    np.testing.assert_array_equal(ctx.y_pred, model.predict(biased.X[["proxy", "x0", "x1"]]))
    with pytest.raises(ValueError, match="read-only"):
        ctx.y_pred[0] = 1
    with pytest.raises(AttributeError):
        ctx.task = "regression"


def test_target_as_column_name(model, biased):
    frame = biased.X.assign(target=biased.y)
    ctx = build_context(model, frame, "target", sensitive_features=["group"])
    np.testing.assert_array_equal(ctx.y_true, biased.y)
    assert "target" not in ctx.X.columns


def test_length_mismatch(model, biased):
    with pytest.raises(LengthMismatchError, match="X has 2000 rows but y has 1999"):
        build_context(model, biased.X, biased.y[:-1])
    with pytest.raises(LengthMismatchError, match="sensitive_features has 10"):
        build_context(model, biased.X, biased.y, sensitive_features=np.array(["a"] * 10))
    with pytest.raises(LengthMismatchError, match="sample_weight has 3"):
        build_context(model, biased.X, biased.y, sample_weight=[1, 2, 3])


def test_nan_in_y_names_count_and_rows(model, biased):
    y = biased.y.astype(float).copy()
    y.iloc[[3, 7]] = np.nan
    with pytest.raises(MissingValueError, match=r"y contains 2 missing value\(s\).*3, 7"):
        build_context(model, biased.X, y)


def test_nan_in_sensitive(model, biased):
    s = biased.X["group"].astype(object).copy()
    s.iloc[5] = None
    with pytest.raises(
        MissingValueError, match=r"Sensitive feature 'group' contains 1.*position\(s\) 5"
    ):
        build_context(model, biased.X, biased.y, sensitive_features=s)


def test_unknown_column_suggests_closest(model, biased):
    with pytest.raises(
        UnknownColumnError, match=r"Unknown column 'Group'.*Did you mean 'group'"
    ) as info:
        build_context(model, biased.X, biased.y, sensitive_features=["Group"])
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    with pytest.raises(UnknownColumnError, match=r"'grop'.*Did you mean 'group'"):
        build_context(model, biased.X, biased.y, sensitive_features="grop")


def test_misaligned_pandas_index(model, biased):
    # the same labels in another order: aligned by label, not paired by position
    s = biased.X["group"].sample(frac=1.0, random_state=0)
    ctx = build_context(model, biased.X, biased.y, sensitive_features=s)
    assert ctx.sensitive["group"].tolist() == biased.X["group"].tolist()
    # other labels: refused, naming the input and the first label that differs
    shifted = biased.X["group"].set_axis(biased.X.index + 1)
    with pytest.raises(DataValidationError, match="index of sensitive_features differs"):
        build_context(model, biased.X, biased.y, sensitive_features=shifted)


def test_external_sensitive_series_and_dict(model, biased):
    s = pd.Series(np.where(biased.X["group"] == "A", "a", "b"), name="ext")
    ctx = build_context(model, biased.X.drop(columns="group"), biased.y, sensitive_features=s)
    assert ctx.sensitive.columns.tolist() == ["ext"]
    ctx = build_context(
        model, biased.X, biased.y, sensitive_features={"g": biased.X["group"].to_numpy()}
    )
    assert ctx.sensitive.columns.tolist() == ["g"]


def test_sample_weight_checks(model, biased):
    w = np.ones(len(biased.y))
    w[0] = -1
    with pytest.raises(DataValidationError, match="1 negative value"):
        build_context(model, biased.X, biased.y, sample_weight=w)
    with pytest.raises(DataValidationError, match="summing to 0"):
        build_context(model, biased.X, biased.y, sample_weight=np.zeros(len(biased.y)))
    w = np.ones(len(biased.y))
    w[4] = np.inf
    with pytest.raises(MissingValueError, match="sample_weight"):
        build_context(model, biased.X, biased.y, sample_weight=w)


def test_labels_the_model_does_not_know(model, biased):
    with pytest.raises(DataValidationError, match=r"labels \[2\] that the model never predicts"):
        build_context(model, biased.X, biased.y.replace({1: 2}))


def test_task_detection(biased, rng):
    from sklearn.linear_model import LinearRegression

    X = biased.X[["x0", "x1"]]
    reg = LinearRegression().fit(X, biased.X["x0"] * 3)
    assert build_context(reg, X, biased.X["x0"] * 3).task == "regression"
    y3 = rng.integers(0, 3, len(X))
    clf = LogisticRegression().fit(X, y3)
    ctx = build_context(clf, X, y3)
    assert ctx.task == "multiclass" and ctx.pos_label is None and ctx.y_score is None


def test_empty_and_duplicate_columns(model, biased):
    with pytest.raises(DataValidationError, match="no rows"):
        build_context(model, biased.X.iloc[:0], biased.y.iloc[:0])
    dup = pd.concat([biased.X[["x0"]], biased.X[["x0"]]], axis=1)
    with pytest.raises(DataValidationError, match="duplicate column names: 'x0'"):
        build_context(model, dup, biased.y)
