"""Explaining the other class of a binary model negates the attributions."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from audit.attributions import explain


def test_negative_class_is_the_mirror_image(biased):
    X = biased.X.drop(columns=["group"]).iloc[:300]
    y = biased.y.iloc[:300]
    for model in (LogisticRegression().fit(X, y), RandomForestClassifier(5).fit(X, y)):
        pos = explain(model, X)
        neg = explain(model, X, pos_label=0)
        assert neg.output_names == ("0",)
        np.testing.assert_allclose(neg.values, -pos.values)
        assert neg.additivity_ok
    proba = model.predict_proba(X)[:, 0]
    np.testing.assert_allclose(neg.model_output[:, 0], proba)
