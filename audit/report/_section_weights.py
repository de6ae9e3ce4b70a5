"""The weights section: Table 1 summary, concentration, standardized weights, layers, tokens."""

from __future__ import annotations

from typing import Any

from audit.report._blocks import Block, Section, fmt, table_block
from audit.report._svg import figure_to_svg

__all__ = ["weights_section"]

_LAYER_COLS = [
    "name",
    "count",
    "mean",
    "std",
    "min",
    "max",
    "skewness",
    "excess_kurtosis",
    "near_zero",
    "spectral_norm",
    "shape",
    "reference",
    "scale_ratio",
    "scale_flag",
]


def _value(value: Any) -> str:
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        parts = []
        for v in value:
            name = v.get("feature", v.get("name", ""))
            share = v.get("share")
            parts.append(f"{name} ({share:.1%})" if isinstance(share, float) else str(name))
        return ", ".join(parts)
    return fmt(value)


def _kv(mapping: Any, keys: list[str] | None = None) -> list[tuple[str, str]]:
    keys = keys or [k for k in mapping if k != "hyperparameters"]
    return [(k.replace("_", " "), _value(mapping[k])) for k in keys if k in mapping]


def weights_section(report: Any) -> Section:
    """Build the weights section from the weight analysis result."""
    out = report.outputs.get("weights")
    title = "Weights"
    if out is None or out.status != "ran":
        return Section(
            "section-weights",
            title,
            status=out.status if out else "skipped",
            reason=out.reason if out else "The weight analyzer was not run.",
        )
    from audit.weights import plot_layer_distributions, plot_weights

    r = out.result
    blocks: list[Block] = [
        Block(
            "kv",
            _kv(r.summary),
            title="Weight range (Table 1)",
            caption=f"Summary of the model's {r.summary.get('of', 'weights')}.",
        ),
    ]
    if r.concentration:
        blocks.append(
            Block(
                "kv",
                _kv(r.concentration),
                title="Concentration",
                caption="Share of the total |standardized weight| (or importance) "
                "per input column; Gini and HHI measure how unequal it is.",
            )
        )
    if r.by_source is not None and not r.by_source.empty:
        blocks.append(
            Block("figure", figure_to_svg(plot_weights(r)), title="Weight per input column")
        )
        blocks.append(
            table_block(r.by_source, title="Weight vs importance level (Table 2)", max_rows=40)
        )
    if r.coefficients is not None and not r.coefficients.empty:
        coefs = r.coefficients.reindex(
            r.coefficients["standardized"].abs().sort_values(ascending=False).index
        )
        blocks.append(
            table_block(
                coefs,
                title="Coefficients (raw and standardized)",
                max_rows=40,
                index=False,
                caption="standardized = coefficient × std of the feature as "
                "the model sees it, so weights on different scales compare.",
            )
        )
    if r.trees is not None and not r.trees.empty:
        blocks.append(
            table_block(
                r.trees, title="Tree importances and split counts", max_rows=40, index=False
            )
        )
    if r.tree_structure:
        blocks.append(Block("kv", _kv(r.tree_structure), title="Tree structure"))
    if r.layers is not None and not r.layers.empty:
        cols = [c for c in _LAYER_COLS if c in r.layers.columns]
        blocks.append(
            table_block(
                r.layers[cols] if cols else r.layers,
                title="Per-layer statistics and initialization scale (Table 3)",
                index=False,
            )
        )
        blocks.append(
            Block(
                "figure",
                figure_to_svg(plot_layer_distributions(r)),
                title="Weight distribution per layer",
            )
        )
    if r.dead_units is not None and not r.dead_units.empty:
        dead = r.dead_units.drop(columns=["dead_units"], errors="ignore")
        blocks.append(table_block(dead, title="Dead ReLU units", index=False))
    if r.tokens is not None and not r.tokens.empty:
        blocks.append(table_block(r.tokens, title="Token weights (Table 5)", index=False))
    if r.complexity:
        blocks.append(
            Block(
                "kv",
                _kv(r.complexity),
                title="Complexity vs interpretability (Table 8)",
                caption=str(r.complexity.get("interpretability_reason", "")),
            )
        )
    for note in r.notes:
        blocks.append(Block("note", note))
    return Section("section-weights", title, blocks=blocks)
