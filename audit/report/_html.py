"""HTML rendering of reports: Jinja2 with autoescape on; user text is never marked safe.

The only markup inserted unescaped is SVG produced by our own plotting code
(matplotlib escapes the text it writes), passed through :class:`markupsafe.Markup`
by :func:`figure_block`, and the CSS strings of the printed page header, which
:func:`css_string` escapes character by character.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from audit._numbers import column_kind
from audit.report._blocks import Block, Section, fmt, table_block
from audit.report._evidence import MAX_EVIDENCE_ITEMS, evidence_view
from audit.report._glossary import EXPLANATIONS, TERMS, anchor, explanation
from audit.report._summary import display_title, flag_groups, summary
from audit.report._write import GENERATOR_MARK

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

    from audit.report._report import AuditReport

__all__ = [
    "render_report",
    "render_summary",
    "table_data",
    "environment",
    "css_string",
    "policy_rows",
    "MAX_EVIDENCE_ITEMS",
]


def table_data(frame: Any) -> dict[str, Any]:
    """Table content for templates (used by the comparison page)."""
    return table_block(frame).content


def css_string(text: object) -> Any:
    """``text`` as a quoted CSS string, every character outside ``[A-Za-z0-9 .,_-]`` escaped.

    Safe inside a ``<style>`` element (no ``<``, quote or backslash survives), for
    the printed page header's ``content:``.
    """
    from markupsafe import Markup

    out = []
    for ch in str(text)[:120]:
        if ch.isascii() and (ch.isalnum() or ch in " .,_-:"):
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):06x}")
    return Markup('"' + "".join(out) + '"')


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
    env.filters["css_string"] = css_string
    env.filters["flag_title"] = display_title
    return env


_env = environment  # the comparison module's name for it

MAX_NOTEBOOK_FLAGS = 25
"""Flags the notebook summary (``_repr_html_``) lists; the rest are counted."""


def figure_block(svg: str) -> Any:
    """Mark SVG made by model-audit's own plots as markup (anything else is refused)."""
    from markupsafe import Markup

    if not svg.lstrip().startswith("<svg"):
        raise ValueError("figure blocks hold SVG made by model-audit's own plots")
    return Markup(svg)


# Terms a fairness section always relies on (its captions and flags use them).
_FAIRNESS_TERMS = (
    "ratio",
    "difference",
    "pp",
    "four_fifths",
    "ci",
    "p_adjusted",
    "insufficient",
    "demographic_parity",
    "equal_opportunity",
    "equalized_odds",
)


def _with_terms(block: Block, used: list[str]) -> Block:
    """A table block whose headers link to the glossary; records the terms it uses."""
    if block.kind == "kv":
        for key, _ in block.content:
            a = anchor(key)
            if a and a not in used:
                used.append(a)
        return block
    if block.kind != "table":
        return block
    content = dict(block.content)
    terms = [anchor(c) for c in content["columns"]]
    index_terms = [anchor(c) for c in content["index_names"]]
    # a table of metrics (one row each) links its row labels too
    row_terms = (
        [[anchor(v) for v in r["index"]] for r in content["rows"]]
        if content["index_names"] == ["metric"]
        else []
    )
    for a in [*terms, *index_terms, *(a for row in row_terms for a in row)]:
        if a and a not in used:
            used.append(a)
    content["terms"] = terms
    content["index_terms"] = index_terms
    content["row_terms"] = row_terms
    return Block(block.kind, content, title=block.title, caption=block.caption)


def _link_sections(sections: list[Section], used: list[str]) -> list[Section]:
    return [
        Section(
            s.id,
            s.title,
            status=s.status,
            reason=s.reason,
            blocks=[_with_terms(b, used) for b in s.blocks],
        )
        for s in sections
    ]


_POLICY_KINDS = {
    "ratio_warning": "ratio",
    "ratio_critical": "ratio",
    "difference_warning": "pp",
    "difference_critical": "pp",
    "ci": "rate",
    "min_count": "count",
    "n_boot": "count",
    "weight_concentration": "rate",
    "sensitive_weight_share": "rate",
    "proxy_association": "score",
    "proxy_encoding": "score",
    "proxy_top_k": "count",
    "attribution_gap": "number",
    "flip_rate": "rate",
    "min_group_share": "rate",
    "representation_ratio": "ratio",
}


def policy_rows(policy: Any) -> list[tuple[str, str]]:
    """The policy's settings as (name, value) rows, numbers formatted by meaning."""
    rows = []
    for key, value in sorted(policy.to_dict().items()):
        if isinstance(value, list | tuple):
            text = ", ".join(map(str, value)) or "—"
        elif isinstance(value, dict):
            text = "; ".join(f"{k}: {fmt(v)}" for k, v in value.items()) or "—"
        else:
            text = fmt(value, _POLICY_KINDS.get(key) or column_kind(key))
        rows.append((key, text))
    return rows


def _glossary(used: Iterable[str], codes: Iterable[str]) -> dict[str, Any]:
    wanted = set(used)
    terms = [t for name, t in TERMS.items() if f"term-{name}" in wanted]
    explained = [explanation(c) for c in dict.fromkeys(codes)]
    return {"terms": terms, "codes": explained}


def render_report(report: AuditReport) -> str:
    """Render the full, self-contained HTML report."""
    from audit.report._sections import build_sections

    used: list[str] = []
    sections = _link_sections(build_sections(report), used)
    groups = flag_groups(report)
    for g in groups:
        a = anchor(g.key[1]) if g.key[1] else ""
        if a and a not in used:
            used.append(a)
    if report.fairness is not None:
        used += [f"term-{t}" for t in _FAIRNESS_TERMS if f"term-{t}" not in used]
    evidence = []
    for g in groups:
        for item in g.shown:
            evidence.append(
                {
                    "position": item.position,
                    "anchor": item.anchor,
                    "title": item.title,
                    "finding": item.finding,
                    "view": evidence_view(item.finding),
                }
            )
    evidence.sort(key=lambda e: e["position"])
    codes = [f.code for f in report.findings]
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            generator=GENERATOR_MARK,
            counts=report.counts,
            groups=groups,
            summary=summary(report, groups),
            evidence=evidence,
            sections=sections,
            glossary=_glossary(used, codes),
            policy=policy_rows(report.policy),
            figure=figure_block,
            n_findings=len(report.findings),
            n_hidden=sum(g.hidden for g in groups),
        )
    )


def render_summary(report: AuditReport) -> str:
    """Render the notebook summary (verdict and flags)."""
    template = environment().get_template("summary.html.j2")
    return template.render(
        report=report,
        counts=report.counts,
        findings=[
            {"severity": f.severity, "title": display_title(f), "subject": f.subject}
            for f in report.findings[:MAX_NOTEBOOK_FLAGS]
        ],
        max_flags=MAX_NOTEBOOK_FLAGS,
        n_findings=len(report.findings),
    )


def registered_codes() -> tuple[str, ...]:
    """Every finding code with a registered plain-language explanation."""
    return tuple(EXPLANATIONS)
