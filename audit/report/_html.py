"""HTML rendering of reports: Jinja2 with autoescape on; user text is never marked safe.

The only markup inserted unescaped is SVG produced by our own plotting code
(matplotlib escapes the text it writes), passed through :class:`markupsafe.Markup`
inside :mod:`audit.report._blocks` consumers here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from audit.report._blocks import fmt, table_block
from audit.report._write import GENERATOR_MARK

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

    from audit.report._report import AuditReport

__all__ = ["render_report", "render_summary", "table_data", "environment"]


def table_data(frame: Any) -> dict[str, Any]:
    """Table content for templates (used by the comparison page)."""
    return table_block(frame).content


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment (autoescape on, strict undefined)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("audit.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["fmt"] = fmt
    env.filters["evidence"] = evidence_text
    return env


_env = environment  # the comparison module's name for it

MAX_EVIDENCE_ITEMS = 20


def evidence_text(value: Any) -> str:
    """An evidence value as text; long lists are cut (the JSON record keeps them whole)."""
    if isinstance(value, (list, tuple)) and len(value) > MAX_EVIDENCE_ITEMS:
        shown = ", ".join(fmt(v) for v in value[:MAX_EVIDENCE_ITEMS])
        return f"{shown}, … ({len(value) - MAX_EVIDENCE_ITEMS} more in the JSON record)"
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt(v) for v in value) if value else "—"
    return fmt(value)


def figure_block(svg: str) -> Any:
    from markupsafe import Markup

    if not svg.lstrip().startswith("<svg"):
        raise ValueError("figure blocks hold SVG made by model-audit's own plots")
    return Markup(svg)


_EXPLAIN = {
    "imbalanced_weights": "One feature carries most of the model's weight.",
    "imbalanced_attributions": "One feature carries most of the SHAP attribution.",
    "disparity_ratio": "A group gets this outcome far less often than another (four-fifths rule).",
    "disparity_difference": "The rate differs between groups by more than the policy allows.",
    "insufficient_evidence": "Some groups are too small to judge; they neither pass nor fail.",
    "sensitive_attribute_used": "The model uses a sensitive attribute directly.",
    "proxy": "A feature stands in for a sensitive attribute and the model relies on it.",
    "shap_additivity_failed": "SHAP values do not add up to the model output: suspect them.",
    "attribution_gap": "A feature drives decisions for one group far more than for another.",
    "importance_disagreement": "Importance methods disagree on which features matter most.",
    "analyzer_failed": "An analysis could not run, so its checks are missing.",
}


def render_report(report: AuditReport) -> str:
    """Render the full, self-contained HTML report."""
    from audit.report._sections import build_sections

    sections = build_sections(report)
    findings = []
    for i, f in enumerate(report.findings, start=1):
        d = f.to_dict()
        d["anchor"] = f"evidence-{i}"
        d["section"] = f"section-{f.analyzer}" if f.analyzer else "flags"
        d["plain"] = _EXPLAIN.get(f.code, "")
        findings.append(d)
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            generator=GENERATOR_MARK,
            counts=report.counts,
            findings=findings,
            sections=sections,
            figure=figure_block,
        )
    )


def render_summary(report: AuditReport) -> str:
    """Render the notebook summary (verdict and flags)."""
    template = environment().get_template("summary.html.j2")
    return template.render(
        report=report, counts=report.counts, findings=[f.to_dict() for f in report.findings]
    )
