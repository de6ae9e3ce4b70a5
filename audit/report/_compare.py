"""Several audited models side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from audit.errors import DataValidationError
from audit.report._report import AuditReport
from audit.report._write import write_text_atomic

__all__ = ["ComparisonReport", "compare"]


@dataclass(frozen=True, eq=False)
class ComparisonReport:
    """Several :class:`AuditReport` objects compared."""

    reports: tuple[AuditReport, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per model: task, performance, finding counts, weight range."""
        rows = []
        for rep in self.reports:
            row = {
                "model": rep.model["name"],
                "task": rep.model["task"],
                "n_parameters": rep.model["n_parameters"],
            }
            row.update(rep.data.get("performance", {}))
            row.update({k: v for k, v in rep.counts.items()})
            summary = getattr(rep.weights, "summary", None)
            if isinstance(summary, (dict, pd.Series)):
                for key in ("min", "max", "mean", "std", "count"):
                    if key in summary:
                        row[f"weight_{key}"] = summary[key]
            rows.append(row)
        return pd.DataFrame(rows).set_index("model")

    def to_html(self, path: str | Path | None = None, *, overwrite: bool = False) -> str:
        """Render the comparison as a self-contained HTML page."""
        from audit.report._html import environment as _env
        from audit.report._html import table_data

        text = (
            _env()
            .get_template("compare.html.j2")
            .render(
                reports=self.reports,
                table=table_data(self.to_frame()),
                generator="model-audit",
            )
        )
        if path is not None:
            write_text_atomic(path, text, overwrite=overwrite)
        return text


def compare(reports: Sequence[AuditReport]) -> ComparisonReport:
    """Compare several audit reports side by side.

    Parameters
    ----------
    reports : sequence of AuditReport
        At least one report.
    """
    reports = tuple(reports)
    if not reports or not all(isinstance(r, AuditReport) for r in reports):
        raise DataValidationError(
            "compare() takes a non-empty sequence of AuditReport objects; got "
            f"{[type(r).__name__ for r in reports] or 'nothing'}."
        )
    return ComparisonReport(reports)
