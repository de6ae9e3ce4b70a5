"""Several audited models side by side (Table 1: weight range per model, and more)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from audit.errors import DataValidationError
from audit.report._blocks import table_block
from audit.report._report import AuditReport
from audit.report._write import GENERATOR_MARK, write_text_atomic

__all__ = ["ComparisonReport", "compare"]

_DISPARITIES = (
    "selection_rate.ratio",
    "selection_rate.difference",
    "tpr.difference",
    "fpr.difference",
    "equalized_odds.difference",
)
_WEIGHT_KEYS = ("min", "max", "mean", "std", "count")
MAX_COMPARE_FLAGS = 40
"""Flags listed per model on the comparison page; each model's report lists the rest."""


def _weight_summary(report: AuditReport) -> dict[str, Any]:
    summary = getattr(report.weights, "summary", None)
    if summary is None:
        return {}
    if hasattr(summary, "to_dict"):
        summary = summary.to_dict()
    return {k: summary[k] for k in _WEIGHT_KEYS if k in summary}


@dataclass(frozen=True, eq=False)
class ComparisonReport:
    """Several :class:`AuditReport` objects compared side by side."""

    reports: tuple[AuditReport, ...]

    def weight_ranges(self) -> pd.DataFrame:
        """Table 1: min, max, mean, std and count of the learned weights per model."""
        rows = {r.model["name"]: _weight_summary(r) for r in self.reports}
        return pd.DataFrame.from_dict(rows, orient="index", columns=list(_WEIGHT_KEYS))

    def disparities(self) -> pd.DataFrame:
        """The main disparities of every model (NaN where not computed)."""
        rows = {}
        for r in self.reports:
            facts = r.facts()
            rows[r.model["name"]] = {
                p: facts[p].value if p in facts and facts[p].value is not None else float("nan")
                for p in _DISPARITIES
            }
        return pd.DataFrame.from_dict(rows, orient="index", columns=list(_DISPARITIES))

    def flags(self) -> pd.DataFrame:
        """Finding codes per model, with the most severe severity of each."""
        rank = {"critical": 0, "warning": 1, "info": 2}
        rows: dict[str, dict[str, str]] = {}
        for r in self.reports:
            row: dict[str, str] = {}
            for f in r.findings:
                if f.code not in row or rank[f.severity] < rank[row[f.code]]:
                    row[f.code] = f.severity
            rows[r.model["name"]] = row
        frame = pd.DataFrame.from_dict(rows, orient="index").fillna("")
        return frame.reindex(sorted(frame.columns), axis=1)

    def to_frame(self) -> pd.DataFrame:
        """One row per model: task, parameters, performance, finding counts, weight range."""
        rows = []
        for rep in self.reports:
            row: dict[str, Any] = {
                "model": rep.model["name"],
                "task": rep.model["task"],
                "verdict": rep.verdict,
                "n_parameters": rep.model["n_parameters"],
            }
            row.update(rep.data.get("performance", {}))
            row.update(rep.counts)
            row.update({f"weight_{k}": v for k, v in _weight_summary(rep).items()})
            rows.append(row)
        return pd.DataFrame(rows).set_index("model")

    def to_html(
        self,
        path: str | Path | None = None,
        *,
        overwrite: bool = False,
        links: Mapping[str, str] | None = None,
    ) -> str:
        """Render the comparison as a self-contained HTML page.

        Parameters
        ----------
        path : path-like, optional
            Where to write it (atomically; an existing file must be one of ours).
        overwrite : bool, default=False
            Replace a file that is not a model-audit report.
        links : mapping of str to str, optional
            Model name → relative URL of that model's own report.
        """
        from audit.report._html import environment, figure_block

        blocks = [
            table_block(self.to_frame(), title="Models"),
            table_block(
                self.disparities(),
                title="Disparities side by side",
                caption="Between groups with enough evidence; ratio = lowest / highest.",
            ),
            table_block(self.flags(), title="Flags per model"),
        ]
        ranges = self.weight_ranges().dropna(how="all")
        if not ranges.empty:
            blocks.insert(
                1,
                table_block(
                    ranges,
                    title="Weight range per model",
                    caption="Learned weights as the weight analysis counts "
                    "them (coefficients, importances or all parameters).",
                ),
            )
        text = (
            environment()
            .get_template("compare.html.j2")
            .render(
                reports=self.reports,
                blocks=blocks,
                generator=GENERATOR_MARK,
                figure=figure_block,
                links=dict(links or {}),
                max_flags=MAX_COMPARE_FLAGS,
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
