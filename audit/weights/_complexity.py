"""Model complexity beside how interpretable the model is (Table 8).

Interpretability level rule (first match wins; thresholds are the constants):

* linear model with at most :data:`LINEAR_HIGH_MAX_NONZERO` nonzero coefficients
  (counted per model column, over all classes) → ``"high"``; more → ``"medium"``;
* a single decision tree of depth at most :data:`TREE_HIGH_MAX_DEPTH` → ``"high"``;
  deeper → ``"medium"``;
* tree ensembles and gradient boosting → ``"medium"``;
* neural networks (torch) and anything else → ``"low"``.

"Parameters" counted: linear — coefficients plus intercepts; trees — nodes (each
a threshold or a leaf value); torch — every scalar of every parameter tensor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["LINEAR_HIGH_MAX_NONZERO", "TREE_HIGH_MAX_DEPTH", "interpretability", "complexity"]

LINEAR_HIGH_MAX_NONZERO = 20
"""A linear model with at most this many nonzero coefficients is highly interpretable."""
TREE_HIGH_MAX_DEPTH = 5
"""A single tree at most this deep is highly interpretable."""


def interpretability(
    model_kind: str, *, n_nonzero_features: int = 0, tree_family: str = "", depth: int = 0
) -> tuple[str, str]:
    """Interpretability level and the reason, by this module's rule.

    Parameters
    ----------
    model_kind : {"linear", "tree", "torch"} or other
        The kind of model.
    n_nonzero_features : int
        Model columns with a nonzero coefficient (linear).
    tree_family : str
        ``"tree"`` for a single decision tree, else an ensemble family.
    depth : int
        Depth of a single tree.

    Returns
    -------
    level : {"high", "medium", "low"}
    reason : str
    """
    if model_kind == "linear":
        if n_nonzero_features <= LINEAR_HIGH_MAX_NONZERO:
            return "high", (
                f"linear model with {n_nonzero_features} nonzero coefficients "
                f"(<= {LINEAR_HIGH_MAX_NONZERO})"
            )
        return "medium", (
            f"linear model with {n_nonzero_features} nonzero coefficients "
            f"(> {LINEAR_HIGH_MAX_NONZERO})"
        )
    if model_kind == "tree":
        if tree_family == "tree":
            if depth <= TREE_HIGH_MAX_DEPTH:
                return "high", f"single decision tree of depth {depth} (<= {TREE_HIGH_MAX_DEPTH})"
            return "medium", f"single decision tree of depth {depth} (> {TREE_HIGH_MAX_DEPTH})"
        return "medium", f"tree ensemble ({tree_family})"
    if model_kind == "torch":
        return "low", "neural network"
    return "low", "model whose parameters cannot be read as per-feature weights"


def complexity(
    model_kind: str,
    *,
    n_parameters: int,
    n_nonzero: int,
    n_features_in: int,
    n_features_used: int,
    hyperparameters: Mapping[str, Any],
    depth: int | None = None,
    n_leaves: int | None = None,
    n_layers: int | None = None,
    n_trees: int | None = None,
    tree_family: str = "",
    n_nonzero_features: int = 0,
) -> dict[str, Any]:
    """Table 8 row: counts, structure, hyperparameters and the interpretability level.

    Returns
    -------
    dict
        ``model_kind, n_parameters, n_nonzero, n_features_in, n_features_used,
        depth, n_leaves, n_layers, n_trees, interpretability,
        interpretability_reason, hyperparameters``.
    """
    level, reason = interpretability(
        model_kind,
        n_nonzero_features=n_nonzero_features,
        tree_family=tree_family,
        depth=int(depth or 0),
    )
    return {
        "model_kind": model_kind,
        "n_parameters": int(n_parameters),
        "n_nonzero": int(n_nonzero),
        "n_features_in": int(n_features_in),
        "n_features_used": int(n_features_used),
        "depth": depth,
        "n_leaves": n_leaves,
        "n_layers": n_layers,
        "n_trees": n_trees,
        "interpretability": level,
        "interpretability_reason": reason,
        "hyperparameters": dict(hyperparameters),
    }
