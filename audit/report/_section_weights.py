"""The weights section: weight range, concentration, standardized weights, layers, tokens."""

from __future__ import annotations

from typing import Any

from audit._numbers import column_kind, fmt
from audit.report._blocks import Block, Section, table_block
from audit.report._svg import figure_to_svg, plain_text_plots

__all__ = ["weights_section"]

_LAYER_COLS = [
    "parameter",
    "layer_type",
    "shape",
    "count",
    "mean",
    "std",
    "min",
    "max",
    "skewness",
    "kurtosis",
    "near_zero",
    "spectral",
    "shape_label",
    "reference",
    "scale_ratio",
    "scale_flag",
]


def _value(value: Any, kind: str = "number") -> str:
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        parts = []
        for v in value:
            name = v.get("feature", v.get("name", ""))
            share = v.get("share")
            parts.append(
                f"{name} ({fmt(share, 'rate')})" if isinstance(share, float) else str(name)
            )
        return ", ".join(parts)
    return fmt(value, kind)


def _value_kind(key: str) -> str:
    return column_kind(key)


def _kv(mapping: Any, keys: list[str] | None = None) -> list[tuple[str, str]]:
    """Key–value rows, numbers formatted by the meaning of their key; notes left out."""
    keys = keys or [k for k in mapping if k not in ("hyperparameters", "note")]
    return [(k.replace("_", " "), _value(mapping[k], _value_kind(k))) for k in keys if k in mapping]


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
            title="Weight range",
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
        with plain_text_plots():
            svg = figure_to_svg(plot_weights(r))
        blocks.append(Block("figure", svg, title="Weight per input column"))
        blocks.append(
            table_block(
                r.by_source,
                title="Weight vs importance level",
                max_rows=40,
                caption="Each input column's weight (one-hot columns summed), its share of "
                "the total and its level (high / medium / low).",
            )
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
        blocks.append(
            Block(
                "kv",
                _kv(r.tree_structure),
                title="Tree structure",
                caption=str(r.tree_structure.get("note", "")),
            )
        )
    if r.layers is not None and not r.layers.empty:
        cols = [c for c in _LAYER_COLS if c in r.layers.columns]
        blocks.append(
            table_block(
                r.layers[cols] if cols else r.layers,
                title="Per-layer statistics and initialization scale",
                index=False,
                caption="One row per parameter tensor, named as in the network's state_dict; "
                "reference = the initialization (Xavier or He) whose std the layer is "
                "compared with; scale_ratio = std / that reference std.",
            )
        )
        with plain_text_plots():
            svg = figure_to_svg(plot_layer_distributions(r))
        blocks.append(Block("figure", svg, title="Weight distribution per layer"))
    if r.dead_units is not None and not r.dead_units.empty:
        dead = r.dead_units.drop(columns=["dead_units"], errors="ignore")
        blocks.append(table_block(dead, title="Dead ReLU units", index=False))
    if r.tokens is not None and not r.tokens.empty:
        blocks.append(table_block(r.tokens, title="Token weights", index=False))
    if r.complexity:
        blocks.append(
            Block(
                "kv",
                _kv(r.complexity),
                title="Complexity vs interpretability",
                caption=str(r.complexity.get("interpretability_reason", "")),
            )
        )
    for note in r.notes:
        blocks.append(Block("note", note))
    return Section("section-weights", title, blocks=blocks)
