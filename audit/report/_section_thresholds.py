"""The threshold trade-offs section: what per-group thresholds would equalize, and their cost."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit.report._blocks import Block, Section, fmt, table_block
from audit.report._svg import figure_to_svg

__all__ = ["thresholds_section"]

_TITLE = "Threshold trade-offs (what-if)"
_NAMES = {
    "single threshold": "single threshold (the model)",
    "demographic_parity": "demographic parity",
    "true_positive_rate_parity": "equal opportunity (TPR parity)",
    "equalized_odds": "equalized odds",
}


def _equalized(row: pd.Series) -> str:
    parts = [
        f"{label} {fmt(row[col], 'rate')}"
        for col, label in (
            ("selection_rate_target", "selection rate"),
            ("tpr_target", "TPR"),
            ("fpr_target", "FPR"),
        )
        if np.isfinite(row[col])
    ]
    return ", ".join(parts) or "—"


def _summary_block(result: Any) -> Block:
    s = result.summary
    columns = {
        "accuracy": ("accuracy", "rate"),
        "change": ("accuracy_change", "pp"),
        "selection rate gap": ("selection_rate_difference", "pp"),
        "TPR gap": ("tpr_difference", "pp"),
        "FPR gap": ("fpr_difference", "pp"),
    }
    frame = pd.DataFrame(
        {name: s[col].to_numpy(dtype=float) for name, (col, _) in columns.items()},
        index=pd.Index([_NAMES.get(k, k) for k in s.index], name="strategy"),
    )
    frame["equalized at"] = [_equalized(r) for _, r in s.iterrows()]
    frame["groups"] = s["n_groups"].to_numpy(dtype=float)
    text = frame.astype(object)
    for name, (_, kind) in columns.items():
        text[name] = [fmt(v, kind) for v in frame[name]]
    text["groups"] = [fmt(int(n), "count") if np.isfinite(n) else "—" for n in frame["groups"]]
    change_at = frame.columns.get_loc("change")
    for i in range(len(frame)):
        change = frame["change"].iat[i]
        if np.isfinite(change) and change > 0:
            text.iat[i, change_at] = "+" + str(text.iat[i, change_at])
    return table_block(
        frame,
        title="Accuracy each constraint costs",
        caption="Accuracy over all rows (groups left out keep the model's predictions); change "
        "against the model's own predictions (one threshold for everyone); gaps: highest − "
        "lowest rate between the groups with enough evidence for that rate.",
        text=text,
        index=True,
    )


def _groups_block(result: Any) -> Block:
    g = result.groups
    g = g[(g["strategy"] != "single threshold") & g["included"].astype(bool)]
    frame = pd.DataFrame(
        {
            "group": g["group"].to_numpy(),
            "rule (select when)": g["rule"].to_numpy(),
            "selection rate": g["selection_rate"].to_numpy(dtype=float),
            "TPR": g["tpr"].to_numpy(dtype=float),
            "FPR": g["fpr"].to_numpy(dtype=float),
            "accuracy": g["accuracy"].to_numpy(dtype=float),
        },
        index=pd.Index([_NAMES.get(k, k) for k in g["strategy"]], name="constraint"),
    )
    return table_block(
        frame,
        title="Per-group thresholds",
        caption="Select a row when its score is above the threshold; where two thresholds are "
        "given, each is used for the share of rows shown. Rates are expectations over that "
        f"randomization. Groups with too little evidence (fewer than {result.min_count} rows, "
        "positives or negatives behind the equalized rate) are not listed: they keep the "
        "model's own predictions.",
        index=True,
    )


def thresholds_section(report: Any) -> Section:
    """Build the threshold trade-offs section from the thresholds analyzer's output."""
    out = report.outputs.get("thresholds")
    if out is None or out.status != "ran":
        return Section(
            "section-thresholds",
            _TITLE,
            status=out.status if out else "skipped",
            reason=out.reason if out else "The thresholds analyzer was not run.",
        )
    from audit.report._plots_calibration import plot_tradeoffs

    result = out.result
    blocks = [
        Block(
            "text",
            "A what-if, never applied to the model: the per-group thresholds on the model's "
            "score (randomized between two thresholds where needed; for equalized odds, mixed "
            "with a coin) that would equalize selection rate, TPR, or TPR and FPR across the "
            "groups with enough evidence, chosen to keep the most accuracy (Hardt, Price and "
            "Srebro, 2016; fairlearn's ThresholdOptimizer), and what each would cost. Group-"
            "specific thresholds treat people differently by a sensitive attribute, which may be "
            "unlawful where decisions are made.",
        ),
        _summary_block(result),
    ]
    if len(result.curves):
        blocks.append(
            Block(
                "figure",
                figure_to_svg(plot_tradeoffs(result)),
                title="Accuracy against the equalized rate",
                caption="The curve is the best accuracy reachable when every included group has "
                "that rate; the dot the chosen point; the dashed line the model's own accuracy.",
            )
        )
    blocks.append(_groups_block(result))
    left_out = [f"{_NAMES.get(k, k)}: {', '.join(v)}" for k, v in result.insufficient.items() if v]
    if left_out:
        blocks.append(Block("note", "Left out for lack of evidence — " + "; ".join(left_out)))
    return Section("section-thresholds", _TITLE, blocks=blocks)
