"""Fairness plots: each group's rate relative to a reference, with the policy's tolerance band."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["MAX_PLOT_GROUPS", "plot_disparity", "readable_log_ticks", "tolerance_band"]

MAX_PLOT_GROUPS = 25
"""At most this many groups (the largest) are drawn; the tables and the JSON hold the rest."""

_CANDIDATE_TICKS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0)
_MIN_GAP = 0.09  # of the axis' log-width between two tick labels: no "0.50.6"


def tolerance_band(ratio_warning: float) -> tuple[float, float]:
    """The band of ratios the policy accepts, both ways: ``(r, 1/r)`` for ``r = ratio_warning``."""
    return ratio_warning, 1.0 / ratio_warning


def readable_log_ticks(low: float, high: float, preferred: Sequence[float] = ()) -> list[float]:
    """Ticks for a log axis from ``low`` to ``high`` whose labels never overlap.

    ``preferred`` ticks (1 and the tolerance band) are placed first; the others
    only where they keep at least ``_MIN_GAP`` of the axis' log-width from every
    tick already placed.
    """
    span = math.log10(high) - math.log10(low)
    gap = _MIN_GAP * span
    kept: list[float] = []
    for t in [*preferred, *_CANDIDATE_TICKS]:
        if not low <= t <= high or t in kept:
            continue
        if all(abs(math.log10(t) - math.log10(k)) >= gap for k in kept):
            kept.append(t)
    return sorted(kept)


def plot_disparity(
    gm: Any, metrics: list[str], *, ratio_warning: float = 0.8, max_groups: int = MAX_PLOT_GROUPS
) -> Any:
    """Ratio of each group's rate to the largest group's, per metric, on a log scale.

    The shaded band is the policy's tolerance ``ratio_warning`` to
    ``1 / ratio_warning`` (the four-fifths rule, both ways, by default); hollow
    markers are values with insufficient evidence; a ratio of 0 (a group that
    never gets the outcome) cannot sit on a log axis, so it is drawn at the left
    edge as a ◁ marker and named in the legend. Only the ``max_groups`` largest
    groups are drawn.

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
    all_labels = gm.group_labels()
    labels = [str(all_labels[i]) for i in order]
    band = tolerance_band(ratio_warning)
    rel = {}
    for metric in metrics:
        values = by[metric].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel[metric] = values / values[ref]
    finite = [v for m in metrics for v in rel[m][order] if np.isfinite(v) and v > 0]
    low = min([0.5, band[0], *finite]) * 0.8
    high = max([1.5, band[1], *finite]) * 1.15
    fig, ax = plt.subplots(figsize=(8.5, 0.42 * len(order) + 1.5))
    ax.axvspan(*band, color="#d1fadf", zorder=0, label=f"tolerance {band[0]:.3g}–{band[1]:.3g}")
    ax.axvline(1.0, color="#667085", lw=0.8, zorder=1)
    offsets = np.linspace(-0.25, 0.25, max(len(metrics), 1)) if len(metrics) > 1 else [0.0]
    markers = "osD^v>"
    any_zero = False
    for k, metric in enumerate(metrics):
        ok = gm.sufficient[metric].to_numpy(dtype=bool)[order]
        r = rel[metric][order]
        y = np.arange(len(order)) + offsets[k]
        color = f"C{k}"
        shown = np.isfinite(r) & (r > 0)
        good = shown & ok
        ax.scatter(r[good], y[good], marker=markers[k % 6], color=color, zorder=3, label=metric)
        weak = shown & ~ok
        ax.scatter(
            r[weak], y[weak], marker=markers[k % 6], facecolors="none", edgecolors=color, zorder=3
        )
        zero = np.isfinite(r) & (r == 0)
        if zero.any():
            any_zero = True
            ax.scatter(
                np.full(int(zero.sum()), low * 1.02),
                y[zero],
                marker="<",
                color=color,
                zorder=4,
                clip_on=False,
            )
    if any_zero:
        ax.scatter([], [], marker="<", color="#344054", label="ratio 0 (at the edge)")
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    ticks = readable_log_ticks(low, high, preferred=(1.0, band[0], band[1]))
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_yticks(np.arange(len(order)), labels)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlabel(
        f"ratio to the largest group ({all_labels[ref]}), log scale; hollow = insufficient evidence"
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    ax.grid(axis="x", which="major", color="#eaecf0", lw=0.6)
    fig.tight_layout()
    return fig
