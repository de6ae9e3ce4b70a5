"""Assemble the report's sections, in reading order, from the analyzers' outputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from audit.proxies import SEEN_LABEL, seen_text
from audit.report._blocks import Block, Section, fmt, table_block

__all__ = ["build_sections", "SECTION_TITLES"]

SECTION_TITLES = {
    "weights": "Weights",
    "importance": "Importance and contribution to accuracy",
    "attributions": "SHAP attributions",
    "fairness": "Group fairness",
    "proxies": "Proxies of sensitive attributes",
}


def _seen(report: Any) -> str:
    """The model card's "sees" line: :func:`audit.proxies.seen_text` of the proxy analysis."""
    out = report.outputs.get("proxies")
    result = out.result if out is not None and out.status == "ran" else None
    return seen_text(report.data["sensitive"], report.data["sensitive_in_model"], result)


def _model_card(report: Any) -> Section:
    m, d = report.model, report.data
    rows = [
        ("Model", f"{m['name']} ({m['class']})"),
        (
            "Task",
            m["task"] + (f" — classes {', '.join(map(str, m['classes']))}" if m["classes"] else ""),
        ),
        ("Positive class", fmt(m.get("pos_label"))),
        ("Learned parameters", fmt(m["n_parameters"])),
        ("Data", f"{d['n_rows']:,} rows × {d['n_columns']} columns; hash {d['data_hash']}"),
        (
            "Model inputs",
            ", ".join(d["model_columns"][:40]) + (" …" if len(d["model_columns"]) > 40 else ""),
        ),
        (
            "Sensitive attributes",
            "; ".join(
                f"{name}: " + ", ".join(f"{g} ({n:,})" for g, n in groups.items())
                for name, groups in d["sensitive"].items()
            )
            or "none given",
        ),
        (SEEN_LABEL, _seen(report)),
        ("Sample weights", "yes" if d["weighted"] else "no"),
    ]
    rows += [(k, fmt(v)) for k, v in sorted(d["performance"].items())]
    rows += [
        ("Seed", str(report.random_state)),
        ("Audited", report.created_at),
        ("Versions", " · ".join(f"{k} {v}" for k, v in sorted(report.versions.items()))),
    ]
    hyper = [(k, fmt(v)) for k, v in sorted(report.model["hyperparameters"].items())]
    blocks = [Block("kv", rows)]
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
    from audit.report._section_explain import (
        attributions_section,
        importance_section,
        proxies_section,
    )
    from audit.report._section_fairness import fairness_section
    from audit.report._section_weights import weights_section

    builders: dict[str, Callable[[Any], Section]] = {
        "fairness": fairness_section,
        "weights": weights_section,
        "importance": importance_section,
        "attributions": attributions_section,
        "proxies": proxies_section,
    }
    sections = [_model_card(report)]
    order = [n for n in SECTION_TITLES if n in report.outputs]
    order += [n for n in report.outputs if n not in SECTION_TITLES]
    for name in order:
        builder = builders.get(name)
        sections.append(builder(report) if builder else _generic(name, report))
    return sections
