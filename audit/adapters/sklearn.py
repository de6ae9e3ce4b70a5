"""Adapter for fitted scikit-learn estimators and Pipelines."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit.adapters._base import ModelAdapter, ModelFamily, Task, TransformedData
from audit.adapters._family import classify_family
from audit.adapters._sklearn_features import trace_features
from audit.errors import FeatureMismatchError, NotFittedModelError, UnsupportedModelError

__all__ = ["SklearnAdapter", "is_sklearn_model"]

_NOT_FITTED = (
    "The model {name} is not fitted. Call its fit() method before auditing it; "
    "model-audit audits trained models."
)
_NOT_SUPERVISED = (
    "Unsupported scikit-learn estimator {name}: model-audit audits classifiers and "
    "regressors (is_classifier / is_regressor); got estimator type {etype!r}."
)
_MISSING_FEATURES = (
    "The data lacks {count} column(s) the model was trained on: {missing}. "
    "The model expects: {expected}."
)
_WRONG_WIDTH = (
    "The model was trained on {expected} features (without column names) but X has "
    "{got} columns. Pass X with exactly the training columns, in training order."
)
_TEXT_WIDTH = (
    "{name} starts with a text vectorizer and reads one column of documents; X has {got} "
    "columns. Pass the documents as a Series, a 1-D array or a one-column frame."
)
# Attributes of a fitted estimator that are bookkeeping, not learned parameters.
_NOT_PARAMETERS = {"classes_", "feature_names_in_", "n_features_in_", "n_iter_", "n_outputs_"}


def is_sklearn_model(obj: Any) -> bool:
    """True for objects that look like scikit-learn estimators with ``fit`` and ``predict``."""
    return hasattr(obj, "get_params") and hasattr(obj, "fit") and hasattr(obj, "predict")


def _plain_param(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)) and all(
        v is None or isinstance(v, (bool, int, float, str)) for v in value
    ):
        return list(value)
    return repr(value) if len(repr(value)) <= 200 else type(value).__name__


class SklearnAdapter(ModelAdapter):
    """Wrap a fitted scikit-learn estimator or Pipeline.

    Parameters
    ----------
    model : estimator
        A fitted classifier or regressor, or a Pipeline ending in one.
    name : str, optional
        Display name; defaults to the final estimator's class name.
    """

    kind = "sklearn"

    def __init__(self, model: Any, *, name: str | None = None) -> None:
        from sklearn.base import is_classifier, is_regressor
        from sklearn.exceptions import NotFittedError
        from sklearn.pipeline import Pipeline
        from sklearn.utils.validation import check_is_fitted

        self.model = model
        self.is_pipeline = isinstance(model, Pipeline)
        self.final_estimator = model[-1] if self.is_pipeline else model
        self.family: ModelFamily = classify_family(self.final_estimator)
        final_name = type(self.final_estimator).__name__
        self.name = name or (f"Pipeline({final_name})" if self.is_pipeline else final_name)
        if not (is_classifier(model) or is_regressor(model)):
            etype = getattr(model, "_estimator_type", None)
            raise UnsupportedModelError(_NOT_SUPERVISED.format(name=self.name, etype=etype))
        try:
            check_is_fitted(model)
            if self.is_pipeline:
                for _, step in model.steps:
                    if step not in (None, "passthrough"):
                        check_is_fitted(step)
        except NotFittedError as exc:
            raise NotFittedModelError(_NOT_FITTED.format(name=self.name)) from exc
        except TypeError as exc:  # check_is_fitted on a non-estimator step
            raise UnsupportedModelError(str(exc)) from exc
        if is_classifier(model):
            self.classes = np.asarray(model.classes_)
            self.task: Task | None = "binary" if len(self.classes) == 2 else "multiclass"
        else:
            self.classes = None
            self.task = "regression"
        names = getattr(model, "feature_names_in_", None)
        self.input_features = [str(n) for n in names] if names is not None else None
        self.n_features_in = getattr(model, "n_features_in_", None)
        first = model.steps[0][1] if self.is_pipeline else model
        self.text_input = hasattr(first, "build_analyzer")

    # ----------------------------------------------------------------- inputs
    def check_features(self, X: pd.DataFrame) -> None:
        """Raise FeatureMismatchError when X lacks training columns or has the wrong width."""
        if self.text_input:
            if X.shape[1] != 1:
                raise FeatureMismatchError(_TEXT_WIDTH.format(name=self.name, got=X.shape[1]))
            return
        if self.input_features is not None:
            missing = [c for c in self.input_features if c not in X.columns]
            if missing:
                raise FeatureMismatchError(
                    _MISSING_FEATURES.format(
                        count=len(missing),
                        missing=", ".join(map(repr, missing[:10])),
                        expected=", ".join(map(repr, self.input_features[:20])),
                    )
                )
        elif self.n_features_in is not None and X.shape[1] != self.n_features_in:
            raise FeatureMismatchError(
                _WRONG_WIDTH.format(expected=self.n_features_in, got=X.shape[1])
            )

    def model_input(self, X: pd.DataFrame) -> Any:
        """The object to hand to the model: its training columns, or a plain array."""
        if self.text_input:
            return X.iloc[:, 0]
        if self.input_features is not None:
            return X[self.input_features]
        return X.to_numpy()

    # ------------------------------------------------------------ predictions
    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.model.predict(self.model_input(X)))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray | None:
        if self.task == "regression" or not hasattr(self.model, "predict_proba"):
            return None
        try:
            return np.asarray(self.model.predict_proba(self.model_input(X)), dtype=float)
        except AttributeError:  # e.g. SVC(probability=False) exposes it but refuses
            return None

    def decision_function(self, X: pd.DataFrame) -> np.ndarray | None:
        if not hasattr(self.model, "decision_function"):
            return None
        try:
            return np.asarray(self.model.decision_function(self.model_input(X)), dtype=float)
        except AttributeError:
            return None

    # ------------------------------------------------------------- internals
    def _input_names(self, X: pd.DataFrame) -> list[str]:
        if self.input_features is not None and not self.text_input:
            return self.input_features
        return [str(c) for c in X.columns]

    def transform(self, X: pd.DataFrame) -> TransformedData:
        inputs = self._input_names(X)
        if not self.is_pipeline or len(self.model.steps) == 1:
            matrix = np.asarray(self.model_input(X), dtype=float)
            return TransformedData(matrix, list(inputs), list(inputs))
        pre = self.model[:-1]
        matrix = pre.transform(self.model_input(X))
        if hasattr(matrix, "toarray"):
            matrix = matrix.toarray()
        matrix = np.asarray(matrix, dtype=float)
        names, sources = self.feature_sources(inputs)
        if len(names) != matrix.shape[1]:
            names = [f"f{i}" for i in range(matrix.shape[1])]
            sources = list(names)
        return TransformedData(matrix, names, sources)

    def feature_sources(self, inputs: list[str] | None = None) -> tuple[list[str], list[str]]:
        """Output feature names of the preprocessing and the input column each comes from."""
        inputs = inputs if inputs is not None else (self.input_features or [])
        if not self.is_pipeline or len(self.model.steps) == 1:
            return list(inputs), list(inputs)
        return trace_features(self.model[:-1], list(inputs))

    def parameters(self) -> dict[str, np.ndarray]:
        est = self.final_estimator
        out: dict[str, np.ndarray] = {}
        attrs = dict(vars(est))
        for prop in ("coef_", "intercept_", "feature_importances_"):  # may be properties
            if prop not in attrs:
                try:
                    attrs[prop] = np.asarray(getattr(est, prop))
                except (AttributeError, ValueError, TypeError):
                    pass
        for key, value in sorted(attrs.items()):
            if not key.endswith("_") or key.startswith("_") or key in _NOT_PARAMETERS:
                continue
            if isinstance(value, np.ndarray) and value.dtype.kind in "fiu" and value.size:
                out[key] = value
            elif (
                isinstance(value, list) and value and all(isinstance(v, np.ndarray) for v in value)
            ):
                for i, v in enumerate(value):  # MLP coefs_ / intercepts_
                    if v.dtype.kind in "fiu":
                        out[f"{key}[{i}]"] = v
        return out

    def hyperparameters(self) -> dict[str, Any]:
        params = self.final_estimator.get_params(deep=False)
        out = {k: _plain_param(v) for k, v in sorted(params.items())}
        if self.is_pipeline:
            out["pipeline_steps"] = [f"{n}: {type(s).__name__}" for n, s in self.model.steps]
        return out
