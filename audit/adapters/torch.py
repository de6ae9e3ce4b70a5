"""Adapter for ``torch.nn.Module`` models on tabular data (torch imported lazily)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from audit.adapters._base import ModelAdapter, ModelFamily, Task, TransformedData
from audit.errors import DataValidationError, FeatureMismatchError, OptionalDependencyError

__all__ = ["TorchAdapter", "import_torch", "is_torch_module"]

_NO_TORCH = (
    "This needs PyTorch, which is not installed. Install the extra: "
    "pip install 'model-audit[torch]'."
)
_NON_NUMERIC = (
    "A torch model needs a numeric input matrix; columns {cols} are not numeric. "
    "Pass preprocess=callable(DataFrame) -> array to encode them."
)
_BAD_TASK = "task must be 'binary', 'multiclass' or 'regression'; got {task!r}."
_OUTPUT_WIDTH = (
    "The module returns {width} outputs per row, which does not fit task {task!r} "
    "(binary: 1 or 2 outputs; multiclass: >= 2; regression: 1)."
)
_INPUT_WIDTH = (
    "The module could not run on the data: {error}. The input matrix has {width} "
    "columns ({names}); check that X holds the features the network was trained on."
)


def sklearn_preprocessor(preprocess: Any) -> Any:
    """The fitted scikit-learn transformer behind ``preprocess=transformer.transform``, or None."""
    owner = getattr(preprocess, "__self__", None)
    if owner is None or getattr(preprocess, "__name__", "") != "transform":
        return None
    if not (hasattr(owner, "get_feature_names_out") and hasattr(owner, "feature_names_in_")):
        return None
    return owner


def import_torch() -> Any:
    """Import torch or raise :class:`OptionalDependencyError` naming the extra."""
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise OptionalDependencyError(_NO_TORCH) from exc
    return torch


def is_torch_module(obj: Any) -> bool:
    """True for ``torch.nn.Module`` instances, checked by name without importing torch."""
    return any(
        cls.__name__ == "Module" and cls.__module__.startswith("torch.nn")
        for cls in type(obj).__mro__
    )


class TorchAdapter(ModelAdapter):
    """Wrap a ``torch.nn.Module`` that maps a numeric feature matrix to outputs.

    Parameters
    ----------
    module : torch.nn.Module
        The trained network. Its training/eval mode is restored after every call.
    task : {"binary", "multiclass", "regression"}, optional
        Inferred from the output width when omitted (1 → binary, k ≥ 2 → multiclass).
    preprocess : callable, optional
        ``preprocess(X: DataFrame) -> array`` producing the numeric input matrix.
    feature_names : sequence of str, optional
        Names of the input matrix's columns (default: X's columns).
    output : {"logits", "probabilities"}, default="logits"
        What the module returns; logits go through sigmoid / softmax.
    threshold : float, default=0.5
        Decision threshold on the positive-class probability for binary tasks.
    classes : sequence, optional
        Class labels (default 0..k-1).
    batch_size : int, default=65536
        Rows per forward pass.
    name : str, optional
        Display name (default: the module's class name).
    """

    kind = "torch"
    family: ModelFamily = "torch"

    def __init__(
        self,
        module: Any,
        *,
        task: Task | None = None,
        preprocess: Callable[[pd.DataFrame], Any] | None = None,
        feature_names: Sequence[str] | None = None,
        output: Literal["logits", "probabilities"] = "logits",
        threshold: float = 0.5,
        classes: Sequence[Any] | None = None,
        batch_size: int = 65536,
        name: str | None = None,
    ) -> None:
        if task is not None and task not in ("binary", "multiclass", "regression"):
            raise DataValidationError(_BAD_TASK.format(task=task))
        self.model = module
        self.final_estimator = module
        self.name = name or type(module).__name__
        self.task = task
        self.preprocess = preprocess
        self.feature_names = list(feature_names) if feature_names is not None else None
        self.preprocessor = sklearn_preprocessor(preprocess)
        if preprocess is None:
            self.input_features = self.feature_names
        elif self.preprocessor is not None:
            self.input_features = [str(c) for c in self.preprocessor.feature_names_in_]
        else:
            self.input_features = None  # an opaque callable may read any column
        self.output = output
        self.threshold = threshold
        self.batch_size = batch_size
        self.classes = np.asarray(classes) if classes is not None else None
        self._width: int | None = None

    # ------------------------------------------------------------------ helpers
    def input_matrix(self, X: pd.DataFrame) -> np.ndarray:
        """The numeric matrix fed to the module."""
        if self.preprocess is not None:
            matrix = self.preprocess(X)
            if hasattr(matrix, "detach"):
                matrix = matrix.detach().cpu().numpy()
            return np.asarray(matrix, dtype=np.float32)
        frame = X[self.input_features] if self.input_features is not None else X
        bad = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        if bad:
            raise DataValidationError(_NON_NUMERIC.format(cols=", ".join(map(repr, bad[:10]))))
        return frame.to_numpy(dtype=np.float32)

    def check_features(self, X: pd.DataFrame) -> None:
        if self.input_features is not None:
            missing = [c for c in self.input_features if c not in X.columns]
            if missing:
                where = "feature_names" if self.preprocess is None else "the preprocessing"
                raise FeatureMismatchError(
                    f"The data lacks column(s) {missing[:10]} that {where} needs."
                )
        self._raw(X.iloc[:1])  # a one-row forward pass surfaces width errors early

    def _raw(self, X: pd.DataFrame) -> np.ndarray:
        torch = import_torch()
        matrix = self.input_matrix(X)
        was_training = self.model.training
        self.model.eval()
        outs = []
        try:
            with torch.no_grad():
                for start in range(0, max(len(matrix), 1), self.batch_size):
                    batch = torch.from_numpy(np.array(matrix[start : start + self.batch_size]))
                    outs.append(self.model(batch).detach().cpu().double().numpy())
        except RuntimeError as exc:
            names = ", ".join(map(str, list(X.columns)[:8]))
            raise FeatureMismatchError(
                _INPUT_WIDTH.format(
                    error=str(exc).splitlines()[0], width=matrix.shape[1], names=names
                )
            ) from exc
        finally:
            self.model.train(was_training)
        raw = np.concatenate(outs) if outs else np.zeros((0, 1))
        if raw.ndim == 1:
            raw = raw[:, None]
        self._settle_task(raw.shape[1])
        return raw

    def _settle_task(self, width: int) -> None:
        if self._width is not None:
            return
        self._width = width
        if self.task is None:
            self.task = "binary" if width <= 2 else "multiclass"
        if (self.task == "regression" and width != 1) or (self.task == "binary" and width > 2):
            raise FeatureMismatchError(_OUTPUT_WIDTH.format(width=width, task=self.task))
        if self.classes is None and self.task != "regression":
            self.classes = np.arange(2 if self.task == "binary" else width)

    # -------------------------------------------------------------- predictions
    def predict_proba(self, X: pd.DataFrame) -> np.ndarray | None:
        raw = self._raw(X)
        if self.task == "regression":
            return None
        if raw.shape[1] == 1:
            p = raw[:, 0] if self.output == "probabilities" else 1.0 / (1.0 + np.exp(-raw[:, 0]))
            return np.column_stack([1.0 - p, p])
        if self.output == "probabilities":
            return raw
        shifted = raw - raw.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        if self.task == "regression":
            return self._raw(X)[:, 0]
        proba = self.predict_proba(X)
        assert proba is not None and self.classes is not None
        if self.task == "binary":
            return self.classes[(proba[:, 1] >= self.threshold).astype(int)]
        return self.classes[np.argmax(proba, axis=1)]

    def decision_function(self, X: pd.DataFrame) -> np.ndarray | None:
        raw = self._raw(X)
        return raw[:, 0] if raw.shape[1] == 1 else raw

    # ---------------------------------------------------------------- internals
    def transform(self, X: pd.DataFrame) -> TransformedData:
        matrix = self.input_matrix(X).astype(float)
        sources: list[str] | None = None
        traced: list[str] | None = None
        if self.preprocessor is not None:
            from audit.adapters._sklearn_features import trace_features

            traced, sources = trace_features(self.preprocessor, list(self.input_features or []))
            if len(sources) != matrix.shape[1]:
                traced = sources = None
        if self.feature_names is not None and len(self.feature_names) == matrix.shape[1]:
            names = list(self.feature_names)
        elif traced is not None:
            names = list(traced)
        elif self.preprocess is None:
            names = [str(c) for c in (self.input_features or X.columns)]
        else:
            names = [f"x{i}" for i in range(matrix.shape[1])]
        return TransformedData(matrix, names, list(sources) if sources is not None else list(names))

    def parameters(self) -> dict[str, np.ndarray]:
        return {name: p.detach().cpu().numpy().copy() for name, p in self.model.named_parameters()}

    def hyperparameters(self) -> dict[str, Any]:
        layers = {
            name or "<root>": repr(mod)
            for name, mod in self.model.named_modules()
            if not list(mod.children())
        }
        return {
            "layers": layers,
            "output": self.output,
            "threshold": self.threshold,
            "parameter_shapes": {n: list(p.shape) for n, p in self.model.named_parameters()},
        }
