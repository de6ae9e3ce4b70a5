"""The matrix a model's learned weights multiply, with names, sources and column spreads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audit.adapters import ModelAdapter
from audit.errors import DataValidationError

__all__ = ["DesignMatrix", "design_matrix", "column_std", "is_text_pipeline", "text_column"]

_TEXT_WIDTH = (
    "A text pipeline (first step {step}) needs one column of documents; got X with "
    "{width} columns ({names}). Pass a 1-D array / Series of strings or a one-column frame."
)


@dataclass(frozen=True)
class DesignMatrix:
    """The final estimator's input on the audit data.

    Attributes
    ----------
    matrix : numpy.ndarray or scipy.sparse matrix
        One row per audit row, one column per model feature (kept sparse for text).
    names : list of str
        Model feature names (``"cat__group_A"``, tokens for text models).
    sources : list of str
        The input column each model feature comes from.
    text : bool
        True when the features are tokens of one text column.
    """

    matrix: Any
    names: list[str]
    sources: list[str]
    text: bool = False


def is_text_pipeline(model: Any) -> bool:
    """True for a Pipeline whose first step is a text vectorizer (has ``build_analyzer``)."""
    steps = getattr(model, "steps", None)
    return bool(steps) and len(steps) > 1 and hasattr(steps[0][1], "build_analyzer")


def text_column(X: pd.DataFrame, *, step: str = "vectorizer") -> pd.Series:
    """The single column of documents of ``X`` (a one-column frame)."""
    if X.shape[1] != 1:
        names = ", ".join(repr(str(c)) for c in list(X.columns)[:8])
        raise DataValidationError(_TEXT_WIDTH.format(step=step, width=X.shape[1], names=names))
    return X.iloc[:, 0]


def design_matrix(adapter: ModelAdapter, X: pd.DataFrame) -> DesignMatrix:
    """Compute the matrix the final estimator sees, without densifying sparse output.

    Parameters
    ----------
    adapter : ModelAdapter
        The wrapped model.
    X : pandas.DataFrame
        Audit data, every column.

    Returns
    -------
    DesignMatrix
    """
    model = adapter.model
    if adapter.kind == "sklearn" and is_text_pipeline(model):
        pre = model[:-1]
        docs = text_column(X, step=type(model.steps[0][1]).__name__)
        matrix = pre.transform(docs.to_numpy())
        try:
            names = [str(n) for n in pre.get_feature_names_out()]
        except (AttributeError, TypeError, ValueError):
            names = [f"f{i}" for i in range(matrix.shape[1])]
        source = str(X.columns[0])
        return DesignMatrix(matrix, names, [source] * len(names), text=True)
    if (
        adapter.kind == "sklearn"
        and getattr(adapter, "is_pipeline", False)
        and len(model.steps) > 1
    ):
        inputs = adapter.input_features or [str(c) for c in X.columns]
        matrix = model[:-1].transform(adapter.model_input(X))  # type: ignore[attr-defined]
        names, sources = adapter.feature_sources(inputs)  # type: ignore[attr-defined]
        if len(names) != matrix.shape[1]:
            names = [f"f{i}" for i in range(matrix.shape[1])]
            sources = list(names)
        if not hasattr(matrix, "toarray"):
            matrix = np.asarray(matrix, dtype=float)
        return DesignMatrix(matrix, list(names), list(sources))
    data = adapter.transform(X)
    return DesignMatrix(data.matrix, list(data.feature_names), list(data.sources))


def column_std(matrix: Any, sample_weight: np.ndarray | None = None) -> np.ndarray:
    """Population standard deviation (ddof=0) of every column, sparse or dense.

    Parameters
    ----------
    matrix : numpy.ndarray or scipy.sparse matrix
        The data.
    sample_weight : numpy.ndarray, optional
        Row weights; the weighted standard deviation when given.

    Returns
    -------
    numpy.ndarray
        One value per column; NaN entries of a dense matrix are ignored.
    """
    if hasattr(matrix, "toarray"):  # scipy.sparse: E[x^2] - E[x]^2, never densified
        csr = matrix.tocsr().astype(float)
        if sample_weight is None:
            w = np.full(csr.shape[0], 1.0 / max(csr.shape[0], 1))
        else:
            w = np.asarray(sample_weight, dtype=float) / float(np.sum(sample_weight))
        mean = np.asarray(csr.T @ w).ravel()
        sq = np.asarray(csr.multiply(csr).T @ w).ravel()
        return np.sqrt(np.clip(sq - mean**2, 0.0, None))
    arr = np.asarray(matrix, dtype=float)
    if sample_weight is None:
        return np.nanstd(arr, axis=0)
    w = np.asarray(sample_weight, dtype=float)
    mean = np.average(arr, axis=0, weights=w)
    return np.sqrt(np.average((arr - mean) ** 2, axis=0, weights=w))
