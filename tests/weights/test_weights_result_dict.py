"""WeightsResult views: to_frame copies, to_dict caps long coefficient tables."""

from __future__ import annotations

import json

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from audit.datasets._sentiment import load_sentiment
from audit.errors import UnsupportedModelError
from audit.weights import analyze_weights


def test_to_dict_caps_text_coefficients():
    df = load_sentiment()
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(df["text"], df["label"])
    result = analyze_weights(model, df["text"])
    n = len(result.coefficients)
    capped = result.to_dict(max_coefficients=50)
    assert len(capped["coefficients"]) == 50
    assert capped["coefficients_omitted"] == n - 50
    kept = {row["feature"] for row in capped["coefficients"]}
    top = result.coefficients.reindex(
        result.coefficients["standardized"].abs().sort_values(ascending=False).index
    )["feature"][:50]
    assert kept == set(top)
    full = result.to_dict(max_coefficients=None)
    assert len(full["coefficients"]) == n and full["coefficients_omitted"] == 0
    json.dumps(capped)
    assert capped["tokens"][0]["direction"] == "positive"


def test_to_frame_is_a_copy(balanced):
    X = balanced.X.drop(columns="group")
    result = analyze_weights(LogisticRegression().fit(X, balanced.y), X)
    frame = result.to_frame()
    frame.loc[0, "weight"] = -1.0
    assert result.by_source.loc[0, "weight"] != -1.0
    assert list(frame.columns) == [
        "source",
        "weight",
        "share",
        "level",
        "rank",
        "n_columns",
        "sensitive",
    ]


def test_models_without_weights_are_refused(balanced):
    X = balanced.X.drop(columns="group")
    with pytest.raises(UnsupportedModelError, match="SVC"):
        analyze_weights(SVC().fit(X, balanced.y), X)
