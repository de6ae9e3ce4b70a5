"""Token weights of a text model trained on the shipped sentiment corpus."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from audit.datasets._sentiment import load_sentiment
from audit.errors import DataValidationError, FeatureMismatchError, UnsupportedModelError
from audit.weights import analyze_weights, token_weights

POSITIVE_WORDS = {
    "great",
    "excellent",
    "love",
    "loved",
    "wonderful",
    "beautiful",
    "perfect",
    "perfectly",
    "comfortable",
    "amazing",
    "fantastic",
    "superb",
    "brilliant",
    "best",
    "enjoyed",
    "easy",
    "happy",
    "fun",
    "lovely",
    "stunning",
    "delightful",
    "recommend",
    "works",
    "good",
}
NEGATIVE_WORDS = {
    "terrible",
    "awful",
    "boring",
    "bad",
    "poor",
    "worst",
    "dull",
    "broke",
    "waste",
    "cheap",
    "disappointing",
    "disappointed",
    "not",
    "hated",
    "weak",
    "badly",
    "horrible",
    "tedious",
    "stopped",
    "flat",
    "leaks",
    "annoying",
    "noisy",
    "slow",
    "useless",
}


@pytest.fixture(scope="module")
def sentiment_model():
    df = load_sentiment()
    model = make_pipeline(TfidfVectorizer(), LogisticRegression(C=10.0)).fit(
        df["text"], df["label"]
    )
    return model, df


def test_top_tokens_are_sentiment_words(sentiment_model):
    model, _ = sentiment_model
    tokens = token_weights(model, k=10)
    pos = tokens[tokens["direction"] == "positive"]
    neg = tokens[tokens["direction"] == "negative"]
    assert len(pos) == len(neg) == 10
    assert set(pos["token"][:5]) <= POSITIVE_WORDS
    assert set(neg["token"][:5]) <= NEGATIVE_WORDS
    assert (pos["weight"] > 0).all() and (neg["weight"] < 0).all()
    assert np.all(np.diff(pos["weight"]) <= 0) and np.all(np.diff(neg["weight"]) >= 0)
    assert set(tokens["class"]) == {"1"}


def test_weights_are_the_coefficients(sentiment_model):
    model, _ = sentiment_model
    vocab = model[0].get_feature_names_out()
    coef = model[-1].coef_[0]
    tokens = token_weights(model, k=3)
    for token, weight in zip(tokens["token"], tokens["weight"], strict=True):
        assert weight == pytest.approx(coef[list(vocab).index(token)])
    assert tokens["token"].iloc[0] == vocab[np.argmax(coef)]
    assert tokens[tokens["direction"] == "negative"]["token"].iloc[0] == vocab[np.argmin(coef)]


def test_analysis_runs_on_a_text_column(sentiment_model):
    model, df = sentiment_model
    for X in (df["text"], df[["text"]], df["text"].to_numpy()):
        result = analyze_weights(model, X)
        assert result.tokens is not None
        assert result.tokens.iloc[0]["token"] == token_weights(model, k=1).iloc[0]["token"]
        assert len(result.by_source) == len(model[0].vocabulary_)
        assert "imbalanced_weights" not in [f.code for f in result.findings]


def test_multiclass_and_count_vectorizer():
    df = load_sentiment()
    y = np.where(df["text"].str.contains("movie|film"), 2, df["label"])
    model = make_pipeline(CountVectorizer(), LogisticRegression(max_iter=1000)).fit(df["text"], y)
    tokens = token_weights(model, k=2)
    assert sorted(tokens["class"].unique()) == ["0", "1", "2"]
    assert tokens.groupby(["class", "direction"]).size().max() == 2


def test_errors():
    df = load_sentiment()
    plain = LogisticRegression()
    with pytest.raises(UnsupportedModelError, match="vectorizer"):
        token_weights(plain)
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(df["text"], df["label"])
    with pytest.raises(DataValidationError, match="k must be"):
        token_weights(model, k=0)
    # validated as audit_model validates it: the adapter's feature check, one error class
    with pytest.raises(FeatureMismatchError, match="one column of documents"):
        analyze_weights(model, df)
