"""The model output each explainer explains, computed without shap.

Every explainer explains one output space of the final estimator (log-odds,
probability, decision function, prediction). The functions here compute that
output directly from the model, so additivity (base value + sum of attributions
= model output) is checked against the model itself, not against shap.
All outputs are 2-D, ``(n_rows, n_outputs)``; binary tasks have one output, the
score of the positive class ``classes[1]``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from audit.adapters import ModelAdapter

__all__ = [
    "ModelOutput",
    "call_quietly",
    "generic_output",
    "linear_output",
    "linear_parameters",
    "torch_output",
    "torch_forward",
    "tree_output",
]


@dataclass(frozen=True)
class ModelOutput:
    """A model output as a function of the final estimator's input matrix.

    Attributes
    ----------
    fn : callable
        ``fn(matrix) -> ndarray (n_rows, n_outputs)``.
    space : str
        What the output is (``"log-odds"``, ``"probability"``, ...).
    names : tuple of str
        One name per output column (the class, or ``"prediction"``).
    combine : numpy.ndarray or None
        For torch modules, the ``(raw_width, n_outputs)`` matrix that maps the
        module's raw outputs to these outputs (e.g. the logit difference of a
        two-logit binary network); attributions of the raw outputs are mapped
        the same way.
    """

    fn: Callable[[np.ndarray], np.ndarray]
    space: str
    names: tuple[str, ...]
    combine: np.ndarray | None = None


def call_quietly(method: Callable[..., Any], matrix: np.ndarray, **kwargs: Any) -> np.ndarray:
    """Call an estimator method on a plain matrix, silencing sklearn's feature-name warning.

    An estimator fitted on a DataFrame warns when given a numpy array; the final
    estimator of an audit is always given the (already column-ordered) matrix.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        return np.asarray(method(matrix, **kwargs), dtype=float)


def _as_2d(values: np.ndarray) -> np.ndarray:
    return values[:, None] if values.ndim == 1 else values


def _names(adapter: ModelAdapter, width: int) -> tuple[str, ...]:
    classes = adapter.classes
    if adapter.task == "regression" or classes is None:
        return ("prediction",) if width == 1 else tuple(f"output_{i}" for i in range(width))
    if width == 1:
        return (str(classes[-1]),)
    return tuple(str(c) for c in classes)


def _final(adapter: ModelAdapter) -> Any:
    return adapter.final_estimator


def _method(est: Any, name: str, *, positive_only: bool = False, **kwargs: Any) -> Callable:
    """``est.<name>(matrix, **kwargs)`` as a 2-D array; only the last (positive-class)
    column when ``positive_only``."""
    method = getattr(est, name)
    if positive_only:
        return lambda m: _as_2d(call_quietly(method, m, **kwargs))[:, -1:]
    return lambda m: _as_2d(call_quietly(method, m, **kwargs))


def _prediction(est: Any) -> ModelOutput:
    return ModelOutput(_method(est, "predict"), "prediction", ("prediction",))


def _class_names(adapter: ModelAdapter) -> tuple[str, ...]:
    """One name for a binary task (the positive class), one per class otherwise."""
    n_classes = len(adapter.classes) if adapter.classes is not None else 2
    return _names(adapter, 1 if adapter.task == "binary" else n_classes)


def linear_parameters(est: Any, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """A linear estimator's weights ``(n_features, n_outputs)`` and intercepts ``(n_outputs,)``."""
    coef = np.asarray(est.coef_, dtype=float)
    weights = coef.reshape(-1, n_features).T
    intercept = np.asarray(getattr(est, "intercept_", 0.0), dtype=float).reshape(-1)
    if intercept.size == 1 and weights.shape[1] > 1:
        intercept = np.repeat(intercept, weights.shape[1])
    return weights, intercept


def linear_output(adapter: ModelAdapter) -> ModelOutput:
    """Decision function (classifiers) or prediction (regressors) of a linear model."""
    est = _final(adapter)
    if adapter.task == "regression":
        return _prediction(est)
    logistic = any("Logistic" in c.__name__ for c in type(est).__mro__)
    margin = "log-odds" if adapter.task == "binary" else "logits"
    space = margin if logistic else "decision function"
    return ModelOutput(_method(est, "decision_function"), space, _class_names(adapter))


def tree_output(adapter: ModelAdapter) -> ModelOutput:
    """The raw output shap.TreeExplainer explains for each tree ensemble family."""
    est = _final(adapter)
    if adapter.task == "regression":
        return _prediction(est)
    packages = {c.__module__.split(".")[0] for c in type(est).__mro__}
    names = _class_names(adapter)
    margin = "log-odds" if adapter.task == "binary" else "logits"
    if "lightgbm" in packages:
        return ModelOutput(_method(est, "predict", raw_score=True), margin, names)
    if "xgboost" in packages:
        return ModelOutput(_method(est, "predict", output_margin=True), margin, names)
    if hasattr(est, "decision_function"):  # gradient boosting: the raw margin
        return ModelOutput(_method(est, "decision_function"), margin, names)
    binary = adapter.task == "binary"
    return ModelOutput(_method(est, "predict_proba", positive_only=binary), "probability", names)


def generic_output(adapter: ModelAdapter, rows: np.ndarray) -> ModelOutput:
    """For model-agnostic explainers: probability, else decision function, else prediction.

    ``rows`` (at least one row of the final estimator's input) tell a torch
    module's output width.
    """
    if adapter.kind == "torch":
        return torch_output(adapter, torch_forward(adapter, rows[:1]).shape[1])
    est = _final(adapter)
    if adapter.task == "regression":
        return _prediction(est)
    names = _class_names(adapter)
    if hasattr(est, "predict_proba"):
        binary = adapter.task == "binary"
        proba = _method(est, "predict_proba", positive_only=binary)
        return ModelOutput(proba, "probability", names)
    return ModelOutput(_method(est, "decision_function"), "decision function", names)


def torch_forward(adapter: ModelAdapter, matrix: np.ndarray) -> np.ndarray:
    """The module's raw outputs ``(n_rows, width)`` in float64, in eval mode."""
    from audit.adapters.torch import import_torch

    torch = import_torch()
    module = adapter.model
    was_training = module.training
    module.eval()
    size = int(getattr(adapter, "batch_size", 65536))
    data = np.ascontiguousarray(matrix, dtype=np.float32)
    outs = []
    try:
        with torch.no_grad():
            for start in range(0, max(len(data), 1), size):
                out = module(torch.from_numpy(data[start : start + size]))
                outs.append(out.detach().cpu().double().numpy())
    finally:
        module.train(was_training)
    return _as_2d(np.concatenate(outs))


def torch_output(adapter: ModelAdapter, width: int) -> ModelOutput:
    """A torch module's logits (or probabilities), with a two-logit binary head reduced
    to the log-odds ``z1 - z0``; ``width`` is the module's raw output width."""
    probabilities = getattr(adapter, "output", "logits") == "probabilities"
    if adapter.task == "binary" and width == 2:
        combine = np.array([[0.0], [1.0]]) if probabilities else np.array([[-1.0], [1.0]])
        space = "probability" if probabilities else "log-odds"
        names = _names(adapter, 1)
    else:
        combine = np.eye(width)
        if adapter.task == "regression":
            space = "prediction"
        elif adapter.task == "binary":
            space = "probability" if probabilities else "log-odds"
        else:
            space = "probabilities" if probabilities else "logits"
        names = _names(adapter, width)
    return ModelOutput(lambda m: torch_forward(adapter, m) @ combine, space, names, combine=combine)
