"""Loader for the small sentiment corpus shipped in ``datasets/sentiment/``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from audit.datasets._real import data_dir
from audit.errors import ModelFileError

__all__ = ["load_sentiment"]

_NOT_FOUND = (
    "The bundled dataset file 'sentiment/reviews.csv' was not found at {path}. "
    "Reinstall model-audit, or run from a checkout that has datasets/."
)


def _path() -> Path:
    path = data_dir() / "sentiment" / "reviews.csv"
    if not path.is_file():
        raise ModelFileError(_NOT_FOUND.format(path=path))
    return path


def load_sentiment() -> pd.DataFrame:
    """Load the short English review sentences written for model-audit (CC0).

    Returns
    -------
    pandas.DataFrame
        310 rows, balanced: ``text`` (str, one review sentence) and ``label``
        (int, 1 = positive, 0 = negative). See ``datasets/sentiment/README.md``
        for how it was made and its caveats (written, not collected).

    Examples
    --------
    >>> from audit.datasets import load_sentiment
    >>> df = load_sentiment()
    >>> df.shape
    (310, 2)
    """
    df = pd.read_csv(_path(), dtype={"text": str, "label": "int64"}, keep_default_na=False)
    return df[["text", "label"]]
