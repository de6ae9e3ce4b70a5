"""Which input columns a model reads, and where each column of its input matrix comes from.

A scikit-learn model records its input columns (``feature_names_in_``) and a
Pipeline's preprocessing traces every output column to one of them. A torch
module given ``preprocess=transformer.transform`` (a fitted scikit-learn
transformer, as in the demo) names the *matrix* columns in ``feature_names``;
here the transformer is traced the same way, so its one-hot attributions are
summed back to the data's columns too.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from audit.adapters import ModelAdapter, TransformedData

__all__ = ["input_columns", "matrix_sources", "sklearn_preprocessor"]


def sklearn_preprocessor(adapter: ModelAdapter) -> Any:
    """The fitted sklearn transformer behind a torch adapter's ``preprocess``, or None."""
    return getattr(adapter, "preprocessor", None)


def input_columns(adapter: ModelAdapter, X: pd.DataFrame) -> list[str]:
    """The columns of ``X`` the model reads (:meth:`ModelAdapter.used_columns`)."""
    return adapter.used_columns(X)


def matrix_sources(adapter: ModelAdapter, transformed: TransformedData) -> tuple[str, ...]:
    """The input column of each column of the model's input matrix (the adapter traces it)."""
    return tuple(transformed.sources)
