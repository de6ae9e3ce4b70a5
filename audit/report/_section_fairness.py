"""The fairness section: group table with CIs, disparities, the tolerance-band chart."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit.fairness import REGRESSION_METRICS
from audit.report._blocks import Block, Section, fmt, table_block
from audit.report._svg import figure_to_svg

__all__ = ["fairness_section"]

_MAIN = {
    "binary": [
        "count",
        "share",
        "base_rate",
        "selection_rate",
        "tpr",
        "fpr",
        "precision",
        "accuracy",
        "auc",
    ],
    "regression": ["count", "share", *REGRESSION_METRICS],
}
_MARK = " †"


def _main_columns(gm: Any) -> list[str]:
    wanted = _MAIN.get(gm.task)
    cols = list(gm.by_group.columns)
    if wanted is None:  # multiclass: counts + per-class selection rates + accuracy
        return [
            c
            for c in cols
            if c in ("count", "share", "accuracy") or c.startswith("selection_rate[")
        ][:12]
    return [c for c in wanted if c in cols]


def _group_table(gm: Any, title: str) -> Block:
    cols = _main_columns(gm)
    frame = gm.by_group[cols]
    text = frame.copy().astype(object)
    classes = pd.DataFrame("", index=frame.index, columns=cols)
    sufficient = gm.sufficient
    for j, col in enumerate(cols):
        ci_low = gm.ci_low[col] if gm.ci_low is not None and col in gm.ci_low else None
        ci_high = gm.ci_high[col] if gm.ci_high is not None and col in gm.ci_high else None
        for i in range(len(frame)):
            value = frame.iat[i, j]
            label = fmt(value)
            if ci_low is not None and col not in ("count", "share") and np.isfinite(value):
                label += f" [{fmt(ci_low.iat[i])}, {fmt(ci_high.iat[i])}]"
            if col in sufficient.columns and not bool(sufficient[col].iat[i]) and col != "count":
                label += _MARK
                classes.iat[i, j] = "insufficient"
            text.iat[i, j] = label
    caption = (
        f"† insufficient evidence: the rate's denominator is below {gm.min_count}; it is "
        "shown but not judged."
    )
    if gm.ci_low is not None:
        caption += f" Brackets: {gm.ci:.0%} bootstrap intervals ({gm.n_boot} replicates)."
    return table_block(frame, title=title, caption=caption, classes=classes, text=text, index=True)


def _disparity_table(gm: Any, findings: list[Any]) -> Block:
    diff = gm.difference(exclude_insufficient=True)
    ratio = gm.ratio(exclude_insufficient=True)
    flagged: dict[str, str] = {}
    for f in findings:
        metric = str(f.evidence.get("metric", f.subject))
        if f.code.startswith("disparity") and flagged.get(metric) != "critical":
            flagged[metric] = f.severity
    rows = []
    skip = {"count", "share"}
    for metric in gm.metrics:
        if metric in skip:
            continue
        rows.append(
            {
                "metric": metric,
                "difference": diff[metric],
                "ratio": ratio[metric],
                "lowest": gm.group_min()[metric],
                "highest": gm.group_max()[metric],
                "flag": flagged.get(metric, ""),
            }
        )
    frame = pd.DataFrame(rows).set_index("metric")
    text = frame.copy().astype(object)
    classes = pd.DataFrame("", index=frame.index, columns=frame.columns)
    if gm.n_boot:
        dci = gm.difference_ci(exclude_insufficient=True)
        rci = gm.ratio_ci(exclude_insufficient=True)
    for i, metric in enumerate(frame.index):
        for j, col in enumerate(frame.columns):
            value = frame.iat[i, j]
            label = fmt(value) if col != "flag" else (value or "—")
            if gm.n_boot and col in ("difference", "ratio"):
                ci = dci if col == "difference" else rci
                label += f" [{fmt(ci.loc[metric, 'ci_low'])}, {fmt(ci.loc[metric, 'ci_high'])}]"
            text.iat[i, j] = label
        if frame["flag"].iat[i]:
            classes.iloc[i, :] = frame["flag"].iat[i]
    return table_block(
        frame,
        title="Differences and ratios between groups",
        text=text,
        classes=classes,
        caption="Between groups with enough evidence: "
        "difference = highest − lowest, ratio = lowest / highest.",
        index=True,
    )


def fairness_section(report: Any) -> Section:
    """Build the fairness section from the report's GroupMetrics."""
    out = report.outputs.get("fairness")
    if out is None or out.status != "ran":
        return Section(
            "section-fairness",
            "Group fairness",
            status=out.status if out else "skipped",
            reason=out.reason if out else "The fairness analyzer was not run.",
        )
    gm = out.result
    findings = [f for f in report.findings if f.analyzer == "fairness"]
    names = ", ".join(gm.sensitive_names)
    blocks = [
        Block(
            "text",
            f"Groups by {names}: {len(gm.by_group)} groups over "
            f"{int(gm.by_group['count'].sum()):,} rows. A rate is judged only where its own "
            f"denominator reaches {gm.min_count} rows.",
        )
    ]
    title = "Intersectional groups" if len(gm.sensitive_names) > 1 else "Metrics by group"
    blocks.append(_group_table(gm, title))
    blocks.append(_disparity_table(gm, findings))
    if gm.task == "binary":
        from audit.report._plots_fairness import plot_disparity, tolerance_band

        metrics = [m for m in ("selection_rate", "tpr", "tnr", "precision") if m in gm.by_group]
        ratio_warning = report.policy.ratio_warning
        low, high = tolerance_band(ratio_warning)
        blocks.append(
            Block(
                "figure",
                figure_to_svg(plot_disparity(gm, metrics, ratio_warning=ratio_warning)),
                title=f"Disparity against the {low:.3g}–{high:.3g} tolerance band",
                caption="Each group's rate divided by the largest group's rate.",
            )
        )
        summary = gm.summary()
        if len(summary):
            blocks.append(
                Block(
                    "kv",
                    [(k.replace("_", " "), fmt(v)) for k, v in summary.items()],
                    title="Named summaries (as fairlearn computes them)",
                )
            )
    for attr, marginal in out.extras.get("marginals", {}).items():
        blocks.append(_group_table(marginal, f"By {attr} alone"))
    return Section("section-fairness", "Group fairness", blocks=blocks)
