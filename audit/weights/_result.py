"""The frozen result of the weight analysis, with its DataFrame and JSON views."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from audit._jsonable import to_jsonable as _plain
from audit.facts import Fact, fact
from audit.findings import Finding

__all__ = ["WeightsResult", "frame_records", "MAX_COEFFICIENT_ROWS"]

MAX_COEFFICIENT_ROWS = 1000
"""``to_dict()`` keeps at most this many coefficient rows (largest |standardized| first)."""


def frame_records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    """A DataFrame as a JSON-friendly list of row dicts (NaN → None), or None."""
    if frame is None:
        return None
    return [_plain(row) for row in frame.to_dict(orient="records")]


@dataclass(frozen=True, eq=False)
class WeightsResult:
    """What a model's learned weights say: per-feature weights, concentration, layers.

    Attributes
    ----------
    model_kind : {"linear", "tree", "torch"}
        Which analysis ran.
    estimator : str
        Display name of the model.
    summary : mapping
        Table 1: ``of`` (what was summarised: ``"coefficients"`` — intercepts
        excluded, ``"feature_importances"`` or ``"all parameters"``), ``count, min,
        max, mean, std, abs_mean, n_zero``.
    by_source : pandas.DataFrame
        One row per input column (per token for text models), largest first:
        ``source, weight, share, level, rank, n_columns, sensitive``. ``weight`` is
        Σ|standardized coefficient|, the importance, or the first-layer column norm ×
        input std; ``level`` is high / medium / low (Table 2). Empty when a torch
        network's inputs could not be matched to its first layer.
    concentration : mapping or None
        ``basis, n_features, top_feature, top_share, top_k, top_k_share, gini,
        hhi, effective_n``.
    complexity : mapping
        Table 8: ``model_kind, n_parameters, n_nonzero, n_features_in,
        n_features_used, depth, n_leaves, n_layers, n_trees, interpretability,
        interpretability_reason, hyperparameters``.
    coefficients : pandas.DataFrame or None
        Linear models: ``feature, source, class, coef, std, standardized,
        abs_share, sign, is_zero``.
    intercepts : mapping or None
        Linear models: intercept per class label.
    trees : pandas.DataFrame or None
        Tree models: ``feature, source, importance, share, split_count, gain``.
    tree_structure : mapping or None
        Tree models: ``family, importance_kind, n_trees, n_nodes, depth_mean,
        depth_max, leaves_mean, leaves_max, n_leaves, note``.
    layers : pandas.DataFrame or None
        torch: one row per named parameter (see :func:`audit.weights.layer_statistics`).
    input_weights : pandas.DataFrame or None
        torch: ``feature, layer, column_norm, input_std, weight, share``.
    dead_units : pandas.DataFrame or None
        torch: ``activation, layer, n_units, n_dead, dead_fraction, dead_units``.
    tokens : pandas.DataFrame or None
        Text models: ``class, direction, rank, token, weight`` (Table 5).
    notes : tuple of str
        Caveats of this analysis (e.g. how importances were derived).
    findings : tuple of Finding
        The verdicts (also returned by the analyzer; not part of ``to_dict()``).
    """

    model_kind: str
    estimator: str
    summary: Mapping[str, Any]
    by_source: pd.DataFrame
    concentration: Mapping[str, Any] | None
    complexity: Mapping[str, Any]
    coefficients: pd.DataFrame | None = None
    intercepts: Mapping[str, float] | None = None
    trees: pd.DataFrame | None = None
    tree_structure: Mapping[str, Any] | None = None
    layers: pd.DataFrame | None = None
    input_weights: pd.DataFrame | None = None
    dead_units: pd.DataFrame | None = None
    tokens: pd.DataFrame | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    def facts(self) -> dict[str, Fact]:
        """Facts ``weights.<name>`` gates check (e.g. ``weights.top_share <= 0.5``)."""
        values: dict[str, Any] = {}
        conc = self.concentration or {}
        for key in ("top_share", "top_k_share", "gini", "hhi", "effective_n"):
            if conc.get(key) is not None:
                values[key] = conc[key]
        for key in ("min", "max", "mean", "std"):
            if self.summary.get(key) is not None:
                values[key] = self.summary[key]
        if self.dead_units is not None and len(self.dead_units):
            values["dead_fraction"] = self.dead_units["dead_fraction"].max()
        top = str(conc.get("top_feature", "") or "")
        return {
            f"weights.{k}": fact(f"weights.{k}", v, groups=top if k == "top_share" else "")
            for k, v in values.items()
        }

    def to_frame(self) -> pd.DataFrame:
        """The per-input-column table (a copy of :attr:`by_source`)."""
        return self.by_source.copy()

    def to_dict(self, *, max_coefficients: int | None = MAX_COEFFICIENT_ROWS) -> dict[str, Any]:
        """JSON-serialisable, deterministic dict of every field except ``findings``.

        Parameters
        ----------
        max_coefficients : int or None, default=1000
            Keep at most this many coefficient rows, largest |standardized| first
            (text models have one per token); ``coefficients_omitted`` says how
            many were left out. None keeps all.

        Returns
        -------
        dict
            Keys ``model_kind, estimator, summary, by_source, concentration,
            complexity, coefficients, coefficients_omitted, intercepts, trees,
            tree_structure, layers, input_weights, dead_units, tokens, notes``.
        """
        coefficients = self.coefficients
        omitted = 0
        if coefficients is not None and max_coefficients is not None:
            if len(coefficients) > max_coefficients:
                omitted = len(coefficients) - max_coefficients
                order = np.argsort(
                    -coefficients["standardized"].abs().fillna(0).to_numpy(), kind="stable"
                )
                coefficients = coefficients.iloc[np.sort(order[:max_coefficients])]
        return {
            "model_kind": self.model_kind,
            "estimator": self.estimator,
            "summary": _plain(dict(self.summary)),
            "by_source": frame_records(self.by_source),
            "concentration": None
            if self.concentration is None
            else _plain(dict(self.concentration)),
            "complexity": _plain(dict(self.complexity)),
            "coefficients": frame_records(coefficients),
            "coefficients_omitted": omitted,
            "intercepts": None if self.intercepts is None else _plain(dict(self.intercepts)),
            "trees": frame_records(self.trees),
            "tree_structure": None
            if self.tree_structure is None
            else _plain(dict(self.tree_structure)),
            "layers": frame_records(self.layers),
            "input_weights": frame_records(self.input_weights),
            "dead_units": frame_records(self.dead_units),
            "tokens": frame_records(self.tokens),
            "notes": list(self.notes),
        }
