"""Calibration plots: reliability curves of groups on one panel; threshold trade-off curves."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "CONSTRAINT_TITLES",
    "MAX_GROUPS",
    "MIN_BIN_ROWS",
    "plot_reliability",
    "plot_tradeoffs",
    "shown_groups",
]

_MARKERS = "osD^v<>Pp*"
CONSTRAINT_TITLES = {
    "demographic_parity": ("Demographic parity", "common selection rate"),
    "true_positive_rate_parity": ("Equal opportunity (TPR parity)", "common TPR"),
    "equalized_odds": ("Equalized odds", "common FPR (TPR: the lowest group ROC)"),
}


MIN_BIN_ROWS = 10
"""Bins with fewer rows are left out of a reliability plot (their rate is mostly noise)."""
MAX_GROUPS = 6
"""Groups a reliability plot shows at most (the largest comparable ones)."""


def shown_groups(result: Any, max_groups: int = MAX_GROUPS) -> list[int]:
    """Positions of the groups a reliability plot shows: the largest comparable ones."""
    counts = result.by_group["count"].to_numpy(dtype=float)
    comparable = result.comparable.to_numpy()
    order = np.argsort(-counts, kind="stable")
    return [int(i) for i in order if comparable[i]][:max_groups]


def plot_reliability(
    result: Any, *, max_groups: int = MAX_GROUPS, min_bin_rows: int = MIN_BIN_ROWS
) -> Any:
    """Reliability curves of the comparable groups, overlaid on one panel with the diagonal.

    Each point is a score bin of a group: the mean score of its rows (x) and the
    share of them that is positive (y), with the Wilson interval of that share.
    Points on the dashed diagonal are calibrated; above it, the scores
    understate the group's rate; below it, they overstate it. Bins with fewer
    than ``min_bin_rows`` rows are left out.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    ax.plot([0, 1], [0, 1], ls="--", color="#98a2b3", lw=1, label="calibrated (score = rate)")
    curves = result.curves
    nb = result.n_bins
    for k, i in enumerate(shown_groups(result, max_groups)):
        part = curves.iloc[i * nb : (i + 1) * nb]
        part = part[part["count"] >= max(min_bin_rows, 1)]
        x = part["mean_score"].to_numpy(dtype=float)
        y = part["observed_rate"].to_numpy(dtype=float)
        low = np.clip(y - part["ci_low"].to_numpy(dtype=float), 0, None)
        high = np.clip(part["ci_high"].to_numpy(dtype=float) - y, 0, None)
        count = int(result.by_group["count"].iat[i])
        ax.errorbar(
            x,
            y,
            yerr=np.vstack([low, high]),
            fmt=_MARKERS[k % len(_MARKERS)] + "-",
            color=f"C{k}",
            ms=4.5,
            lw=1.3,
            elinewidth=0.7,
            capsize=0,
            alpha=0.85,
            label=f"{result.group_labels[i]} (n={count:,})",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("mean score in the bin")
    ax.set_ylabel("observed positive rate in the bin")
    ax.grid(color="#eaecf0", lw=0.6)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def plot_tradeoffs(result: Any) -> Any:
    """Accuracy against the common rate each constraint imposes, one panel per constraint.

    The curve is the best overall accuracy reachable when every included group
    has that rate; the dot is the chosen point; the dashed line is the
    accuracy of the model's own predictions (one threshold for everyone).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    strategies = [c for c in result.constraints if c in set(result.curves["strategy"])]
    k = max(len(strategies), 1)
    fig, axes = plt.subplots(1, k, figsize=(3.6 * k + 0.6, 3.4), sharey=True, squeeze=False)
    baseline = float(result.summary["accuracy"].iloc[0])
    target_of = {
        "demographic_parity": "selection_rate_target",
        "true_positive_rate_parity": "tpr_target",
        "equalized_odds": "fpr_target",
    }
    for ax, name in zip(axes[0], strategies, strict=False):
        part = result.curves[result.curves["strategy"] == name]
        title, xlabel = CONSTRAINT_TITLES[name]
        ax.plot(part["rate"], part["accuracy"], color="C0", lw=1.6)
        ax.axhline(baseline, color="#667085", ls="--", lw=1, label="single threshold")
        row = result.summary.loc[name]
        ax.plot([row[target_of[name]]], [row["accuracy"]], "o", color="C3", ms=6, label="chosen")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(xlabel, fontsize=9)
        ax.set_xlim(0, 1)
        ax.grid(color="#eaecf0", lw=0.6)
    axes[0][0].set_ylabel("accuracy (all rows)")
    axes[0][0].legend(loc="lower center", fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
