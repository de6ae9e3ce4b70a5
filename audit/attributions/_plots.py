"""Bar charts of mean |SHAP|, overall and by group (matplotlib imported lazily, no pyplot)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from audit._inputs import check_positive_int
from audit.attributions._result import OVERALL, AttributionResult
from audit.errors import DataValidationError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["plot_importance", "plot_importance_by_group"]

_NO_GROUPS = "This result has no sensitive groups to compare; pass sensitive_features to explain()."
_UNKNOWN_ATTRIBUTE = "Unknown sensitive attribute {got!r}; this result has {allowed}."


def _new_figure(n_bars: int) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 1.2 + 0.38 * n_bars), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def plot_importance(result: AttributionResult, *, top: int = 15) -> Figure:
    """Horizontal bars of mean |SHAP| per feature, largest on top.

    Parameters
    ----------
    result : AttributionResult
    top : int, default=15
        Number of features shown.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = result.importance.head(check_positive_int("top", top))
    fig = _new_figure(len(table))
    ax = fig.add_subplot()
    positions = np.arange(len(table))[::-1]
    ax.barh(positions, table["mean_abs"].to_numpy(), color="#4c72b0")
    ax.set_yticks(positions, [str(f) for f in table.index])
    ax.set_xlabel(f"mean |SHAP| ({result.output_space})")
    ax.set_title(f"Feature attributions ({result.explainer} explainer, n={result.n_explained})")
    return fig


def plot_importance_by_group(
    result: AttributionResult, *, attribute: str | None = None, top: int = 10
) -> Figure:
    """Grouped horizontal bars of mean |SHAP| per feature, one bar per group.

    Parameters
    ----------
    result : AttributionResult
    attribute : str, optional
        The sensitive attribute whose groups are compared (default: the first).
    top : int, default=10
        Number of features shown (the largest overall).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if result.groups is None or not len(result.by_group):
        raise DataValidationError(_NO_GROUPS)
    attributes = list(dict.fromkeys(result.by_group["attribute"]))
    name = attributes[0] if attribute is None else str(attribute)
    if name not in attributes:
        raise DataValidationError(_UNKNOWN_ATTRIBUTE.format(got=attribute, allowed=attributes))
    wide = result.mean_abs_by_group().head(check_positive_int("top", top))
    columns = [c for c in wide.columns if c != OVERALL and c.startswith(f"{name}=")]
    fig = _new_figure(len(wide) * max(1, len(columns)) // 2 + 1)
    ax = fig.add_subplot()
    height = 0.8 / max(1, len(columns))
    base = np.arange(len(wide))[::-1].astype(float)
    for i, column in enumerate(columns):
        ax.barh(
            base + 0.4 - (i + 0.5) * height,
            wide[column].to_numpy(),
            height=height,
            label=column.split("=", 1)[1],
        )
    ax.set_yticks(base, [str(f) for f in wide.index])
    ax.set_xlabel(f"mean |SHAP| ({result.output_space})")
    ax.set_title(f"Feature attributions by {name}")
    ax.legend(title=name, fontsize="small")
    return fig
