"""Figures for the report. Each returns a matplotlib ``Figure`` built without pyplot
(so no backend, no global state, no ``show()``); matplotlib is imported lazily."""

from __future__ import annotations

from typing import Any

import numpy as np

from audit.errors import DataValidationError, OptionalDependencyError
from audit.weights._result import WeightsResult
from audit.weights._tracker import TrackingResult

__all__ = ["plot_weights", "plot_layer_distributions", "plot_weight_evolution"]

_NO_MATPLOTLIB = (
    "Plotting needs matplotlib, which is not installed. Install the extra: "
    "pip install 'model-audit[report]'."
)
_NO_LAYERS = (
    "plot_layer_distributions needs a torch weight result (model_kind 'torch'); got {kind!r}."
)
_SENSITIVE_COLOR = "#c0392b"
_COLOR = "#2c7fb8"
_NEGATIVE_COLOR = "#d95f0e"


def _figure(width: float, height: float) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise OptionalDependencyError(_NO_MATPLOTLIB) from exc
    return Figure(figsize=(width, height), layout="constrained")


def plot_weights(result: WeightsResult, *, top: int = 20) -> Any:
    """Bar chart of the largest per-input weights (standardized coefficients when linear).

    Linear models show signed standardized coefficients per model column (one-hot
    columns separately); other models show each input column's share of the
    total weight. Sensitive attributes are drawn in red.

    Parameters
    ----------
    result : WeightsResult
        Output of :func:`audit.weights.analyze_weights` or the ``weights`` analyzer.
    top : int, default=20
        How many bars, largest magnitude first.

    Returns
    -------
    matplotlib.figure.Figure
    """
    sensitive = set(result.by_source.loc[result.by_source["sensitive"], "source"])
    if result.coefficients is not None:
        table = result.coefficients
        label = table["feature"].astype(str)
        if table["class"].nunique() > 1:
            label = label + " [" + table["class"].astype(str) + "]"
        values = table["standardized"].to_numpy(dtype=float)
        sources = table["source"].astype(str).to_numpy()
        xlabel = "standardized coefficient (coef × std)"
    else:
        table = result.by_source
        label = table["source"].astype(str)
        values = table["share"].to_numpy(dtype=float)
        sources = label.to_numpy()
        xlabel = f"share of total weight ({(result.concentration or {}).get('basis', '')})"
    magnitude = np.nan_to_num(np.abs(values))
    order = np.argsort(-magnitude, kind="stable")[:top][::-1]
    fig = _figure(7.0, 0.3 * len(order) + 1.5)
    ax = fig.add_subplot()
    colors = [
        _SENSITIVE_COLOR
        if sources[i] in sensitive
        else (_COLOR if values[i] >= 0 else _NEGATIVE_COLOR)
        for i in order
    ]
    ax.barh(np.arange(len(order)), np.nan_to_num(values[order]), color=colors)
    ax.set_yticks(np.arange(len(order)), [label.iloc[i] for i in order])
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.set_title(f"Weights of {result.estimator}")
    return fig


def plot_layer_distributions(result: WeightsResult) -> Any:
    """Per-parameter mean ± std, min and max of a torch network, with the init reference.

    Parameters
    ----------
    result : WeightsResult
        A torch weight result (``result.layers`` set).

    Returns
    -------
    matplotlib.figure.Figure
        One row per parameter: the std bar against the Xavier/He reference
        (marker) on the left, mean ± std with min/max whiskers on the right.
    """
    if result.layers is None:
        raise DataValidationError(_NO_LAYERS.format(kind=result.model_kind))
    layers = result.layers
    y = np.arange(len(layers))[::-1]
    fig = _figure(9.0, 0.35 * len(layers) + 1.5)
    left, right = fig.subplots(1, 2, sharey=True)
    colors = [
        _SENSITIVE_COLOR if flag in ("vanishing", "exploding") else _COLOR
        for flag in layers["scale_flag"]
    ]
    left.barh(y, layers["std"], color=colors)
    left.scatter(
        layers["reference_std"], y, marker="|", s=200, color="black", label="init reference"
    )
    left.set_xscale("log")
    left.set_yticks(
        y, [f"{p} ({s})" for p, s in zip(layers["parameter"], layers["shape_label"], strict=True)]
    )
    left.set_xlabel("std (log scale)")
    left.legend(loc="lower right", fontsize="small")
    right.errorbar(layers["mean"], y, xerr=layers["std"], fmt="o", color=_COLOR, capsize=3)
    right.scatter(layers["min"], y, marker="<", color="grey", s=15)
    right.scatter(layers["max"], y, marker=">", color="grey", s=15)
    right.axvline(0.0, color="black", linewidth=0.8)
    right.set_xlabel("mean ± std, min / max")
    fig.suptitle(f"Weight distributions of {result.estimator}")
    return fig


def plot_weight_evolution(result: TrackingResult, *, stat: str = "norm") -> Any:
    """Per-layer statistic over training, and the largest weights' initial vs final values.

    Parameters
    ----------
    result : TrackingResult
        From :meth:`audit.weights.WeightTracker.result`.
    stat : {"norm", "mean", "std", "min", "max"}, default="norm"
        What to draw per layer over the epochs.

    Returns
    -------
    matplotlib.figure.Figure
    """
    allowed = ("norm", "mean", "std", "min", "max")
    if stat not in allowed:
        raise DataValidationError(f"stat must be one of {allowed}; got {stat!r}.")
    history = result.history
    fig = _figure(10.0, 4.0)
    left, right = fig.subplots(1, 2)
    axis = "step" if history["step"].notna().all() else "epoch"
    for layer, part in history.groupby("layer", sort=False):
        left.plot(part[axis].astype(float), part[stat], marker="o", markersize=3, label=str(layer))
    left.set_xlabel("optimizer step" if axis == "step" else "epoch")
    left.set_ylabel(stat)
    left.set_title(f"Weight {stat} per layer")
    if history["layer"].nunique() <= 12:
        left.legend(fontsize="small")
    top = result.top_weights
    if len(top):
        labels = [f"{a}{b}" for a, b in zip(top["layer"], top["index"], strict=True)]
        pos = np.arange(len(top))[::-1]
        right.scatter(top["initial"], pos, color="grey", label="initial")
        right.scatter(top["final"], pos, color=_COLOR, label="learned")
        for p, a, b in zip(pos, top["initial"], top["final"], strict=True):
            right.plot([a, b], [p, p], color=_COLOR, linewidth=0.8)
        right.set_yticks(pos, labels)
        right.axvline(0.0, color="black", linewidth=0.8)
        right.legend(fontsize="small")
    right.set_title("Largest weights: initial → learned")
    return fig
