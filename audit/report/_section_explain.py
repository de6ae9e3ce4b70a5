"""Importance, SHAP attributions (global and by group) and proxies sections."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from audit._numbers import fmt
from audit.report._blocks import Block, Section, table_block
from audit.report._svg import figure_to_svg, plain_text_plots

__all__ = [
    "MAX_SHAP_GROUPS",
    "importance_section",
    "attributions_section",
    "proxies_section",
    "plot_shap_by_attribute",
    "shown_attribution_groups",
]

MAX_SHAP_GROUPS = 8
"""Per sensitive attribute, the SHAP-by-group panel and tables show at most this many
groups (those with the most explained rows); the JSON record keeps every group."""
_TOP_FEATURES = 10


def _not_ran(name: str, title: str, report: Any) -> Section | None:
    out = report.outputs.get(name)
    if out is None or out.status != "ran":
        return Section(
            f"section-{name}",
            title,
            status=out.status if out else "skipped",
            reason=out.reason if out else f"The {name} analyzer was not run.",
        )
    return None


def _by_rank(table: pd.DataFrame) -> pd.DataFrame:
    """The importance table, most important first by the first method's rank.

    With thousands of features only the first rows are shown, so they must be
    the top ones, not the first columns of X.
    """
    ranks = [c for c in table.columns if str(c).startswith("rank_")]
    if not ranks:
        return table
    return table.sort_values(ranks[0], kind="stable", na_position="last")


def importance_section(report: Any) -> Section:
    """Coefficient / permutation / drop-column / SHAP importance side by side."""
    title = "Importance and contribution to accuracy"
    missing = _not_ran("importance", title, report)
    if missing is not None:
        return missing
    r = report.outputs["importance"].result
    blocks: list[Block] = [
        Block(
            "text",
            "Methods: " + ", ".join(r.methods) + f". Permutation importance scores "
            f"against {'the true labels' if r.target == 'y_true' else 'the predictions'}; "
            "'…_pct' columns are the share of the model's score lost, in percent.",
        ),
        table_block(_by_rank(r.table), title="Importance by method", max_rows=40),
    ]
    if r.rank_correlation is not None and not r.rank_correlation.empty:
        blocks.append(
            table_block(
                r.rank_correlation, title="Spearman rank correlation between methods", index=True
            )
        )
    blocks += [Block("note", n) for n in r.notes]
    return Section("section-importance", title, blocks=blocks)


def shown_attribution_groups(
    result: Any, max_groups: int = MAX_SHAP_GROUPS
) -> dict[str, list[str]]:
    """Per attribute, the groups the report shows: the ``max_groups`` with most explained rows.

    Returns
    -------
    dict of str to list of str
        Attribute → group labels, in the result's order.
    """
    table = result.by_group
    if not len(table):
        return {}
    sizes = table.drop_duplicates(["attribute", "group"])[["attribute", "group", "n_explained"]]
    out: dict[str, list[str]] = {}
    for attribute, part in sizes.groupby("attribute", sort=False):
        keep = part.sort_values("n_explained", ascending=False, kind="stable").head(max_groups)
        chosen = set(keep["group"])
        out[str(attribute)] = [g for g in part["group"] if g in chosen]
    return out


def _bounded(result: Any, shown: dict[str, list[str]]) -> Any:
    """The result with its by-group table cut to the shown groups (its own methods then
    compute the wide tables at bounded cost)."""
    table = result.by_group
    mask = np.zeros(len(table), dtype=bool)
    for attribute, groups in shown.items():
        mask |= (table["attribute"] == attribute).to_numpy() & table["group"].isin(
            groups
        ).to_numpy()
    if mask.all():
        return result
    return dataclasses.replace(result, by_group=table[mask].reset_index(drop=True))


def plot_shap_by_attribute(
    result: Any, attribute: str, groups: list[str], *, top: int = _TOP_FEATURES
) -> Any:
    """Mean |SHAP| of the top features for the groups of one attribute, legend beside the bars.

    Parameters
    ----------
    result : AttributionResult
    attribute : str
        The sensitive attribute whose groups are compared.
    groups : list of str
        The groups drawn (see :func:`shown_attribution_groups`).
    top : int
        Features drawn (the largest overall).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    part = result.by_group[result.by_group["attribute"] == attribute]
    wide = part.groupby(["feature", "group"], sort=False)["mean_abs"].sum().unstack("group")
    features = [f for f in result.importance.index[:top] if f in wide.index]
    wide = wide.reindex(index=features, columns=groups)
    n = max(1, len(groups))
    fig = Figure(
        figsize=(8.5, 1.0 + 0.22 * len(features) * max(2, n) / 2 + 0.3), layout="constrained"
    )
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    height = 0.8 / n
    base = np.arange(len(features))[::-1].astype(float)
    for i, group in enumerate(groups):
        ax.barh(
            base + 0.4 - (i + 0.5) * height,
            wide[group].to_numpy(dtype=float),
            height=height,
            label=str(group),
            color=f"C{i % 10}",
        )
    ax.set_yticks(base, [str(f) for f in features])
    ax.set_xlabel(f"mean |SHAP| ({result.output_space})")
    ax.set_title(f"Mean |SHAP| by {attribute}")
    ax.legend(
        title=str(attribute),
        fontsize="small",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    ax.grid(axis="x", color="#eaecf0", lw=0.6)
    ax.set_axisbelow(True)
    return fig


def attributions_section(report: Any) -> Section:
    """Which explainer ran, additivity, global mean |SHAP| and the by-group comparison."""
    title = "SHAP attributions"
    missing = _not_ran("attributions", title, report)
    if missing is not None:
        return missing
    from audit.attributions import plot_importance

    r = report.outputs["attributions"].result
    additivity = (
        f"max |base + Σ SHAP − model output| = {fmt(r.additivity_max_error)} "
        f"(tolerance on that row {fmt(r.additivity_tolerance)}; each row is checked "
        "against its own): " + ("passed" if r.additivity_ok else "FAILED")
    )
    sizes = r.sample_sizes
    with plain_text_plots():
        global_svg = figure_to_svg(plot_importance(r))
    blocks: list[Block] = [
        Block(
            "kv",
            [
                ("explainer", r.explainer),
                ("why", r.reason),
                ("output explained", r.output_space),
                ("rows explained", f"{r.n_explained:,} of {r.n_rows:,}"),
                ("additivity", additivity),
            ],
        ),
        # plain text: the renderers escape it (HTML autoescape, Markdown md_escape)
        Block("note", r.additivity.describe()),
        Block("figure", global_svg, title="Global importance (mean |SHAP|)"),
    ]
    if len(r.by_group):
        shown = shown_attribution_groups(r)
        n_all = r.by_group.drop_duplicates(["attribute", "group"]).groupby("attribute").size()
        for attribute, groups in shown.items():
            with plain_text_plots():
                svg = figure_to_svg(plot_shap_by_attribute(r, attribute, groups))
            total = int(n_all.get(attribute, len(groups)))
            caption = f"The {_TOP_FEATURES} features with the largest mean |SHAP| overall."
            if total > len(groups):
                caption += (
                    f" The {len(groups)} groups with the most explained rows of {total:,} are "
                    "drawn; every group is in the JSON record."
                )
            blocks.append(
                Block("figure", svg, title=f"Mean |SHAP| by {attribute}", caption=caption)
            )
        bounded = _bounded(r, shown)
        cut = sum(len(g) for g in shown.values()) < int(n_all.sum())
        note = (
            f" Groups: per attribute the {MAX_SHAP_GROUPS} with the most explained rows."
            if cut
            else ""
        )
        blocks.append(
            table_block(
                bounded.mean_abs_by_group(),
                title="Mean |SHAP| overall and per group",
                max_rows=30,
                caption="How much each feature moves predictions, per group." + note,
            )
        )
        blocks.append(
            table_block(
                bounded.mean_signed_by_group(),
                title="Mean signed SHAP per group",
                max_rows=30,
                caption="Positive values push towards the "
                "explained output (the positive class for binary models)." + note,
            )
        )
    if isinstance(sizes, pd.DataFrame) and not sizes.empty:
        blocks.append(
            table_block(
                sizes,
                title="Rows explained per group (stratified sample)",
                index=False,
                max_rows=30,
            )
        )
    return Section("section-attributions", title, blocks=blocks)


def proxies_section(report: Any) -> Section:
    """Association of each feature with each sensitive attribute, times the model's reliance."""
    title = "Proxies of sensitive attributes"
    missing = _not_ran("proxies", title, report)
    if missing is not None:
        return missing
    r = report.outputs["proxies"].result
    table = r.table.sort_values("proxy_score", ascending=False)
    flagged = r.proxies
    blocks: list[Block] = [
        Block(
            "text",
            f"A feature is a proxy when its association with a sensitive attribute "
            f"(Cramér's V, correlation ratio, or normalised mutual information) reaches "
            f"{fmt(r.threshold)} and it is among the model's top {r.top_k} features by "
            f"reliance ({r.reliance_source}). {len(flagged)} flagged.",
        ),
        table_block(table, title="Association × reliance", max_rows=30, index=False),
    ]
    return Section("section-proxies", title, blocks=blocks)
