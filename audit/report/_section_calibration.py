"""The calibration section: gaps per group, reliability curves, predictive values vs error rates."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit.report._blocks import Block, Section, fmt, table_block
from audit.report._section_fairness import shown_groups
from audit.report._svg import figure_to_svg

__all__ = ["calibration_section"]

_TITLE = "Calibration by group"
_MARK = " †"
_GAP_COLUMNS = ["count", "mean_score", "observed_rate", "calibration_in_the_large", "ece", "brier"]
_DISPUTE_COLUMNS = ["observed_rate", "precision", "npv", "fpr", "fnr"]
_KINDS = {
    "count": "count",
    "mean_score": "rate",
    "observed_rate": "rate",
    "calibration_in_the_large": "pp",
    "ece": "score",
    "brier": "score",
    "precision": "rate",
    "npv": "rate",
    "fpr": "rate",
    "fnr": "rate",
}
_HEADERS = {
    "count": "count",
    "mean_score": "mean score",
    "observed_rate": "observed rate",
    "calibration_in_the_large": "mean score − observed",
    "ece": "ECE (10 bins)",
    "brier": "Brier",
    "precision": "PPV (precision)",
    "npv": "NPV",
    "fpr": "FPR",
    "fnr": "FNR",
}


def _table(result: Any, columns: list[str], title: str, caption: str) -> Block:
    keep = shown_groups(result)  # the largest groups only: bounded cost for any number
    frame = result.by_group[columns].iloc[keep]
    ci_low, ci_high = result.ci_low.iloc[keep], result.ci_high.iloc[keep]
    verdicts = result.verdicts.iloc[keep]
    text = frame.copy().astype(object)
    classes = pd.DataFrame("", index=frame.index, columns=columns)
    for j, col in enumerate(columns):
        for i in range(len(frame)):
            value = frame.iat[i, j]
            kind = _KINDS[col]
            label = fmt(value, kind)
            low, high = ci_low[col].iat[i], ci_high[col].iat[i]
            if col != "count" and np.isfinite(value) and np.isfinite(low) and np.isfinite(high):
                label += f" [{fmt(low, kind)}, {fmt(high, kind)}]"
            if col != "count" and verdicts[col].iat[i] != "ok":
                label += _MARK
                classes.iat[i, j] = "insufficient"
            text.iat[i, j] = label
    shown = frame.rename(columns=_HEADERS)
    text.columns = shown.columns
    classes.columns = shown.columns
    return table_block(shown, title=title, caption=caption, classes=classes, text=text, index=True)


def _intervals_text(result: Any) -> str:
    level = f"{result.ci:.0%}"
    if not result.n_boot:
        return (
            f"Reliability intervals are {level} Wilson intervals; no bootstrap was drawn "
            "(n_boot=0), so the gaps have no intervals."
        )
    return (
        f"Brackets are {level} intervals: for the gap (mean score − observed rate) a bootstrap "
        f"of {result.n_boot:,} replicates of the group's score cells; for ECE, Brier, PPV and "
        "NPV the fairness engine's bootstrap (the same numbers as the fairness section); the "
        f"reliability points carry {level} Wilson intervals."
    )


def _gap_facts(out: Any) -> list[tuple[str, str]]:
    rows = []
    for path, label in (
        ("calibration_gap.max", "largest |mean score − observed rate|"),
        ("calibration_gap.difference", "spread of the gap between groups"),
    ):
        f = out.facts.get(path)
        if f is None:
            continue
        text = fmt(f.value, "pp")
        if f.value is not None and f.ci is not None:
            text += f" [{fmt(f.ci[0], 'pp')}, {fmt(f.ci[1], 'pp')}]"
        text += f" ({f.groups})" if f.groups else ""
        rows.append((f"{label} — {path}", text))
    return rows


def _section_body(result: Any, policy: Any, title_prefix: str = "") -> list[Block]:
    caption = (
        f"† insufficient evidence: fewer than {result.min_count} rows (or denominators) behind "
        "the value; shown, never compared."
    )
    gap = _table(
        result,
        _GAP_COLUMNS,
        f"{title_prefix}Calibration per group",
        caption + " Positive gap: the scores overstate the group's rate; negative: they "
        f"understate it. The policy flags a gap beyond ±"
        f"{fmt(policy.calibration_gap, 'pp')}.",
    )
    dispute = _table(
        result,
        _DISPUTE_COLUMNS,
        f"{title_prefix}Predictive values against error rates",
        caption + " Equal PPV and NPV (predictive parity, Northpointe's defence of COMPAS) and "
        "equal FPR and FNR (ProPublica's test) cannot both hold when the observed rates "
        "differ, unless the model is perfect.",
    )
    return [gap, dispute]


def calibration_section(report: Any) -> Section:
    """Build the calibration section from the calibration analyzer's output."""
    out = report.outputs.get("calibration")
    if out is None or out.status != "ran":
        return Section(
            "section-calibration",
            _TITLE,
            status=out.status if out else "skipped",
            reason=out.reason if out else "The calibration analyzer was not run.",
        )
    result = out.result
    names = ", ".join(result.sensitive_names)
    blocks = [
        Block(
            "text",
            f"Does a score mean the same risk for every group? Groups by {names}: "
            f"{len(result.by_group)} groups; {result.n_bins} equal-width score bins. A group is "
            f"compared only with at least {result.min_count} rows. " + _intervals_text(result),
        )
    ]
    blocks.extend(_section_body(result, report.policy))
    blocks.extend(_figure(result, "Reliability curves"))
    facts = _gap_facts(out)
    if facts:
        blocks.append(Block("kv", facts, title="Calibration gaps (the numbers the gates check)"))
    for attr, marginal in out.extras.get("marginals", {}).items():
        prefix = f"By {attr} alone: "
        blocks.extend(_section_body(marginal, report.policy, title_prefix=prefix))
        blocks.extend(_figure(marginal, f"{prefix}reliability curves"))
    return Section("section-calibration", _TITLE, blocks=blocks)


def _figure(result: Any, title: str) -> list[Block]:
    """The reliability plot of one result (none when no group is comparable)."""
    from audit.report._plots_calibration import MIN_BIN_ROWS, plot_reliability, shown_groups

    shown = shown_groups(result)
    if not shown:
        return []
    hidden = int(result.comparable.sum()) - len(shown)
    caption = (
        "Each point is a score bin of a group: its mean score against the share of its rows "
        "that is positive, with its Wilson interval. Below the diagonal the scores overstate "
        f"the group's rate. Bins with fewer than {MIN_BIN_ROWS} rows are not drawn."
    )
    if hidden > 0:
        caption += (
            f" The {len(shown)} largest comparable groups are shown ({hidden} more in the table)."
        )
    return [Block("figure", figure_to_svg(plot_reliability(result)), title=title, caption=caption)]
