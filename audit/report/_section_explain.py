"""Importance (Table 4), SHAP attributions (global and by group) and proxies sections."""

from __future__ import annotations

from typing import Any

import pandas as pd

from audit.report._blocks import Block, Section, fmt, table_block
from audit.report._svg import figure_to_svg

__all__ = ["importance_section", "attributions_section", "proxies_section"]


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
            "'…_pct' columns are the share of the model's score lost (Table 4).",
        ),
        table_block(r.table, title="Importance by method", max_rows=40),
    ]
    if r.rank_correlation is not None and not r.rank_correlation.empty:
        blocks.append(
            table_block(
                r.rank_correlation, title="Spearman rank correlation between methods", index=True
            )
        )
    blocks += [Block("note", n) for n in r.notes]
    return Section("section-importance", title, blocks=blocks)


def attributions_section(report: Any) -> Section:
    """Which explainer ran, additivity, global mean |SHAP| and the by-group comparison."""
    title = "SHAP attributions"
    missing = _not_ran("attributions", title, report)
    if missing is not None:
        return missing
    from audit.attributions import plot_importance, plot_importance_by_group

    r = report.outputs["attributions"].result
    additivity = (
        f"max |base + Σ SHAP − model output| = {fmt(r.additivity_max_error)} "
        f"(tolerance on that row {fmt(r.additivity_tolerance)}; each row is checked "
        "against its own): " + ("passed" if r.additivity_ok else "FAILED")
    )
    sizes = r.sample_sizes
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
        Block("figure", figure_to_svg(plot_importance(r)), title="Global importance (mean |SHAP|)"),
    ]
    if len(r.by_group):
        blocks.append(
            Block(
                "figure", figure_to_svg(plot_importance_by_group(r)), title="Mean |SHAP| by group"
            )
        )
        blocks.append(
            table_block(
                r.mean_abs_by_group(), title="Mean |SHAP| overall and per group", max_rows=30
            )
        )
        blocks.append(
            table_block(
                r.mean_signed_by_group(),
                title="Mean signed SHAP per group",
                max_rows=30,
                caption="Positive values push towards the "
                "explained output (the positive class for binary models).",
            )
        )
    if isinstance(sizes, pd.DataFrame) and not sizes.empty:
        blocks.append(
            table_block(sizes, title="Rows explained per group (stratified sample)", index=False)
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
