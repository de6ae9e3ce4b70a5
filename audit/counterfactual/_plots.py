"""Plot of the flip test: the flip rate of each direction with its Wilson interval."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from audit.counterfactual._result import FlipResult

__all__ = ["plot_flip_rates"]

_COLORS = {"direct": "#1f77b4", "proxy": "#ff7f0e"}
_LABELS = {"direct": "attribute only", "proxy": "attribute and proxies"}


def plot_flip_rates(result: FlipResult, *, top: int = 20) -> Figure:
    """Horizontal bars: each direction's flip rate, its interval, and the policy threshold.

    Parameters
    ----------
    result : FlipResult
        The flip test.
    top : int, default=20
        Directions shown at most (the largest flip rates of either variant).

    Returns
    -------
    matplotlib.figure.Figure
        The figure (not shown; the caller saves or displays it).
    """
    from matplotlib.figure import Figure

    repeated = result.attributes.loc[result.attributes["proxies"] == "", "attribute"]
    table = result.directions
    # the proxy variant of an attribute without proxies is its direct variant: drawn once
    table = table[~((table["variant"] == "proxy") & table["attribute"].isin(set(repeated)))]
    labels: list[str] = []
    order: list[tuple[str, str, str]] = []
    keys = table[["attribute", "from_group", "to_group"]].drop_duplicates()
    worst = table.groupby(["attribute", "from_group", "to_group"], sort=False)["flip_rate"].max()
    keys = keys.assign(worst=[worst.get(tuple(k), np.nan) for k in keys.to_numpy().tolist()])
    keys = keys.sort_values("worst", ascending=True, kind="stable").tail(top)
    for attribute, source, target, _ in keys.itertuples(index=False):
        order.append((attribute, source, target))
        labels.append(f"{attribute}: {source} → {target}")
    fig = Figure(figsize=(7.0, 1.6 + 0.32 * max(len(order), 1)), layout="constrained")
    ax = fig.add_subplot()
    positions = np.arange(len(order), dtype=float)
    height = 0.38
    for shift, variant in ((-height / 2, "direct"), (height / 2, "proxy")):
        part = table[table["variant"] == variant].set_index(["attribute", "from_group", "to_group"])
        if part.empty:
            continue
        rates, lows, highs = [], [], []
        for key in order:
            row: Any = part.loc[key] if key in part.index else None
            rates.append(np.nan if row is None else row["flip_rate"])
            lows.append(np.nan if row is None else row["ci_low"])
            highs.append(np.nan if row is None else row["ci_high"])
        rate = np.asarray(rates, dtype=float)
        error = np.vstack([rate - np.asarray(lows), np.asarray(highs) - rate])
        ax.barh(
            positions + shift,
            np.nan_to_num(rate),
            height=height,
            xerr=np.nan_to_num(error),
            color=_COLORS[variant],
            label=_LABELS[variant],
            error_kw={"elinewidth": 0.8, "capsize": 2},
        )
    ax.axvline(result.threshold, color="#b42318", linestyle="--", linewidth=1, label="threshold")
    ax.set_yticks(positions, labels)
    ax.set_xlabel("share of the group's decisions that flip")
    ax.set_xlim(0, max(1e-3, float(np.nanmax(table["ci_high"].to_numpy(), initial=0.0))) * 1.08)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=8, frameon=False)
    return fig
