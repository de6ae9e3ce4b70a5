"""Scoring a model the same way for every importance method."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from audit.adapters import ModelAdapter
from audit.errors import DataValidationError

__all__ = ["AdapterEstimator", "default_scoring", "make_scorer_for", "model_input"]

_TORCH_SCORING = (
    "scoring={scoring!r} is not available for torch modules; use 'accuracy' (classification) "
    "or 'r2' (regression), or a callable scorer(estimator, X, y)."
)


def default_scoring(task: str | None) -> str:
    """``"accuracy"`` for classifiers, ``"r2"`` for regressors."""
    return "r2" if task == "regression" else "accuracy"


class AdapterEstimator:
    """A fitted, predict-only stand-in for a non-sklearn model (sklearn requires ``fit``).

    Parameters
    ----------
    adapter : ModelAdapter
        The wrapped model; ``predict`` takes the input DataFrame.
    columns : list of str
        Column names to restore when sklearn hands over a plain array.
    """

    def __init__(self, adapter: ModelAdapter, columns: list[str]) -> None:
        self.adapter = adapter
        self.columns = columns

    def fit(self, X: Any, y: Any = None) -> AdapterEstimator:
        """Not supported: the model is already trained."""
        raise NotImplementedError("AdapterEstimator wraps an already trained model.")

    def predict(self, X: Any) -> np.ndarray:
        """Predictions of the wrapped model."""
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X, columns=self.columns)
        return self.adapter.predict(frame)


def model_input(adapter: ModelAdapter, X: pd.DataFrame) -> pd.DataFrame:
    """The input columns of ``X`` the model reads, as a DataFrame (no copy when possible)."""
    columns = adapter.used_columns(X)
    if columns == [str(c) for c in X.columns]:
        return X
    return X[columns]


def make_scorer_for(
    adapter: ModelAdapter, scoring: str | Callable[..., float] | None
) -> tuple[Any, Any, str]:
    """(estimator, scorer, name) to hand to sklearn for this adapter.

    sklearn models are scored by sklearn's own scorers; torch modules by a
    callable computing accuracy or R² from ``adapter.predict``.
    """
    name = default_scoring(adapter.task) if scoring is None else scoring
    label = name if isinstance(name, str) else getattr(name, "__name__", "custom")
    if adapter.kind == "sklearn":
        return adapter.model, name, label
    if callable(name):
        return None, name, label
    from sklearn.metrics import accuracy_score, r2_score

    metrics = {"accuracy": accuracy_score, "r2": r2_score}
    if name not in metrics:
        raise DataValidationError(_TORCH_SCORING.format(scoring=name))
    metric = metrics[name]

    def scorer(estimator: Any, X: Any, y: Any, sample_weight: Any = None) -> float:
        return float(metric(y, estimator.predict(X), sample_weight=sample_weight))

    return None, scorer, label
