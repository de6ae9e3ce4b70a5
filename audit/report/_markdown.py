"""Markdown summary of a report, for CI step summaries and pull requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit._markdown_text import md_escape
from audit.report._scope import scope_line

if TYPE_CHECKING:  # pragma: no cover
    from audit.report._report import AuditReport

__all__ = ["MAX_MARKDOWN_FINDINGS", "render_markdown"]

MAX_MARKDOWN_FINDINGS = 50
"""Findings listed in the summary (most severe first); the rest are counted."""

_ICON = {"critical": "🔴", "warning": "🟠", "info": "🔵"}


def render_markdown(report: AuditReport) -> str:
    """Return a Markdown summary: verdict, counts and the findings table."""
    c = report.counts
    lines = [
        "<!-- model-audit -->",
        f"## Model audit: {md_escape(report.model['name'])} — {report.verdict.upper()}",
        "",
        f"{c['critical']} critical · {c['warning']} warning · {c['info']} info · "
        f"{c['insufficient_evidence']} insufficient evidence — "
        f"{report.data['n_rows']} rows, task {report.model['task']}",
        "",
    ]
    scope = scope_line(report.data)
    if scope is not None:
        lines += [f"Data scope: {md_escape(scope)}", ""]
    if report.findings:
        lines += ["| severity | finding | subject |", "|---|---|---|"]
        for f in report.findings[:MAX_MARKDOWN_FINDINGS]:
            title, subject = md_escape(f.title), md_escape(f.subject)
            lines.append(f"| {_ICON[f.severity]} {f.severity} | {title} | {subject} |")
        rest = len(report.findings) - MAX_MARKDOWN_FINDINGS
        if rest > 0:
            lines += ["", f"… and {rest:,} more findings (the JSON record lists every one)."]
    else:
        lines.append("No findings.")
    return "\n".join(lines) + "\n"
