"""The counterfactual flip test section: what changes when only the sensitive attribute does."""

from __future__ import annotations

from typing import Any

import pandas as pd

from audit._numbers import column_kind
from audit.report._blocks import Block, Section, fmt, table_block
from audit.report._svg import figure_to_svg

__all__ = ["flip_section"]

TITLE = "Counterfactual flip test"
_MARK = " †"
_FILL_TEXT = {
    "transport": "optimal transport (a numeric proxy keeps its quantile within the group, a "
    "categorical one its value where the target group's distribution allows)",
    "sample": "a random donor row of the target group",
    "mode": "the target group's most frequent value (median for numbers)",
}
_KINDS = {"to_positive": "rate", "to_negative": "rate"}
_FACT_LABELS = {
    "flip_rate.max": "flip_rate.max (attribute only)",
    "flip_rate_proxy.max": "flip_rate_proxy.max (attribute and proxies)",
}


def _with_ci(value: float | None, low: float | None, high: float | None) -> str:
    """A flip rate and its interval, as rates (``55.9% [53.7%, 58.0%]``)."""
    text = fmt(value, "rate")
    if value is not None and pd.notna(value) and low is not None and pd.notna(low):
        text += f" [{fmt(low, 'rate')}, {fmt(high, 'rate')}]"
    return text


def _rates_table(frame: pd.DataFrame, threshold: float, *, title: str, caption: str) -> Block:
    """A table whose flip-rate cells carry their interval, flagged above the threshold."""
    shown = frame.drop(columns=["ci_low", "ci_high", "sufficient", "effective_n"])
    text = shown.astype(object).copy()
    classes = pd.DataFrame("", index=shown.index, columns=shown.columns)
    j = list(shown.columns).index("flip_rate")
    kinds = [_KINDS.get(str(c)) or column_kind(c) for c in shown.columns]
    for i, row in enumerate(frame.itertuples(index=False)):
        label = _with_ci(row.flip_rate, row.ci_low, row.ci_high)
        if not row.sufficient:
            label += _MARK
            classes.iat[i, j] = "insufficient"
        elif row.flip_rate > threshold:
            classes.iat[i, j] = "warning"
        text.iat[i, j] = label
        for k, value in enumerate(shown.iloc[i]):
            if k != j:
                text.iat[i, k] = fmt(value, kinds[k])
    return table_block(
        shown, title=title, caption=caption, classes=classes, text=text, index=False, max_rows=40
    )


def flip_section(report: Any) -> Section:
    """Build the flip test section from the report's :class:`audit.counterfactual.FlipResult`."""
    out = report.outputs.get("flip")
    if out is None or out.status != "ran":
        return Section(
            "section-flip",
            TITLE,
            status=out.status if out else "skipped",
            reason=out.reason if out else "The flip analyzer was not run.",
        )
    r = out.result
    blocks: list[Block] = [
        Block(
            "text",
            "Each row is moved to every other group of a sensitive attribute and predicted "
            "again; a flip is a changed decision. 'direct' changes only the model input that "
            "holds the attribute; 'proxy' also moves the features that encode it "
            f"({r.proxy_source}) to the target group, by {_FILL_TEXT[r.proxy_fill]}. "
            f"{r.rows_predicted:,} counterfactual rows were predicted in {r.model_calls} "
            "call(s).",
        )
    ]
    if not r.applicable("direct") and not r.applicable("proxy"):
        blocks.append(
            Block(
                "note",
                "Not applicable: "
                + r.not_applicable_text("direct")
                + ". No decision can flip, by construction; this is not evidence that the "
                "model is fair (see the group fairness section).",
            )
        )
    blocks.append(
        table_block(
            r.attributes.set_index("attribute"),
            title="What the test changes",
            index=True,
        )
    )
    if r.directions.empty:
        return Section("section-flip", TITLE, blocks=blocks)
    facts = dict(out.facts)
    pairs = []
    for path, label in _FACT_LABELS.items():
        f = facts.get(path)
        if f is None:
            continue
        low, high = f.ci if f.ci is not None else (None, None)
        value = _with_ci(f.value, low, high)
        value += f" ({f.groups})" if f.groups else ""
        pairs.append((label, value))
    blocks.append(Block("kv", pairs, title="Largest flip rates (what the gates check)"))
    caption = (
        f"Brackets: {r.ci:.0%} Wilson intervals"
        + (" on the effective sample size (rows are weighted)" if r.weighted else "")
        + f". Highlighted: above the policy's flip_rate of {r.threshold:.1%}. † fewer than "
        f"{r.min_count} rows: shown, not judged. score_change: mean change of the "
        "positive-class probability."
    )
    # the proxy variant of an attribute without proxies is the direct one: shown once
    repeated = set(r.attributes.loc[r.attributes["proxies"] == "", "attribute"])
    by_group = r.by_group[
        ~((r.by_group["variant"] == "proxy") & r.by_group["attribute"].isin(repeated))
    ]
    shown_directions = r.directions[
        ~((r.directions["variant"] == "proxy") & r.directions["attribute"].isin(repeated))
    ]
    if repeated:
        caption += (
            " The proxy rows of " + ", ".join(sorted(repeated)) + " (no proxies) equal the "
            "direct ones and are not repeated."
        )
    blocks.append(
        _rates_table(
            by_group.reset_index(drop=True),
            r.threshold,
            title="Share of each group's decisions that flip (to any other group)",
            caption=caption,
        )
    )
    directions = shown_directions.drop(columns=["from_group", "to_group"]).reset_index(drop=True)
    moves = zip(shown_directions["from_group"], shown_directions["to_group"], strict=True)
    directions.insert(2, "direction", [f"{a} → {b}" for a, b in moves])
    blocks.append(
        _rates_table(
            directions,
            r.threshold,
            title="By direction",
            caption="to_positive / to_negative: shares that flip into / out of the positive class.",
        )
    )
    from audit.counterfactual import plot_flip_rates

    blocks.append(
        Block("figure", figure_to_svg(plot_flip_rates(r)), title="Flip rate by direction")
    )
    return Section("section-flip", TITLE, blocks=blocks)
