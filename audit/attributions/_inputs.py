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
    preprocess = getattr(adapter, "preprocess", None)
    owner = getattr(preprocess, "__self__", None)
    if owner is None or getattr(preprocess, "__name__", "") != "transform":
        return None
    if not (hasattr(owner, "get_feature_names_out") and hasattr(owner, "feature_names_in_")):
        return None
    return owner


def input_columns(adapter: ModelAdapter, X: pd.DataFrame) -> list[str]:
    """The columns of ``X`` the model reads, in ``X``'s order for torch preprocessing."""
    if adapter.kind == "torch" and getattr(adapter, "preprocess", None) is not None:
        owner = sklearn_preprocessor(adapter)
        if owner is None:  # an opaque callable may read any column
            return [str(c) for c in X.columns]
        used = {str(c) for c in owner.feature_names_in_}
        return [str(c) for c in X.columns if str(c) in used]
    if adapter.input_features is not None:
        return [str(c) for c in adapter.input_features]
    return [str(c) for c in X.columns]


def matrix_sources(adapter: ModelAdapter, transformed: TransformedData) -> tuple[str, ...]:
    """The input column of each column of the model's input matrix."""
    owner = sklearn_preprocessor(adapter) if adapter.kind == "torch" else None
    if owner is not None:
        from audit.adapters._sklearn_features import trace_features

        _, sources = trace_features(owner, [str(c) for c in owner.feature_names_in_])
        if len(sources) == transformed.matrix.shape[1]:
            return tuple(sources)
    return tuple(transformed.sources)
