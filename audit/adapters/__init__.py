"""Model adapters: one interface over scikit-learn estimators, Pipelines and torch modules."""

from __future__ import annotations

from typing import Any

from audit.adapters._base import ModelAdapter, Task, TransformedData
from audit.adapters._family import ModelFamily, classify_family, is_linear_model, tree_family
from audit.adapters.sklearn import SklearnAdapter, is_sklearn_model
from audit.adapters.torch import TorchAdapter, is_torch_module
from audit.errors import UnsupportedModelError

__all__ = [
    "ModelAdapter",
    "ModelFamily",
    "SklearnAdapter",
    "Task",
    "TorchAdapter",
    "TransformedData",
    "classify_family",
    "is_linear_model",
    "make_adapter",
    "tree_family",
]

_UNSUPPORTED = (
    "Unsupported model of type {kind}. model-audit audits fitted scikit-learn "
    "classifiers/regressors (including Pipelines) and torch.nn.Module networks."
)


def make_adapter(model: Any, **options: Any) -> ModelAdapter:
    """Wrap ``model`` in the adapter for its kind.

    Parameters
    ----------
    model : estimator, Pipeline, torch.nn.Module or ModelAdapter
        The fitted model. An adapter is returned unchanged.
    **options
        Passed to the torch adapter (``task``, ``preprocess``, ``feature_names``,
        ``output``, ``threshold``, ``classes``); ``name`` for every kind.

    Raises
    ------
    UnsupportedModelError
        The object is not a model model-audit can audit.
    NotFittedModelError
        A scikit-learn estimator that has not been fitted.
    """
    if isinstance(model, ModelAdapter):
        return model
    if is_torch_module(model):
        return TorchAdapter(model, **options)
    if is_sklearn_model(model):
        return SklearnAdapter(model, name=options.get("name"))
    kind = f"{type(model).__module__}.{type(model).__qualname__}"
    raise UnsupportedModelError(_UNSUPPORTED.format(kind=kind))
