"""Global and per-group summaries of attributions: mean |SHAP| and mean signed SHAP.

Means are weighted by each explained row's sampling weight, so they estimate the
population's means even when small groups were over-sampled. With several model
outputs (multiclass), a feature's mean |SHAP| is the sum over outputs of its
per-output mean |SHAP| (as shap's bar plot does).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from audit.attributions._sample import ordered

__all__ = ["BY_GROUP_COLUMNS", "IMPORTANCE_COLUMNS", "group_table", "importance_table"]

IMPORTANCE_COLUMNS = ("mean_abs", "share", "rank")
BY_GROUP_COLUMNS = (
    "attribute",
    "group",
    "feature",
    "output",
    "n_explained",
    "mean_abs",
    "mean_signed",
)


def _weighted_means(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean |values| and mean values over rows: each ``(n_features, n_outputs)``."""
    total = weights.sum()
    w = weights[:, None, None]
    return (np.abs(values) * w).sum(axis=0) / total, (values * w).sum(axis=0) / total


def importance_table(
    values: np.ndarray, weights: np.ndarray, feature_names: Sequence[str]
) -> pd.DataFrame:
    """Mean |SHAP| per feature, its share of the total and its rank (1 = largest).

    Returns a DataFrame indexed by feature (``name="feature"``), sorted by rank.
    """
    mean_abs = _weighted_means(values, weights)[0].sum(axis=1)
    total = mean_abs.sum()
    share = mean_abs / total if total > 0 else np.zeros_like(mean_abs)
    table = pd.DataFrame(
        {"mean_abs": mean_abs, "share": share},
        index=pd.Index([str(f) for f in feature_names], name="feature"),
    )
    order = np.argsort(-mean_abs, kind="stable")
    table = table.iloc[order]
    table["rank"] = np.arange(1, len(table) + 1)
    return table


def group_table(
    values: np.ndarray,
    weights: np.ndarray,
    groups: pd.DataFrame | None,
    feature_names: Sequence[str],
    output_names: Sequence[str],
) -> pd.DataFrame:
    """Per (attribute, group, feature, output): rows explained, mean |SHAP|, mean signed SHAP.

    Returns an empty frame with :data:`BY_GROUP_COLUMNS` when there are no groups.
    """
    rows: list[dict[str, object]] = []
    if groups is not None:
        for attribute in groups.columns:
            column = groups[attribute].to_numpy()
            for value in ordered(column):
                mask = column == value
                mean_abs, mean_signed = _weighted_means(values[mask], weights[mask])
                for j, feature in enumerate(feature_names):
                    for k, output in enumerate(output_names):
                        rows.append(
                            {
                                "attribute": str(attribute),
                                "group": str(value),
                                "feature": str(feature),
                                "output": str(output),
                                "n_explained": int(mask.sum()),
                                "mean_abs": float(mean_abs[j, k]),
                                "mean_signed": float(mean_signed[j, k]),
                            }
                        )
    return pd.DataFrame(rows, columns=list(BY_GROUP_COLUMNS))
