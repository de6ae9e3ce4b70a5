"""Fairness plots: each group's rate relative to a reference, with the policy's tolerance band."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["plot_disparity", "tolerance_band"]

def tolerance_band(ratio_warning: float) -> tuple[float, float]:
    """The band of ratios the policy accepts, both ways: ``(r, 1/r)`` for ``r = ratio_warning``."""
    return ratio_warning, 1.0 / ratio_warning


def plot_disparity(
    gm: Any, metrics: list[str], *, ratio_warning: float = 0.8, max_groups: int = 25
) -> Any:
    """Ratio of each group's rate to the largest group's, per metric, on a log scale.

    The shaded band is the policy's tolerance ``ratio_warning`` to
    ``1 / ratio_warning`` (the four-fifths rule, both ways, by default);
    hollow markers are values with insufficient evidence.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    by = gm.by_group
    counts = by["count"].to_numpy(dtype=float)
    order = np.argsort(-counts, kind="stable")[:max_groups]
    ref = int(np.argmax(counts))
    labels = [gm.group_labels()[i] for i in order]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(order) + 1.4))
    band = tolerance_band(ratio_warning)
    ax.axvspan(*band, color="#d1fadf", zorder=0, label=f"tolerance {band[0]:.3g}–{band[1]:.3g}")
    ax.axvline(1.0, color="#667085", lw=0.8, zorder=1)
    offsets = np.linspace(-0.25, 0.25, max(len(metrics), 1))
    markers = "osD^v<>"
    for k, metric in enumerate(metrics):
        values = by[metric].to_numpy(dtype=float)
        ok = gm.sufficient[metric].to_numpy(dtype=bool)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = values / values[ref]
        y = np.arange(len(order)) + offsets[k]
        r, good = rel[order], ok[order] & np.isfinite(rel[order]) & (rel[order] > 0)
        shown = np.isfinite(r) & (r > 0)
        color = f"C{k}"
        ax.scatter(r[good], y[good], marker=markers[k % 7], color=color, zorder=3, label=metric)
        weak = shown & ~good
        ax.scatter(
            r[weak], y[weak], marker=markers[k % 7], facecolors="none", edgecolors=color, zorder=3
        )
    ax.set_xscale("log")
    finite = [
        v
        for m in metrics
        for v in (by[m].to_numpy(dtype=float) / by[m].to_numpy(dtype=float)[ref])
        if np.isfinite(v) and v > 0
    ]
    low = min([0.5, band[0], *finite]) * 0.9
    high = max([1.5, band[1], *finite]) * 1.1
    ax.set_xlim(low, high)
    ticks = [
        t
        for t in (0.1, 0.2, 0.3, 0.5, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0)
        if low <= t <= high
    ]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_yticks(np.arange(len(order)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(f"ratio to the largest group ({gm.group_labels()[ref]}); hollow = insufficient")
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.25),
        ncol=min(len(metrics) + 1, 5),
        frameon=False,
        fontsize=8,
    )
    ax.grid(axis="x", which="both", color="#eaecf0", lw=0.6)
    fig.tight_layout()
    return fig
