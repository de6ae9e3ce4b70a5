"""HTML rendering of reports: Jinja2 with autoescape on; user text is never marked safe."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from audit.report._write import GENERATOR_MARK

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

    from audit.report._report import AuditReport

__all__ = ["render_report", "render_summary", "table_data"]

MAX_TABLE_ROWS = 60


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            return "—"
        v = float(value)
        return f"{v:.3g}" if (abs(v) >= 1e4 or (0 < abs(v) < 1e-3)) else f"{v:.3f}"
    if isinstance(value, tuple):
        return " & ".join(map(str, value))
    return str(value)


def table_data(frame: pd.DataFrame, *, max_rows: int = MAX_TABLE_ROWS) -> dict[str, Any]:
    """Columns, rows (formatted strings) and a truncation note for the template."""
    shown = frame.head(max_rows)
    index_names = [str(n) if n is not None else "" for n in shown.index.names]
    show_index = not isinstance(shown.index, pd.RangeIndex)
    rows = []
    for idx, row in zip(shown.index, shown.itertuples(index=False, name=None), strict=True):
        labels = list(idx) if isinstance(idx, tuple) else [idx]
        rows.append({"index": [_fmt(v) for v in labels], "cells": [_fmt(v) for v in row]})
    return {
        "index_names": index_names if show_index else [],
        "columns": [_fmt(c) for c in shown.columns],
        "rows": [r if show_index else {"index": [], "cells": r["cells"]} for r in rows],
        "truncated": max(0, len(frame) - len(shown)),
    }


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("audit.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["fmt"] = _fmt
    return env


def _sections(report: AuditReport) -> list[dict[str, Any]]:
    sections = []
    for name, out in report.outputs.items():
        entry: dict[str, Any] = {
            "name": name,
            "status": out.status,
            "reason": out.reason,
            "tables": [],
        }
        result = out.result
        if out.status == "ran" and result is not None:
            if name == "fairness" and hasattr(result, "by_group"):
                entry["tables"].append(("Metrics by group", table_data(result.by_group)))
            elif isinstance(result, pd.DataFrame):
                entry["tables"].append(("Result", table_data(result)))
            elif hasattr(result, "to_frame"):
                try:
                    frame = result.to_frame()
                except Exception:
                    frame = None
                if isinstance(frame, pd.DataFrame) and not frame.empty:
                    entry["tables"].append(("Result", table_data(frame)))
        sections.append(entry)
    return sections


def render_report(report: AuditReport) -> str:
    """Render the full, self-contained HTML report."""
    template = _env().get_template("report.html.j2")
    return template.render(
        report=report,
        generator=GENERATOR_MARK,
        counts=report.counts,
        findings=[f.to_dict() for f in report.findings],
        sections=_sections(report),
        hyperparameters=sorted(report.model["hyperparameters"].items()),
    )


def render_summary(report: AuditReport) -> str:
    """Render the notebook summary (verdict and flags)."""
    template = _env().get_template("summary.html.j2")
    return template.render(
        report=report, counts=report.counts, findings=[f.to_dict() for f in report.findings]
    )
