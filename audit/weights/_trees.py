"""Tree models: importances, split counts per feature, depth and leaves per tree.

Supported (probed by class name, so optional libraries are never imported):
scikit-learn ``DecisionTree*``/``ExtraTree*``, ``RandomForest*``, ``ExtraTrees*``,
``GradientBoosting*``, ``HistGradientBoosting*``; LightGBM ``LGBM*`` and XGBoost
``XGB*`` estimators when those libraries are installed.

What "importance" means per family (``importance_kind``):

* scikit-learn trees and forests, GradientBoosting: ``"impurity"`` — the fitted
  ``feature_importances_`` (normalised total impurity decrease); ``gain`` is the
  unnormalised weighted impurity decrease summed over trees.
* HistGradientBoosting has no ``feature_importances_``: ``"split_gain"`` — each
  feature's share of the total split gain stored in the fitted predictors' nodes
  (``_predictors[i][k].nodes["gain"]``, a private attribute of scikit-learn).
* LightGBM: ``"split_gain"`` from ``booster_.feature_importance("gain")``.
* XGBoost: ``"split_gain"`` from ``get_score(importance_type="total_gain")``.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from audit.adapters import tree_family
from audit.errors import UnsupportedModelError

__all__ = ["tree_family", "tree_statistics", "TREE_COLUMNS"]

TREE_COLUMNS = ["feature", "source", "importance", "share", "split_count", "gain"]


_NOT_A_TREE = (
    "{name} is not a supported tree model; supported: scikit-learn DecisionTree*, ExtraTree*, "
    "RandomForest*, ExtraTrees*, GradientBoosting*, HistGradientBoosting*, LightGBM LGBM*, "
    "XGBoost XGB*."
)
_HGB_NOTE = (
    "HistGradientBoosting has no feature_importances_; importance is each feature's share "
    "of the total split gain read from the fitted predictors' nodes, and split counts are "
    "counted there too."
)


def _sklearn_trees(estimator: Any, family: str) -> list[Any]:
    if family == "tree":
        return [estimator.tree_]
    return [t.tree_ for t in np.asarray(estimator.estimators_, dtype=object).ravel()]


def _sklearn_stats(estimator: Any, family: str, n: int) -> dict[str, Any]:
    trees = _sklearn_trees(estimator, family)
    splits = np.zeros(n)
    gain = np.zeros(n)
    depths, leaves, nodes = [], [], 0
    for tree in trees:
        internal = tree.children_left != -1
        feats = tree.feature[internal]
        splits += np.bincount(feats, minlength=n)[:n]
        gain += tree.compute_feature_importances(normalize=False)[:n]
        depths.append(int(tree.max_depth))
        leaves.append(int(tree.n_leaves))
        nodes += int(tree.node_count)
    importance = np.asarray(estimator.feature_importances_, dtype=float)
    return {
        "importance": importance,
        "splits": splits,
        "gain": gain,
        "depths": depths,
        "leaves": leaves,
        "nodes": nodes,
        "kind": "impurity",
        "note": "",
    }


def _hgb_permutation(estimator: Any, n: int) -> np.ndarray:
    """Map HistGradientBoosting's internal column order back to input order."""
    pre = getattr(estimator, "_preprocessor", None)
    perm = np.arange(n)
    if pre is None:
        return perm
    inputs = list(getattr(estimator, "feature_names_in_", []))
    for name, _trans, columns in pre.transformers_:
        part = pre.output_indices_.get(name, slice(0, 0))
        if part.stop - part.start == 0:
            continue
        cols = np.atleast_1d(np.asarray(columns))
        if cols.dtype == bool:
            idx = np.flatnonzero(cols)
        elif cols.dtype.kind in "iu":
            idx = cols.astype(int)
        else:
            idx = np.asarray([inputs.index(str(c)) for c in cols], dtype=int)
        if len(idx) == part.stop - part.start:
            perm[part] = idx
    return perm


def _gain_stats(
    splits: np.ndarray,
    gain: np.ndarray,
    depths: list[int],
    leaves: list[int],
    nodes: int,
    note: str = "",
) -> dict[str, Any]:
    """The stats dict of a boosted model whose importance is its share of total split gain."""
    total = gain.sum()
    return {
        "importance": gain / total if total > 0 else np.zeros(len(gain)),
        "splits": splits,
        "gain": gain,
        "depths": depths,
        "leaves": leaves,
        "nodes": nodes,
        "kind": "split_gain",
        "note": note,
    }


def _hgb_stats(estimator: Any, n: int) -> dict[str, Any]:
    perm = _hgb_permutation(estimator, n)
    splits = np.zeros(n)
    gain = np.zeros(n)
    depths, leaves, nodes = [], [], 0
    for stage in estimator._predictors:
        for predictor in stage:
            table = predictor.nodes
            internal = table["is_leaf"] == 0
            feats = perm[table["feature_idx"][internal].astype(int)]
            splits += np.bincount(feats, minlength=n)[:n]
            gain += np.bincount(feats, weights=table["gain"][internal], minlength=n)[:n]
            depths.append(int(table["depth"].max()))
            leaves.append(int((~internal).sum()))
            nodes += len(table)
    return _gain_stats(splits, gain, depths, leaves, nodes, _HGB_NOTE)


def _walk_lightgbm(node: dict[str, Any], depth: int = 0) -> tuple[int, int, int]:
    """(max depth, leaves, nodes) of a LightGBM ``tree_structure``."""
    if "left_child" not in node:
        return depth, 1, 1
    left = _walk_lightgbm(node["left_child"], depth + 1)
    right = _walk_lightgbm(node["right_child"], depth + 1)
    return max(left[0], right[0]), left[1] + right[1], left[2] + right[2] + 1


def _lightgbm_stats(estimator: Any, n: int) -> dict[str, Any]:  # pragma: no cover - optional
    booster = estimator.booster_
    splits = np.asarray(booster.feature_importance(importance_type="split"), dtype=float)[:n]
    gain = np.asarray(booster.feature_importance(importance_type="gain"), dtype=float)[:n]
    depths, leaves, nodes = [], [], 0
    for info in booster.dump_model()["tree_info"]:
        d, leaf_count, node_count = _walk_lightgbm(info["tree_structure"])
        depths.append(d)
        leaves.append(leaf_count)
        nodes += node_count
    return _gain_stats(splits, gain, depths, leaves, nodes)


def _walk_xgboost(node: dict[str, Any], depth: int = 0) -> tuple[int, int, int]:
    """(max depth, leaves, nodes) of one XGBoost JSON tree dump."""
    children = node.get("children")
    if not children:
        return depth, 1, 1
    parts = [_walk_xgboost(c, depth + 1) for c in children]
    return max(p[0] for p in parts), sum(p[1] for p in parts), sum(p[2] for p in parts) + 1


def _xgboost_stats(estimator: Any, n: int) -> dict[str, Any]:  # pragma: no cover - optional
    booster = estimator.get_booster()
    names = list(booster.feature_names or [f"f{i}" for i in range(n)])
    position = {name: i for i, name in enumerate(names)}
    splits = np.zeros(n)
    gain = np.zeros(n)
    for key, value in booster.get_score(importance_type="weight").items():
        if key in position and position[key] < n:
            splits[position[key]] = value
    for key, value in booster.get_score(importance_type="total_gain").items():
        if key in position and position[key] < n:
            gain[position[key]] = value
    depths, leaves, nodes = [], [], 0
    for dump in booster.get_dump(dump_format="json"):
        d, leaf_count, node_count = _walk_xgboost(json.loads(dump))
        depths.append(d)
        leaves.append(leaf_count)
        nodes += node_count
    return _gain_stats(splits, gain, depths, leaves, nodes)


def _n_features(estimator: Any, names: list[str]) -> int:
    n = getattr(estimator, "n_features_in_", None)
    return int(n) if n is not None else len(names)


def tree_statistics(
    estimator: Any, names: list[str], sources: list[str]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-feature importances and split counts, and the ensemble's shape.

    Parameters
    ----------
    estimator : estimator
        A fitted tree model (see the module docstring for the families).
    names, sources : list of str
        The model column names and their input columns.

    Returns
    -------
    features : pandas.DataFrame
        Columns ``feature, source, importance, share, split_count, gain``, one row
        per model column, in model order.
    structure : dict
        ``family, importance_kind, n_trees, n_nodes, depth_mean, depth_max,
        leaves_mean, leaves_max, n_leaves, note``.
    """
    family = tree_family(estimator)
    if family is None:
        raise UnsupportedModelError(_NOT_A_TREE.format(name=type(estimator).__name__))
    n = _n_features(estimator, names)
    if len(names) != n:
        names = [f"f{i}" for i in range(n)]
        sources = list(names)
    if family == "hist_gradient_boosting":
        stats = _hgb_stats(estimator, n)
    elif family == "lightgbm":
        stats = _lightgbm_stats(estimator, n)
    elif family == "xgboost":
        stats = _xgboost_stats(estimator, n)
    else:
        stats = _sklearn_stats(estimator, family, n)
    importance = np.asarray(stats["importance"], dtype=float)
    total = importance.sum()
    features = pd.DataFrame(
        {
            "feature": names,
            "source": sources,
            "importance": importance,
            "share": importance / total if total > 0 else np.full(n, np.nan),
            "split_count": np.asarray(stats["splits"]).astype(np.int64),
            "gain": np.asarray(stats["gain"], dtype=float),
        }
    )
    depths = np.asarray(stats["depths"], dtype=float)
    leaves = np.asarray(stats["leaves"], dtype=float)
    structure = {
        "family": family,
        "importance_kind": stats["kind"],
        "n_trees": len(depths),
        "n_nodes": int(stats["nodes"]),
        "depth_mean": float(depths.mean()) if depths.size else float("nan"),
        "depth_max": int(depths.max()) if depths.size else 0,
        "leaves_mean": float(leaves.mean()) if leaves.size else float("nan"),
        "leaves_max": int(leaves.max()) if leaves.size else 0,
        "n_leaves": int(leaves.sum()),
        "note": stats["note"],
    }
    return features, structure
