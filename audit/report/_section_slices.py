"""The worst-slices section: how the search went, and the worst slices with their tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit.report._blocks import Block, Section, fmt, table_block

__all__ = ["SHOWN_SLICES", "slices_section"]

SHOWN_SLICES = 20
"""Slices shown in the report's table (the JSON record keeps more)."""
TITLE = "Worst slices"
_METRIC_TEXT = {
    "error_rate": "error rate",
    "fnr": "false negative rate",
    "fpr": "false positive rate",
    "selection_rate": "selection rate",
    "mae": "mean absolute error",
}
_SHOWN_COLUMNS = (
    "slice",
    "size",
    "value",
    "rest",
    "difference",
    "ratio",
    "p_value",
    "p_adjusted",
    "flagged",
)


def _summary(r: Any) -> str:
    worse = "lower" if not r.higher_is_worse else "higher"
    threshold = (
        f"ratio above {fmt(1.0 + r.threshold)}"
        if r.metric == "mae"
        else f"by more than {fmt(r.threshold)}"
    )
    pruned = (
        f", {r.n_pruned:,} more pruned because they cannot be worse than the rest by the threshold"
        if r.prune
        else ""
    )
    return (
        f"Every conjunction of up to {r.max_depth} conditions over {len(r.columns)} columns was "
        f"searched: {r.n_candidates:,} non-empty candidate slices{pruned}. {r.n_tested:,} slices "
        f"with at least {r.min_support:,} rows (and {r.min_count} rows in the metric's "
        f"denominator, for the slice and the rest) were tested against the rest of the data; "
        f"the p-values are adjusted together (Benjamini-Hochberg, false discovery rate "
        f"{fmt(r.alpha)}). {r.n_significant:,} slices have a significantly {worse} "
        f"{_METRIC_TEXT[r.metric]} than the rest; {r.n_flagged:,} of them {threshold} "
        "(findings)."
    )


def _table(r: Any) -> Block:
    shown = r.table.head(SHOWN_SLICES)
    frame = shown[list(_SHOWN_COLUMNS)].rename(columns={"value": r.metric})
    text = frame.copy().astype(object)
    classes = pd.DataFrame("", index=frame.index, columns=frame.columns, dtype=object)
    for i in range(len(frame)):
        for j, col in enumerate(frame.columns):
            value = frame.iat[i, j]
            label = fmt(value)
            if col == r.metric and np.isfinite(value):
                low, high = shown["ci_low"].iat[i], shown["ci_high"].iat[i]
                label += f" [{fmt(low)}, {fmt(high)}]"
            elif col == "difference" and np.isfinite(value):
                label = f"{value:+.3f}"
            elif col in ("p_value", "p_adjusted") and np.isfinite(value):
                label = f"{value:.2g}"
            text.iat[i, j] = label
        if bool(shown["flagged"].iat[i]):  # a finding: highlighted like a warning
            for j, col in enumerate(frame.columns):
                classes.iat[i, j] = "l warning" if col == "slice" else "warning"
    caption = (
        f"Worst first (significant slices first). {r.metric}: the metric on the slice, with its "
        f"{r.ci:.0%} interval; rest: on every other row; p: two-sided test of slice vs rest; "
        "p_adjusted: Benjamini-Hochberg over every slice tested."
    )
    if r.n_tested > SHOWN_SLICES:
        caption += f" {r.n_tested - SHOWN_SLICES:,} more slices in the JSON record and result."
    return table_block(
        frame,
        title=f"The {min(SHOWN_SLICES, r.n_tested)} worst of {r.n_tested:,} slices tested",
        caption=caption,
        classes=classes,
        text=text,
        max_rows=SHOWN_SLICES,
        index=True,
    )


def slices_section(report: Any) -> Section:
    """Search summary, the metric overall, and the table of the worst slices."""
    out = report.outputs.get("slices")
    if out is None or out.status != "ran":
        return Section(
            "section-slices",
            TITLE,
            status=out.status if out else "skipped",
            reason=out.reason if out else "The slices analyzer was not run.",
        )
    r = out.result
    blocks: list[Block] = [
        Block("text", _summary(r)),
        Block(
            "kv",
            [
                ("metric", _METRIC_TEXT[r.metric]),
                ("on all rows", fmt(r.overall)),
                ("rows", f"{r.n_rows:,}" + (" (weighted)" if r.weighted else "")),
                ("slices tested", f"{r.n_tested:,}"),
                ("columns", ", ".join(r.columns)),
            ],
        ),
    ]
    if r.n_tested:
        blocks.append(_table(r))
    if r.skipped_columns:
        blocks.append(
            Block(
                "note",
                "Columns left out: "
                + "; ".join(f"{k} ({v})" for k, v in sorted(r.skipped_columns.items())),
            )
        )
    blocks += [Block("note", n) for n in r.notes]
    return Section("section-slices", TITLE, blocks=blocks)
