"""The fairness section: group table with CIs, disparities, the tolerance-band chart."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit._numbers import column_kind, difference_kind, fmt
from audit.facts import Fact
from audit.fairness import REGRESSION_METRICS
from audit.report._blocks import MAX_TABLE_ROWS, Block, Section, table_block
from audit.report._scope import binned_auc_text, counts_engine_text
from audit.report._svg import figure_to_svg, plain_text_plots

__all__ = ["fairness_section", "stat_format", "shown_groups"]

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


def shown_groups(gm: Any, max_rows: int = MAX_TABLE_ROWS) -> np.ndarray:
    """Positions of the groups a table shows: all, or the ``max_rows`` largest (in table order).

    The cost and size of the report stay bounded for any number of groups; the
    JSON record keeps every group.
    """
    n = len(gm.by_group)
    if n <= max_rows:
        return np.arange(n)
    counts = gm.by_group["count"].to_numpy(dtype=float)
    largest = np.argsort(-counts, kind="stable")[:max_rows]
    return np.sort(largest)


def _group_table(gm: Any, title: str, max_rows: int = MAX_TABLE_ROWS) -> Block:
    cols = _main_columns(gm)
    keep = shown_groups(gm, max_rows)
    frame = gm.by_group[cols].iloc[keep]
    text = frame.copy().astype(object)
    classes = pd.DataFrame("", index=frame.index, columns=cols)
    sufficient = gm.sufficient.iloc[keep]
    for j, col in enumerate(cols):
        kind = column_kind(col)
        has_ci = gm.ci_low is not None and col in gm.ci_low
        ci_low = gm.ci_low[col].iloc[keep] if has_ci else None
        ci_high = gm.ci_high[col].iloc[keep] if has_ci else None
        for i in range(len(frame)):
            value = frame.iat[i, j]
            label = fmt(value, kind)
            if ci_low is not None and col not in ("count", "share") and np.isfinite(value):
                label += f" [{fmt(ci_low.iat[i], kind)}, {fmt(ci_high.iat[i], kind)}]"
            if col in sufficient.columns and not bool(sufficient[col].iat[i]) and col != "count":
                label += _MARK
                classes.iat[i, j] = "insufficient"
            text.iat[i, j] = label
    caption = (
        f"† insufficient evidence: the rate's denominator is below {gm.min_count}; it is "
        "shown but not judged."
    )
    if gm.ci_low is not None:
        caption += f" Brackets: {gm.ci:.0%} bootstrap intervals ({gm.n_boot:,} replicates)."
    n_groups = len(gm.by_group)
    if len(keep) < n_groups:
        rest = np.setdiff1d(np.arange(n_groups), keep)
        rest_rows = float(gm.by_group["count"].to_numpy(dtype=float)[rest].sum())
        judged = int(
            gm.sufficient.iloc[rest].drop(columns="count", errors="ignore").any(axis=1).sum()
        )
        caption += (
            f" Showing the {len(keep):,} largest of {n_groups:,} groups; the other "
            f"{len(rest):,} groups ({fmt(rest_rows, 'count')} rows, {judged:,} of them with "
            "enough evidence for at least one metric) are in the JSON record."
        )
    return table_block(
        frame,
        title=title,
        caption=caption,
        classes=classes,
        text=text,
        index=True,
        max_rows=max_rows,
    )


def stat_format(metric: str, stat: str, policy: Any) -> tuple[str, tuple[float, ...] | None]:
    """How the report formats ``stat`` of ``metric``: its number kind and the thresholds
    it is shown against (so a flagged value never prints equal to its threshold).

    Parameters
    ----------
    metric : str
        A group metric (``"selection_rate"``, ``"tpr[1]"``).
    stat : {"difference", "ratio", "min", "max"}
    policy : Policy

    Returns
    -------
    kind : str
    against : tuple of float or None
    """
    base = metric.split("[")[0]
    if stat == "ratio":
        judged = base in policy.ratio_metrics
        return "ratio", (policy.ratio_warning, policy.ratio_critical) if judged else None
    if stat == "difference":
        judged = base in policy.difference_metrics
        return difference_kind(metric), (
            (policy.difference_warning, policy.difference_critical) if judged else None
        )
    return column_kind(metric), None


def _with_ci(
    value: float | None,
    ci: tuple[float, float] | None,
    kind: str = "number",
    against: tuple[float, ...] | None = None,
) -> str:
    label = fmt(value, kind, against=against)
    if value is not None and ci is not None:
        label += f" [{fmt(ci[0], kind)}, {fmt(ci[1], kind)}]"
    return label


def _disparity_table(gm: Any, facts: dict[str, Fact], findings: list[Any], policy: Any) -> Block:
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
        kind = column_kind(metric)
        labels.append(
            {
                "metric": metric,
                "difference": _with_ci(
                    diff.value, diff.ci, *stat_format(metric, "difference", policy)
                ),
                "ratio": _with_ci(ratio.value, ratio.ci, *stat_format(metric, "ratio", policy)),
                "lowest": fmt(low.value, kind) + (f" ({low.groups})" if low.groups else ""),
                "highest": fmt(high.value, kind) + (f" ({high.groups})" if high.groups else ""),
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
        "difference = highest − lowest (percentage points for rates), ratio = lowest / "
        "highest; — where fewer than two groups have enough evidence. These are the numbers "
        "the gates check.",
        index=True,
    )


_CORRECTION_TEXT = {
    "holm": "Holm's step-down correction",
    "bonferroni": "Bonferroni's correction",
    "none": "no correction for multiple comparisons",
}


def _weighted(gm: Any) -> bool:
    return bool(gm.counts is not None and gm.counts.weighted)


def _n_pairs(gm: Any, metric: str) -> int:
    """Pairwise comparisons of ``metric``: every pair of comparable groups (between groups),
    counted without drawing the tests, so the cost does not grow with the groups squared."""
    values = gm.by_group[metric].to_numpy(dtype=float)
    k = int((gm.sufficient[metric].to_numpy(dtype=bool) & np.isfinite(values)).sum())
    method, _ = gm._resolve(None, None)
    if method == "to_reference":
        if len(values) <= MAX_TABLE_ROWS:
            return len(gm.parity_tests(metric, correction="none"))
        return max(k - 1, 0)
    return k * (k - 1) // 2


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
            counts.append(f"{metric} {_n_pairs(gm, metric):,}")
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
    engine_text, binned_text = counts_engine_text(gm), binned_auc_text(gm)
    if engine_text is not None:
        blocks.append(Block("text", engine_text))
    if binned_text is not None:
        blocks.append(Block("note", binned_text))
    blocks.append(Block("text", _uncertainty_text(gm, report.policy)))
    title = "Intersectional groups" if len(gm.sensitive_names) > 1 else "Metrics by group"
    blocks.append(_group_table(gm, title))
    blocks.append(_disparity_table(gm, dict(out.facts), findings, report.policy))
    if gm.task == "binary":
        from audit.report._plots_fairness import MAX_PLOT_GROUPS, plot_disparity, tolerance_band

        metrics = [m for m in ("selection_rate", "tpr", "tnr", "precision") if m in gm.by_group]
        ratio_warning = report.policy.ratio_warning
        low, high = tolerance_band(ratio_warning)
        with plain_text_plots():
            svg = figure_to_svg(plot_disparity(gm, metrics, ratio_warning=ratio_warning))
        n_groups = len(gm.by_group)
        drawn = min(n_groups, MAX_PLOT_GROUPS)
        blocks.append(
            Block(
                "figure",
                svg,
                title=f"Disparity against the {low:.3g}–{high:.3g} tolerance band",
                caption="Each group's rate divided by the largest group's rate. Ratios of 0 "
                "cannot be drawn on the log scale: they sit at the left edge as ◁ markers."
                + (
                    f" The {drawn:,} largest of {n_groups:,} groups are drawn."
                    if drawn < n_groups
                    else ""
                ),
            )
        )
        summaries = []
        for path, fact in out.facts.items():
            name, _, stat = path.partition(".")
            if name in _SUMMARIES:
                base = "tpr" if name != "demographic_parity" else "selection_rate"
                kind, _ = stat_format(base, stat, report.policy)
                label = path.replace("_", " ").replace(".", " ")
                summaries.append((label, _with_ci(fact.value, fact.ci, kind)))
        if summaries:
            blocks.append(Block("kv", summaries, title="Named summaries (fairlearn's names)"))
    for attr, marginal in out.extras.get("marginals", {}).items():
        blocks.append(_group_table(marginal, f"By {attr} alone"))
    return Section("section-fairness", "Group fairness", blocks=blocks)
