"""A feature that matters only for one group is flagged by attribution_gap; others are not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from audit.attributions import GAP_CODE, attribution_findings, explain
from audit.policy import Policy


def _planted(n: int = 2000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    group = np.where(rng.random(n) < 0.5, "A", "B")
    x = rng.standard_normal((n, 3))
    # x0 decides the label in group A only; x1 decides it for everyone.
    logit = 3 * x[:, 0] * (group == "A") + 2 * x[:, 1]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame({"group": group, "x0": x[:, 0], "x1": x[:, 1], "noise": x[:, 2]})
    return frame, y


def _model(X: pd.DataFrame, y: np.ndarray) -> Pipeline:
    encode = ColumnTransformer(
        [("group", OneHotEncoder(sparse_output=False), ["group"])], remainder="passthrough"
    )
    model = Pipeline([("encode", encode), ("hgb", HistGradientBoostingClassifier(max_iter=60))])
    return model.fit(X, y)


def test_group_dependent_feature_is_flagged():
    X, y = _planted()
    model = _model(X, y)
    result = explain(model, X, sensitive_features=["group"], max_rows=1000)
    gaps = [f for f in attribution_findings(result) if f.code == GAP_CODE]
    assert [f.evidence["feature"] for f in gaps] == ["x0"]
    evidence = gaps[0].evidence
    assert evidence["attribute"] == "group"
    assert evidence["high_group"] == "A" and evidence["low_group"] == "B"
    by_group = result.mean_abs_by_group()
    expected = by_group.loc["x0", "group=A"] / by_group.loc["x0", "group=B"]
    assert evidence["ratio"] == pytest.approx(expected, rel=1e-12)
    assert evidence["ratio"] > 2.0


def test_a_looser_policy_flags_nothing():
    X, y = _planted()
    model = _model(X, y)
    result = explain(model, X, sensitive_features=["group"], max_rows=1000)
    ratio = (
        result.mean_abs_by_group().loc["x0", "group=A"]
        / result.mean_abs_by_group().loc["x0", "group=B"]
    )
    policy = Policy(attribution_gap=float(ratio) + 1)
    assert GAP_CODE not in {f.code for f in attribution_findings(result, policy)}
