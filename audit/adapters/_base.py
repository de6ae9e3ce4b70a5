"""The one interface every model type is wrapped into."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = ["ModelAdapter", "Task", "TransformedData"]

ModelFamily = Literal["linear", "tree", "torch", "other"]

Task = Literal["binary", "multiclass", "regression"]


@dataclass(frozen=True)
class TransformedData:
    """The matrix the model's final estimator actually sees.

    Attributes
    ----------
    matrix : numpy.ndarray
        Dense 2-D float array, one column per output feature.
    feature_names : list of str
        Name of each output feature (e.g. ``"cat__sex_Male"``).
    sources : list of str
        The input column each output feature comes from (one-hot columns map
        back to the column they encode).
    """

    matrix: np.ndarray
    feature_names: list[str]
    sources: list[str]


class ModelAdapter(ABC):
    """Uniform access to a fitted model.

    Attributes
    ----------
    model : object
        The user's model, never modified.
    kind : str
        ``"sklearn"`` or ``"torch"``.
    name : str
        Display name (the estimator's class, or a name the user gave).
    task : {"binary", "multiclass", "regression"} or None
        Task as known from the model itself (None when the model cannot tell).
    classes : numpy.ndarray or None
        Class labels in the order of ``predict_proba`` columns.
    input_features : list of str or None
        The columns the model was trained on, when it records them.
    final_estimator : object
        What the data reaches last: a Pipeline's final step, else the model.
    family : {"linear", "tree", "torch", "other"}
        The model family, classified once (:func:`audit.adapters.classify_family`).
    """

    model: Any
    final_estimator: Any
    family: ModelFamily
    kind: str
    name: str
    task: Task | None
    classes: np.ndarray | None
    input_features: list[str] | None

    @abstractmethod
    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted labels (classification) or values (regression)."""

    @abstractmethod
    def predict_proba(self, X: pd.DataFrame) -> np.ndarray | None:
        """Class probabilities, shape (n, n_classes), or None when unavailable."""

    def decision_function(self, X: pd.DataFrame) -> np.ndarray | None:
        """Raw decision scores, or None when the model has none."""
        return None

    @abstractmethod
    def transform(self, X: pd.DataFrame) -> TransformedData:
        """The data as the final estimator sees it, with names and source columns."""

    @abstractmethod
    def parameters(self) -> dict[str, np.ndarray]:
        """Learned parameters as named arrays (coef_, intercept_, layer weights, ...)."""

    @abstractmethod
    def hyperparameters(self) -> dict[str, Any]:
        """Settings chosen before training (``get_params()``, layer shapes)."""

    def used_columns(self, X: pd.DataFrame) -> list[str]:
        """The columns of ``X`` the model reads (all of them when it records none)."""
        if self.input_features is not None:
            used = {str(c) for c in self.input_features}
            if self.kind == "torch":  # an opaque preprocess: keep the data's order
                return [str(c) for c in X.columns if str(c) in used]
            return [str(c) for c in self.input_features]
        return [str(c) for c in X.columns]

    def check_features(self, X: pd.DataFrame) -> None:  # noqa: B027 - optional hook
        """Raise :class:`audit.errors.FeatureMismatchError` if X does not fit the model."""

    @property
    def n_parameters(self) -> int:
        """Total number of learned scalar parameters."""
        return int(sum(np.asarray(v).size for v in self.parameters().values()))
