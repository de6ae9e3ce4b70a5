"""Assemble the report's sections, in reading order, from the analyzers' outputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from audit._numbers import column_kind, fmt
from audit.proxies import SEEN_LABEL, seen_text
from audit.report._blocks import Block, Section, table_block
from audit.report._report import LOGGED_PREDICTIONS, PREDICTIONS_KIND
from audit.report._scope import scope_blocks

__all__ = ["build_sections", "SECTION_TITLES", "MAX_LISTED_GROUPS", "hyperparameter_rows"]

MAX_LISTED_GROUPS = 12
"""Groups listed per sensitive attribute in the model card (the largest; the rest counted)."""
_PLACEHOLDER_VALUES = ("deprecated", "warn")  # scikit-learn's sentinels, not settings

SECTION_TITLES = {
    "data": "Data",
    "weights": "Weights",
    "importance": "Importance and contribution to accuracy",
    "attributions": "SHAP attributions",
    "fairness": "Group fairness",
    "calibration": "Calibration by group",
    "thresholds": "Threshold trade-offs (what-if)",
    "proxies": "Proxies of sensitive attributes",
    "flip": "Counterfactual flip test",
    "slices": "Worst slices",
}


def _seen(report: Any) -> str:
    """The model card's "sees" line: :func:`audit.proxies.seen_text` of the proxy analysis."""
    out = report.outputs.get("proxies")
    result = out.result if out is not None and out.status == "ran" else None
    return seen_text(report.data["sensitive"], report.data["sensitive_in_model"], result)


def _source_row(source: dict | None) -> list[tuple[str, str]]:
    """The model card's "Model file" row: file, SHA-256 and scan verdict (load_model only)."""
    if not source:
        return []
    flagged = source["flagged"]
    scan = f"scan: {source['scan_verdict']} ({source['format']}"
    scan += f"; not known safe: {', '.join(flagged[:5])}" if flagged else ""
    scan += f" (+{len(flagged) - 5} more)" if len(flagged) > 5 else ""
    scan += f"; problems: {'; '.join(source['problems'])}" if source["problems"] else ""
    return [("Model file", f"{source['file']} — SHA-256 {source['sha256']} — {scan})")]


def _groups_text(groups: dict[str, int]) -> str:
    """``Female (5,421), Male (10,860)``: the largest groups, the rest counted."""
    ordered = sorted(groups.items(), key=lambda kv: -kv[1])
    shown = sorted(ordered[:MAX_LISTED_GROUPS], key=lambda kv: str(kv[0]))
    text = ", ".join(f"{g} ({n:,})" for g, n in shown)
    if len(ordered) > MAX_LISTED_GROUPS:
        rest = ordered[MAX_LISTED_GROUPS:]
        text += (
            f", and {len(rest):,} more groups ({sum(n for _, n in rest):,} rows; "
            "all in the JSON record)"
        )
    return text


def _flatten(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_flatten(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_flatten(v) for v in value)
    if isinstance(value, float):  # a setting, shown as given: 0.0001, not 0.000100
        return f"{value:g}"
    return fmt(value)


def hyperparameter_rows(hyperparameters: dict[str, Any]) -> list[tuple[str, str]]:
    """The hyperparameters worth reading: scikit-learn's placeholder values left out."""
    rows = []
    for key, value in sorted(hyperparameters.items()):
        if isinstance(value, str) and value in _PLACEHOLDER_VALUES:
            continue
        rows.append((key, _flatten(value)))
    return rows


def _size_row(report: Any) -> tuple[str, str]:
    """Trees and nodes for tree ensembles; the learned scalar count otherwise."""
    weights = report.weights
    structure = getattr(weights, "tree_structure", None) if weights is not None else None
    if structure and "n_trees" in structure:
        parts = [f"{fmt(structure['n_trees'], 'count')} trees"]
        if "n_nodes" in structure:
            parts.append(f"{fmt(structure['n_nodes'], 'count')} nodes")
        if "n_leaves" in structure:
            parts.append(f"{fmt(structure['n_leaves'], 'count')} leaves")
        if "depth_max" in structure:
            parts.append(f"depth up to {fmt(structure['depth_max'], 'count')}")
        return "Model size", " · ".join(parts)
    return "Learned parameters", fmt(report.model["n_parameters"], "count")


def _model_card(report: Any) -> Section:
    m, d = report.model, report.data
    logged = m.get("kind") == PREDICTIONS_KIND  # no model: no size, no inputs to show
    inputs = ", ".join(d["model_columns"][:40]) + (" …" if len(d["model_columns"]) > 40 else "")
    rows = [
        ("Model", f"{m['name']} ({m['class']})"),
        (
            "Task",
            m["task"] + (f" — classes {', '.join(map(str, m['classes']))}" if m["classes"] else ""),
        ),
        ("Positive class", fmt(m.get("pos_label"))),
        *([] if logged else [_size_row(report)]),
        *_source_row(m.get("source")),
        ("Data", f"{d['n_rows']:,} rows × {d['n_columns']} columns; hash {d['data_hash']}"),
        ("Model inputs", f"unknown ({LOGGED_PREDICTIONS})" if logged else inputs),
        (
            "Sensitive attributes",
            "; ".join(f"{name}: {_groups_text(groups)}" for name, groups in d["sensitive"].items())
            or "none given",
        ),
        (SEEN_LABEL, f"unknown ({LOGGED_PREDICTIONS})" if logged else _seen(report)),
        ("Sample weights", "yes" if d["weighted"] else "no"),
    ]
    rows += [(k, fmt(v, column_kind(k))) for k, v in sorted(d["performance"].items())]
    rows += [
        ("Seed", str(report.random_state)),
        ("Audited", report.created_at),
        ("Versions", " · ".join(f"{k} {v}" for k, v in sorted(report.versions.items()))),
    ]
    hyper = hyperparameter_rows(report.model["hyperparameters"])
    blocks = [Block("kv", rows), *scope_blocks(d)]
    if hyper:
        blocks.append(Block("kv", hyper, title="Hyperparameters (set before training)"))
    return Section("section-model-card", "Model card", blocks=blocks)


def _generic(name: str, report: Any) -> Section:
    out = report.outputs.get(name)
    sid, title = f"section-{name}", SECTION_TITLES.get(name, name.capitalize())
    if out is None:
        return Section(sid, title, status="skipped", reason="Not run.")
    if out.status != "ran":
        return Section(sid, title, status=out.status, reason=out.reason)
    blocks: list[Block] = []
    result = out.result
    if hasattr(result, "report_blocks"):
        blocks.extend(result.report_blocks())
    else:
        frame = result if isinstance(result, pd.DataFrame) else None
        if frame is None and hasattr(result, "to_frame"):
            try:
                frame = result.to_frame()
            except Exception:
                frame = None
        if isinstance(frame, pd.DataFrame) and not frame.empty:
            blocks.append(table_block(frame))
    return Section(sid, title, blocks=blocks)


def build_sections(report: Any) -> list[Section]:
    """Model card first, then one section per analyzer that was asked for."""
    from audit.report._section_calibration import calibration_section
    from audit.report._section_data import data_section
    from audit.report._section_explain import (
        attributions_section,
        importance_section,
        proxies_section,
    )
    from audit.report._section_fairness import fairness_section
    from audit.report._section_flip import flip_section
    from audit.report._section_slices import slices_section
    from audit.report._section_thresholds import thresholds_section
    from audit.report._section_weights import weights_section

    builders: dict[str, Callable[[Any], Section]] = {
        "fairness": fairness_section,
        "calibration": calibration_section,
        "thresholds": thresholds_section,
        "weights": weights_section,
        "importance": importance_section,
        "attributions": attributions_section,
        "proxies": proxies_section,
        "flip": flip_section,
        "data": data_section,
        "slices": slices_section,
    }
    sections = [_model_card(report)]
    order = [n for n in SECTION_TITLES if n in report.outputs]
    order += [n for n in report.outputs if n not in SECTION_TITLES]
    for name in order:
        builder = builders.get(name)
        sections.append(builder(report) if builder else _generic(name, report))
    return sections
