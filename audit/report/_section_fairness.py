"""The fairness section: group table with CIs, disparities, the tolerance-band chart."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit.facts import Fact
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
_SUMMARIES = ("demographic_parity", "equalized_odds", "equal_opportunity")


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


def _with_ci(value: float | None, ci: tuple[float, float] | None) -> str:
    label = fmt(value)
    if value is not None and ci is not None:
        label += f" [{fmt(ci[0])}, {fmt(ci[1])}]"
    return label


def _disparity_table(gm: Any, facts: dict[str, Fact], findings: list[Any]) -> Block:
    """One row per metric, every number read from the fairness facts (what gates check)."""
    flagged: dict[str, str] = {}
    for f in findings:
        metric = str(f.evidence.get("metric", f.subject))
        if f.code.startswith("disparity") and flagged.get(metric) != "critical":
            flagged[metric] = f.severity
    rows, labels = [], []
    for metric in gm.metrics:
        if metric in ("count", "share") or f"{metric}.difference" not in facts:
            continue
        diff, ratio = facts[f"{metric}.difference"], facts[f"{metric}.ratio"]
        low, high = facts[f"{metric}.min"], facts[f"{metric}.max"]
        flag = flagged.get(metric, "")
        rows.append(
            {
                "metric": metric,
                "difference": diff.value,
                "ratio": ratio.value,
                "lowest": low.value,
                "highest": high.value,
                "flag": flag,
            }
        )
        labels.append(
            {
                "metric": metric,
                "difference": _with_ci(diff.value, diff.ci),
                "ratio": _with_ci(ratio.value, ratio.ci),
                "lowest": fmt(low.value) + (f" ({low.groups})" if low.groups else ""),
                "highest": fmt(high.value) + (f" ({high.groups})" if high.groups else ""),
                "flag": flag or "—",
            }
        )
    frame = pd.DataFrame(rows).set_index("metric")
    text = pd.DataFrame(labels).set_index("metric").astype(object)
    classes = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for i, flag in enumerate(frame["flag"]):
        if flag:
            classes.iloc[i, :] = flag
    return table_block(
        frame,
        title="Differences and ratios between groups",
        text=text,
        classes=classes,
        caption="Between groups with enough evidence: "
        "difference = highest − lowest, ratio = lowest / highest; — where fewer than two "
        "groups have enough evidence. These are the numbers the gates check.",
        index=True,
    )


_CORRECTION_TEXT = {
    "holm": "Holm's step-down correction",
    "bonferroni": "Bonferroni's correction",
    "none": "no correction for multiple comparisons",
}


def _weighted(gm: Any) -> bool:
    return bool(gm.counts is not None and gm.counts.weighted)


def _uncertainty_text(gm: Any, policy: Any) -> str:
    """How intervals were drawn and how many comparisons the critical verdicts corrected for."""
    if not gm.n_boot:
        return (
            "No bootstrap intervals were drawn (n_boot=0): disparities are judged on the point "
            "estimates alone and none is tested against chance."
        )
    judged = {*policy.ratio_metrics, *policy.difference_metrics}
    counts = []
    for metric in gm.metrics:
        if gm._base_metric(metric) in judged:
            counts.append(f"{metric} {len(gm.parity_tests(metric, correction='none'))}")
    return (
        f"Brackets are {gm.ci:.0%} bootstrap percentile intervals from {gm.n_boot:,} "
        "replicates of the count table; a difference's or ratio's interval is recomputed "
        "between the comparable groups in each replicate. A disparity is critical only when "
        "the parity test of its worst pair (Wald test, bootstrap standard error) rejects at "
        f"{1 - gm.ci:.0%} after {_CORRECTION_TEXT[policy.multiple_comparisons]} over every "
        "pair of comparable groups of that metric. Pairwise comparisons per judged metric: "
        + (", ".join(counts) or "none")
        + "."
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
            f"denominator reaches {gm.min_count} rows"
            + (" (effective sample size, as rows are weighted)." if _weighted(gm) else "."),
        )
    ]
    blocks.append(Block("text", _uncertainty_text(gm, report.policy)))
    title = "Intersectional groups" if len(gm.sensitive_names) > 1 else "Metrics by group"
    blocks.append(_group_table(gm, title))
    blocks.append(_disparity_table(gm, dict(out.facts), findings))
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
        summaries = [
            (path.replace("_", " ").replace(".", " "), _with_ci(fact.value, fact.ci))
            for path, fact in out.facts.items()
            if path.split(".")[0] in _SUMMARIES
        ]
        if summaries:
            blocks.append(Block("kv", summaries, title="Named summaries (fairlearn's names)"))
    for attr, marginal in out.extras.get("marginals", {}).items():
        blocks.append(_group_table(marginal, f"By {attr} alone"))
    return Section("section-fairness", "Group fairness", blocks=blocks)
