"""What a trained model's learned weights say about it.

A model's parameters are the most direct record of what it learned, but raw
numbers mislead: a coefficient on income in dollars and one on a 0/1 flag live on
different scales, a tree has no coefficients at all, and a network's millions of
weights have no feature names. This package turns each kind into the same few
answers:

* **per-feature weight** — linear models: coefficient × std of the column the
  model sees (*standardized coefficient*), summed over one-hot columns back to the
  input column; trees: importances and split counts; torch: the first layer's
  per-input column norms × input std;
* **concentration** — the top feature's share of the total weight, top-k shares,
  Gini and HHI, and an ``imbalanced_weights`` finding above the policy threshold;
  a ``sensitive_attribute_used`` finding when a sensitive model input carries weight;
* **distributions** — per layer: moments, norms, a shape label by a stated rule,
  scale against Xavier/He initialization, dead ReLU units;
* **complexity vs interpretability**, **token weights** of text models,
  **what-if** edits of a copy of the weights, and **evolution** during training.

``import audit.weights`` imports neither torch nor matplotlib; they load inside
the functions that need them.
"""

from audit.weights._analysis import (
    ModelKind,
    analyze_weights,
    coefficient_importance,
    context_coefficients,
    context_weights,
    model_kind,
    weights_from_adapter,
)
from audit.weights._complexity import (
    LINEAR_HIGH_MAX_NONZERO,
    TREE_HIGH_MAX_DEPTH,
    interpretability,
)
from audit.weights._concentration import (
    LEVEL_HIGH_CUMSHARE,
    LEVEL_MEDIUM_CUMSHARE,
    gini,
    importance_levels,
)
from audit.weights._findings import DEAD_UNITS_WARNING
from audit.weights._plots import plot_layer_distributions, plot_weight_evolution, plot_weights
from audit.weights._result import WeightsResult
from audit.weights._stats import (
    HEAVY_TAIL_KURTOSIS,
    NEAR_ZERO_RELATIVE,
    SHAPE_LABELS,
    SHAPE_MIN_COUNT,
    SKEW_THRESHOLD,
    UNIFORM_KURTOSIS_RANGE,
    UNIFORM_MAX_RANGE_OVER_STD,
    distribution_stats,
    shape_label,
)
from audit.weights._text import token_weights
from audit.weights._torch import EXPLODING_RATIO, VANISHING_RATIO
from audit.weights._tracker import TrackingResult, WeightTracker
from audit.weights._what_if import (
    AddNoise,
    Edit,
    PruneSmallest,
    ScaleFeature,
    ScaleLayer,
    WhatIfResult,
    ZeroFeature,
    what_if,
)

# __all__ is built section by section (the sections of the API reference); ruff reads `+=`.
__all__ = [
    "analyze_weights",
    "weights_from_adapter",
    "model_kind",
    "ModelKind",
    "WeightsResult",
    "coefficient_importance",
    "context_weights",
    "context_coefficients",
]
# statistics and rules
__all__ += ["distribution_stats", "shape_label", "gini", "importance_levels", "interpretability"]
# text models
__all__ += ["token_weights"]
# modified weights (what-if)
__all__ += [
    "what_if",
    "WhatIfResult",
    "Edit",
    "ZeroFeature",
    "ScaleFeature",
    "ScaleLayer",
    "AddNoise",
    "PruneSmallest",
]
# evolution during training
__all__ += ["WeightTracker", "TrackingResult"]
# plots
__all__ += ["plot_weights", "plot_layer_distributions", "plot_weight_evolution"]
# thresholds of the stated rules
__all__ += [
    "SHAPE_LABELS",
    "SHAPE_MIN_COUNT",
    "SKEW_THRESHOLD",
    "HEAVY_TAIL_KURTOSIS",
    "UNIFORM_KURTOSIS_RANGE",
    "UNIFORM_MAX_RANGE_OVER_STD",
    "NEAR_ZERO_RELATIVE",
    "VANISHING_RATIO",
    "EXPLODING_RATIO",
    "DEAD_UNITS_WARNING",
    "LEVEL_HIGH_CUMSHARE",
    "LEVEL_MEDIUM_CUMSHARE",
    "LINEAR_HIGH_MAX_NONZERO",
    "TREE_HIGH_MAX_DEPTH",
]
