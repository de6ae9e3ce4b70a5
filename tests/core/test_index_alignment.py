"""pandas inputs are aligned by index label, never paired by position when indexes disagree.

X with a shuffled index, and y / sample_weight / sensitive Series still in the
original order (a permutation of X's labels): the audit must see the same rows
as with aligned inputs. An index with other labels is refused, naming the input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

import audit
from audit.context import build_context
from audit.datasets import make_biased_classification
from audit.errors import DataValidationError
from audit.fairness import group_metrics

COLUMNS = ["proxy", "x0", "x1", "x2", "x3"]


@pytest.fixture(scope="module")
def data():
    """Biased data, a model, X in shuffled order and y / weights / groups in the original order."""
    d = make_biased_classification(3000, bias=1.0, random_state=3)
    X, y = d.X, d.y.rename("y")
    model = LogisticRegression().fit(X[COLUMNS], y)
    shuffled = X.sample(frac=1.0, random_state=11)  # index: a permutation of 0..n-1
    weights = pd.Series(np.where(X["group"] == "A", 1.0, 3.0), index=X.index, name="w")
    groups = X["group"].rename("grp")
    return model, X, y, shuffled, weights, groups


def _fairness_frame(report) -> pd.DataFrame:
    return report.fairness.by_group


def test_permuted_y_is_aligned_by_label(data):
    model, _, y, Xs, _, _ = data
    report = audit.audit_model(model, Xs, y, analyzers=["fairness"])
    pred = model.predict(Xs[COLUMNS])
    expected = accuracy_score(y.loc[Xs.index], pred)
    assert report.data["performance"]["accuracy"] == pytest.approx(expected, abs=1e-12)
    # pairing by position would be a different (wrong) number: the test is meaningful
    by_position = accuracy_score(y.to_numpy(), pred)
    assert abs(by_position - expected) > 0.2
    # what the message says to do for positional pairing does pair by position
    positional = audit.audit_model(model, Xs, y.to_numpy(), analyzers=["fairness"])
    assert positional.data["performance"]["accuracy"] == pytest.approx(by_position, abs=1e-12)


def test_permuted_weights_and_sensitive_give_the_aligned_result(data):
    model, _, y, Xs, w, groups = data
    X_in = Xs.drop(columns="group")
    shuffled = audit.audit_model(
        model, X_in, y, sample_weight=w, sensitive_features=groups, analyzers=["fairness"]
    )
    idx = Xs.index
    aligned = audit.audit_model(
        model,
        X_in,
        y.loc[idx],
        sample_weight=w.loc[idx],
        sensitive_features=groups.loc[idx],
        analyzers=["fairness"],
    )
    pred = model.predict(Xs[COLUMNS])
    expected = accuracy_score(y.loc[idx], pred, sample_weight=w.loc[idx])
    assert shuffled.data["performance"]["accuracy"] == pytest.approx(expected, abs=1e-12)
    assert aligned.data["performance"]["accuracy"] == pytest.approx(expected, abs=1e-12)
    pd.testing.assert_frame_equal(_fairness_frame(shuffled), _fairness_frame(aligned))
    assert shuffled.fairness.sensitive_names == ("grp",)
    # selection rate per group, by hand on correctly aligned rows
    frame = pd.DataFrame({"g": groups.loc[idx].to_numpy(), "p": pred, "w": w.loc[idx].to_numpy()})
    by_hand = frame.groupby("g").apply(lambda t: np.average(t["p"], weights=t["w"]))
    np.testing.assert_allclose(
        shuffled.fairness.by_group["selection_rate"].to_numpy(), by_hand.to_numpy(), atol=1e-12
    )


def test_permuted_sensitive_frame_and_dict_are_aligned(data):
    model, _, y, Xs, _, groups = data
    idx = Xs.index
    ctx_frame = build_context(model, Xs, y, sensitive_features=groups.to_frame())
    ctx_dict = build_context(model, Xs, y, sensitive_features={"grp": groups})
    for ctx in (ctx_frame, ctx_dict):
        assert ctx.sensitive["grp"].tolist() == groups.loc[idx].tolist()
        np.testing.assert_array_equal(ctx.y_true, y.loc[idx].to_numpy())


@pytest.mark.parametrize("what", ["y", "sample_weight", "sensitive_features"])
def test_other_labels_are_refused_naming_the_input(data, what):
    model, _, y, Xs, w, groups = data
    inputs = {"y": y, "sample_weight": w, "sensitive_features": groups}
    inputs[what] = inputs[what].set_axis(inputs[what].index + 100_000)
    with pytest.raises(DataValidationError) as info:
        audit.audit_model(
            model,
            Xs,
            inputs["y"],
            sample_weight=inputs["sample_weight"],
            sensitive_features=inputs["sensitive_features"],
            analyzers=["fairness"],
        )
    message = str(info.value)
    assert f"The index of {what} differs from the index of X" in message
    assert "100000" in message  # the first label that differs
    assert f"{what}.loc[X.index]" in message and f"{what}.to_numpy()" in message


def test_duplicate_labels_are_refused(data):
    model, _, y, Xs, _, _ = data
    dup = Xs.set_axis(np.r_[Xs.index[:-1], Xs.index[0]])
    with pytest.raises(DataValidationError, match="duplicate label"):
        audit.audit_model(model, dup, y, analyzers=["fairness"])


def test_group_metrics_aligns_pandas_inputs_with_the_first(data):
    model, X, y, Xs, w, groups = data
    idx = Xs.index
    y_true = y.loc[idx]  # index in shuffled order, the first pandas input
    y_pred = model.predict(Xs[COLUMNS])  # numpy: paired by position with y_true
    score = pd.Series(model.predict_proba(X[COLUMNS])[:, 1], index=X.index)  # original order
    got = group_metrics(
        y_true, y_pred, sensitive_features=groups, y_score=score, sample_weight=w, n_boot=0
    )
    expected = group_metrics(
        y_true.to_numpy(),
        y_pred,
        sensitive_features={"grp": groups.loc[idx].to_numpy()},
        y_score=score.loc[idx].to_numpy(),
        sample_weight=w.loc[idx].to_numpy(),
    )
    pd.testing.assert_frame_equal(got.by_group, expected.by_group)
    # by position the groups would get other rows
    wrong = group_metrics(
        y_true.to_numpy(), y_pred, sensitive_features=groups.to_numpy(), sample_weight=w.to_numpy()
    )
    assert not np.allclose(
        wrong.by_group["selection_rate"].to_numpy(), got.by_group["selection_rate"].to_numpy()
    )


def test_group_metrics_refuses_disjoint_indexes(data):
    _, _, y, Xs, _, groups = data
    y_true = y.loc[Xs.index]
    disjoint = groups.set_axis(groups.index + len(groups))
    with pytest.raises(DataValidationError) as info:
        group_metrics(y_true, y_true.to_numpy(), sensitive_features=disjoint)
    message = str(info.value)
    assert "The index of sensitive_features differs from the index of y_true" in message
    assert repr(int(disjoint.index[0])) in message
    assert "sensitive_features.loc[y_true.index]" in message


def test_numpy_inputs_pair_by_position(data):
    _, _, y, Xs, _, groups = data
    # a single pandas input has nothing to align with: numpy partners pair by position
    gm = group_metrics(y, y.to_numpy(), sensitive_features=groups.loc[Xs.index].to_numpy())
    frame = pd.DataFrame({"g": groups.loc[Xs.index].to_numpy(), "y": y.to_numpy()})
    np.testing.assert_allclose(
        gm.by_group["base_rate"].to_numpy(), frame.groupby("g")["y"].mean().to_numpy()
    )
