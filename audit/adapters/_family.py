"""The model family, classified once, here: every caller reads ``adapter.family``.

The family decides which readings of the parameters apply (coefficients, tree
statistics, layer statistics) and which explainer is exact. It is decided by
class name and module (no optional library is imported), from the estimator
the data reaches last (a Pipeline's final step).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from audit.adapters._base import ModelFamily

__all__ = ["ModelFamily", "classify_family", "is_linear_model", "tree_family"]

_SKLEARN_SINGLE = {
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "ExtraTreeClassifier",
    "ExtraTreeRegressor",
}
_SKLEARN_FOREST = {
    "RandomForestClassifier",
    "RandomForestRegressor",
    "ExtraTreesClassifier",
    "ExtraTreesRegressor",
}
_SKLEARN_GB = {"GradientBoostingClassifier", "GradientBoostingRegressor"}
_SKLEARN_HGB = {"HistGradientBoostingClassifier", "HistGradientBoostingRegressor"}
_LIGHTGBM = {"LGBMClassifier", "LGBMRegressor", "LGBMRanker", "LGBMModel"}
_XGBOOST = {"XGBClassifier", "XGBRegressor", "XGBRFClassifier", "XGBRFRegressor", "XGBModel"}


def tree_family(estimator: Any) -> str | None:
    """``"tree"``, ``"forest"``, ``"gradient_boosting"``, ``"hist_gradient_boosting"``,
    ``"lightgbm"``, ``"xgboost"`` or None, by class name and module (no imports)."""
    for cls in type(estimator).__mro__:
        module, name = cls.__module__, cls.__name__
        if module.startswith("sklearn."):
            if name in _SKLEARN_SINGLE:
                return "tree"
            if name in _SKLEARN_FOREST:
                return "forest"
            if name in _SKLEARN_GB:
                return "gradient_boosting"
            if name in _SKLEARN_HGB:
                return "hist_gradient_boosting"
        if module.startswith("lightgbm") and name in _LIGHTGBM:
            return "lightgbm"
        if module.startswith("xgboost") and name in _XGBOOST:
            return "xgboost"
    return None


_NON_LINEAR_MODULES = ("sklearn.neural_network", "sklearn.tree", "sklearn.ensemble")


def is_linear_model(estimator: Any) -> bool:
    """True for fitted estimators with a usable ``coef_`` (linear models, LinearSVC, SGD, ...).

    ``SVC(kernel="rbf")`` raises on ``coef_`` and is not linear; MLPs (``coefs_``) are not.
    """
    if type(estimator).__module__.startswith(_NON_LINEAR_MODULES):
        return False
    try:
        coef = estimator.coef_
    except (AttributeError, ValueError):
        return False
    if hasattr(coef, "toarray"):
        coef = coef.toarray()
    arr = np.asarray(coef)
    return arr.dtype.kind in "fiu" and arr.ndim in (1, 2) and arr.size > 0


def classify_family(estimator: Any) -> ModelFamily:
    """``"tree"``, ``"linear"`` or ``"other"`` for a fitted scikit-learn-style estimator."""
    if tree_family(estimator) is not None:
        return "tree"
    if is_linear_model(estimator):
        return "linear"
    return "other"
