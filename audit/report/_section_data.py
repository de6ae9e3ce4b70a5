"""The data section: representation, label base rates, missing values, feature differences."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit._numbers import column_kind
from audit.report._blocks import Block, Section, fmt, table_block
from audit.report._scope import data_scope

__all__ = ["data_section"]

TITLE = "Data"
_TOP_DIFFERENCES = 10
_MISSING_FEATURES = 12


def _flagged_table(
    frame: pd.DataFrame,
    flags: dict[str, np.ndarray],
    *,
    title: str,
    caption: str = "",
    kinds: dict[str, str] | None = None,
) -> Block:
    """A table with the cells of ``flags`` (column -> boolean mask) marked as warnings."""
    classes = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for column, mask in flags.items():
        classes.loc[np.asarray(mask, dtype=bool), column] = "warning"
    return table_block(
        frame, title=title, caption=caption, classes=classes, index=False, kinds=kinds
    )


def _representation(r: Any) -> list[Block]:
    rep = r.representation
    columns = ["attribute", "group", "count", "share"]
    if r.has_reference:
        columns += ["reference_share", "reference_ratio"]
    frame = rep[columns].reset_index(drop=True)
    flags = {"share": (frame["share"] < r.min_group_share).to_numpy()}
    if r.has_reference:
        ratio = frame["reference_ratio"].to_numpy(dtype=float)
        flags["reference_ratio"] = np.nan_to_num(ratio, nan=np.inf) < r.representation_ratio
    caption = f"Highlighted: a share below the policy's min_group_share of {r.min_group_share:.0%}"
    caption += (
        f", or below {r.representation_ratio:.2f} of the group's reference share."
        if r.has_reference
        else ". No reference population was given (analyzer_options={'data': {'reference': "
        "{group: share}}})."
    )
    blocks = [_flagged_table(frame, flags, title="Representation", caption=caption)]
    if not r.goodness_of_fit.empty:
        blocks.append(
            table_block(
                r.goodness_of_fit,
                title="Chi-square goodness of fit to the reference",
                caption="Pearson's chi-square of the group counts against the counts the "
                "reference shares expect; a small p-value: the data's groups are not drawn "
                "in the reference's proportions.",
                index=False,
            )
        )
    return blocks


def _base_rates(r: Any) -> list[Block]:
    if r.label_kind is None:
        return [Block("note", "No labels were given, so no base rates per group.")]
    if r.label_kind == "multiclass":
        return [Block("note", "Multiclass labels: base rates per group are not computed.")]
    rates = r.base_rates.drop(columns=["sufficient"]).reset_index(drop=True)
    if r.label_kind == "regression":
        rates = rates.drop(columns=["positives"]).rename(columns={"base_rate": "mean_target"})
        return [table_block(rates, title="Mean target per group", index=False)]
    blocks = [
        table_block(
            rates,
            title=f"Label base rate per group (share of {fmt(r.pos_label)})",
            index=False,
        )
    ]
    ratios = r.base_rate_ratios()
    if not ratios.empty:
        ratios = ratios.assign(
            insufficient=[", ".join(map(str, g)) for g in ratios["insufficient"]]
        )
        flags = {
            "ratio": np.nan_to_num(ratios["ratio"].to_numpy(dtype=float), nan=1) < r.ratio_warning
        }
        blocks.append(
            _flagged_table(
                ratios,
                flags,
                kinds={"low": "rate", "high": "rate"},
                title="Base-rate ratio (lowest / highest)",
                caption=f"Between groups with at least {r.min_count} rows; highlighted below "
                f"the policy's ratio_warning of {r.ratio_warning:.2f} (label imbalance).",
            )
        )
    return blocks


def _differences(r: Any) -> list[Block]:
    diff = r.differences
    if diff.empty:
        return []
    numeric = diff[diff["kind"] == "numeric"]
    numeric = numeric.reindex(numeric["smd"].abs().sort_values(ascending=False).index)
    categorical = diff[diff["kind"] == "categorical"].sort_values("tvd", ascending=False)
    blocks = []
    if not numeric.empty:
        shown = numeric[["attribute", "feature", "smd", "groups"]].head(_TOP_DIFFERENCES)
        text = shown.astype(object).copy()
        for column in shown.columns:
            text[column] = [fmt(v, column_kind(column)) for v in shown[column]]
        infinite = np.isinf(shown["smd"].to_numpy(dtype=float))
        text.loc[infinite, "smd"] = "∞ (no overlap)"  # constant within groups, not between
        blocks.append(
            table_block(
                shown,
                text=text,
                title="Numeric features that differ most between groups",
                caption="smd: the largest standardized mean difference between two groups "
                "(difference of means / sqrt of the mean of their variances), the first group "
                "of the pair having the higher mean. 0.2 is small, 0.5 medium, 0.8 large "
                "(Cohen).",
                index=False,
            )
        )
    if not categorical.empty:
        blocks.append(
            table_block(
                categorical[["attribute", "feature", "cramers_v", "tvd", "groups"]].head(
                    _TOP_DIFFERENCES
                ),
                title="Categorical features that differ most between groups",
                caption="cramers_v: association with the attribute; tvd: the largest total "
                "variation distance between two groups' distributions (the share of rows that "
                "would have to change category), for the pair shown.",
                index=False,
            )
        )
    return blocks


def _missing(r: Any) -> list[Block]:
    missing = r.missing
    if missing.empty:
        return [Block("note", "No missing values in the data.")]
    wide = missing.pivot_table(
        index=["attribute", "group"], columns="feature", values="missing_share", sort=False
    )
    gap = (wide.max() - wide.min()).sort_values(ascending=False)
    wide = wide[list(gap.index[:_MISSING_FEATURES])]
    return [
        table_block(
            wide,
            title="Missing values per group (share of the group's rows)",
            caption="Features with at least one missing value, the largest gap between groups "
            "first.",
            index=True,
        )
    ]


def data_section(report: Any) -> Section:
    """Build the data section from the report's :class:`audit.data_checks.DataChecks`."""
    out = report.outputs.get("data")
    if out is None or out.status != "ran":
        return Section(
            "section-data",
            TITLE,
            status=out.status if out else "skipped",
            reason=out.reason if out else "The data analyzer was not run.",
        )
    r = out.result
    scope = data_scope(report.data)
    sampled = (
        f" These are the rows of the stratified sample, not all {scope['rows_total']:,} rows "
        "of the data (see the model card's data scope)."
        if scope is not None
        and isinstance(scope.get("rows_total"), int)
        and r.n_rows < scope["rows_total"]
        and "data" in (scope.get("sampled") or ())
        else ""
    )
    blocks: list[Block] = [
        Block(
            "text",
            f"The data as collected, before the model: {r.n_rows:,} rows by "
            f"{', '.join(r.attributes)} (each attribute on its own; rows counted unweighted)."
            + sampled,
        )
    ]
    blocks += _representation(r)
    blocks += _base_rates(r)
    blocks += _differences(r)
    blocks += _missing(r)
    return Section("section-data", TITLE, blocks=blocks)
