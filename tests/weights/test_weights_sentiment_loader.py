"""The shipped sentiment corpus loads with its documented shape and balance."""

from __future__ import annotations

from audit.datasets._real import data_dir
from audit.datasets._sentiment import load_sentiment


def test_shape_columns_and_balance():
    df = load_sentiment()
    assert list(df.columns) == ["text", "label"]
    assert df.shape == (310, 2)
    assert df["label"].value_counts().to_dict() == {1: 155, 0: 155}
    assert df["text"].str.len().min() > 10
    assert not df["text"].duplicated().any()
    assert (data_dir() / "sentiment" / "README.md").is_file()
