"""A model card (Mitchell et al., 2019, "Model Cards for Model Reporting") filled from an audit.

The sections are the paper's: model details, intended use, factors, metrics,
evaluation data, training data, quantitative analyses, ethical considerations,
caveats and recommendations. What the audit measured is filled in, with the same
numbers (and the same formatter) as the HTML report; what only the model's owner
knows (intended use, training data, license, contact) is left as a clearly
marked placeholder ``[TO BE COMPLETED BY THE MODEL OWNER: …]``. Every user string
(model, column, group and feature names; finding texts) is escaped with
:func:`audit._markdown_text.md_escape`, so the card renders as the text it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from audit._markdown_text import md_escape
from audit._numbers import column_kind, fmt
from audit.report._glossary import explanation, term
from audit.report._scope import scope_line
from audit.report._summary import flag_groups, summary

if TYPE_CHECKING:  # pragma: no cover
    from audit.report._report import AuditReport

__all__ = ["PLACEHOLDER", "MAX_CARD_GROUPS", "render_model_card", "SECTIONS"]

PLACEHOLDER = "[TO BE COMPLETED BY THE MODEL OWNER: {what}]"
MAX_CARD_GROUPS = 30
"""Groups listed in the card's quantitative tables (the largest; the JSON has all)."""
SECTIONS = (
    "Model Details",
    "Intended Use",
    "Factors",
    "Metrics",
    "Evaluation Data",
    "Training Data",
    "Quantitative Analyses",
    "Ethical Considerations",
    "Caveats and Recommendations",
)
_CARD_METRICS = ("count", "selection_rate", "tpr", "fpr", "precision", "accuracy")
_CARD_STATS = ("selection_rate", "tpr", "fpr", "precision", "tnr")


def _todo(what: str) -> str:
    return PLACEHOLDER.format(what=what)


def _e(text: object) -> str:
    return md_escape(text)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _model_details(report: AuditReport) -> list[str]:
    m, d = report.model, report.data
    lines = [
        f"- **Name:** {_e(m['name'])}",
        f"- **Type:** {_e(m['class'])} ({_e(m['task'])})",
    ]
    if m.get("classes"):
        lines.append(f"- **Classes:** {_e(', '.join(map(str, m['classes'])))}")
    if m.get("pos_label") is not None:
        lines.append(f"- **Positive class:** {_e(m['pos_label'])}")
    source = m.get("source")
    if source:
        lines.append(
            f"- **Model file:** {_e(source.get('file'))} (SHA-256 {_e(source.get('sha256'))})"
        )
    hyper = [
        f"{_e(k)}={_e(v)}"
        for k, v in sorted(m.get("hyperparameters", {}).items())
        if not isinstance(v, dict | list) and v not in ("deprecated", "warn")
    ]
    if hyper:
        lines.append(f"- **Hyperparameters:** {', '.join(hyper[:40])}")
    lines += [
        f"- **Audited:** {_e(report.created_at)} with model-audit "
        f"{_e(report.versions.get('model-audit', ''))} (seed {report.random_state})",
        f"- **Developed by:** {_todo('person or organisation, and contact')}",
        f"- **Model version and date:** {_todo('version, training date')}",
        f"- **License:** {_todo('license')}",
        f"- **Paper or documentation:** {_todo('reference')}",
        f"- **Data audited:** {fmt(d['n_rows'], 'count')} rows, data hash {_e(d['data_hash'])}",
        "",
    ]
    return lines


def _intended_use() -> list[str]:
    return [
        f"- **Primary intended uses:** {_todo('the decisions this model supports')}",
        f"- **Primary intended users:** {_todo('who uses its outputs')}",
        f"- **Out-of-scope uses:** {_todo('uses it must not be put to')}",
        "",
    ]


def _factors(report: AuditReport) -> list[str]:
    sensitive = report.data.get("sensitive", {})
    lines = []
    if sensitive:
        lines.append(
            "- **Relevant factors (audited):** the sensitive attributes "
            + ", ".join(_e(name) for name in sensitive)
            + "."
        )
        for name, groups in sensitive.items():
            ordered = sorted(groups.items(), key=lambda kv: -kv[1])
            shown = ", ".join(f"{_e(g)} ({fmt(n, 'count')})" for g, n in ordered[:12])
            more = f", and {len(ordered) - 12:,} more" if len(ordered) > 12 else ""
            lines.append(f"  - {_e(name)}: {len(groups):,} groups — {shown}{more}")
        gm = report.fairness
        if gm is not None and len(gm.sensitive_names) > 1:
            lines.append(
                "- **Evaluation factors:** every intersection of "
                + " × ".join(_e(n) for n in gm.sensitive_names)
                + ", and each attribute on its own."
            )
        seen = report.data.get("sensitive_in_model") or []
        if seen:
            lines.append("- **The model takes as input:** " + ", ".join(_e(s) for s in seen) + ".")
    else:
        lines.append("- No sensitive attributes were given to the audit.")
    lines += [
        f"- **Other relevant factors:** {_todo('instruments, environments, other groups')}",
        "",
    ]
    return lines


def _metrics(report: AuditReport) -> list[str]:
    p = report.policy
    names = sorted({*p.ratio_metrics, *p.difference_metrics})
    labels = ", ".join(f"{_e(n)} ({_e(term(n).label)})" if term(n) else _e(n) for n in names)
    performance = ", ".join(_e(k) for k in sorted(report.data.get("performance", {})))
    lines = [
        f"- **Performance measures:** {performance or 'none (no labels)'}.",
        f"- **Fairness measures:** {labels}, compared between groups as a ratio (lowest / "
        "highest) and a difference (highest − lowest).",
        f"- **Decision thresholds (policy):** ratio below {fmt(p.ratio_warning, 'ratio')} is a "
        f"warning, below {fmt(p.ratio_critical, 'ratio')} critical (four-fifths rule); difference "
        f"above {fmt(p.difference_warning, 'pp')} a warning, above "
        f"{fmt(p.difference_critical, 'pp')} critical; a group is judged only when the "
        f"metric's denominator reaches {fmt(p.min_count, 'count')} rows.",
        f"- **Variation approaches:** {fmt(p.ci, 'rate')} bootstrap intervals "
        f"({fmt(p.n_boot, 'count')} replicates of the count table); a disparity is critical "
        f"only when its parity test rejects after {_e(p.multiple_comparisons)} correction.",
        "",
    ]
    return lines


def _evaluation_data(report: AuditReport) -> list[str]:
    d = report.data
    return [
        f"- **Dataset:** {fmt(d['n_rows'], 'count')} rows × {fmt(d['n_columns'], 'count')} "
        f"columns (data hash {_e(d['data_hash'])}); sample weights: "
        f"{'yes' if d.get('weighted') else 'no'}.",
        *([f"- **Data scope:** {_e(scope)}."] if (scope := scope_line(d)) else []),
        f"- **Source and motivation:** {_todo('where this data comes from and why it was chosen')}",
        f"- **Preprocessing:** {_todo('how it was prepared')}",
        "",
    ]


def _training_data() -> list[str]:
    return [
        "- The audit does not see the training data.",
        f"- **Training data:** {_todo('source, size, time period, group composition')}",
        "",
    ]


def _quantitative(report: AuditReport) -> list[str]:
    lines: list[str] = []
    perf = report.data.get("performance", {})
    if perf:
        lines.append(
            "**Overall:** "
            + ", ".join(f"{_e(k)} {fmt(v, column_kind(k))}" for k, v in sorted(perf.items()))
            + "."
        )
        lines.append("")
    gm = report.fairness
    if gm is None:
        lines += ["No group metrics were computed.", ""]
        return lines
    facts = report.facts()
    rows = []
    for metric in _CARD_STATS:
        if f"{metric}.ratio" not in facts:
            continue
        ratio, diff = facts[f"{metric}.ratio"], facts[f"{metric}.difference"]
        rows.append(
            [
                _e(metric),
                _with_ci(ratio.value, ratio.ci, "ratio"),
                _with_ci(diff.value, diff.ci, "pp"),
                _e(ratio.groups or "—"),
            ]
        )
    if rows:
        lines.append("**Between groups** (groups with enough evidence; intervals in brackets):")
        lines.append("")
        lines += _table(["metric", "ratio", "difference", "lowest vs highest"], rows)
    cols = [c for c in _CARD_METRICS if c in gm.by_group.columns]
    order = np.argsort(-gm.by_group["count"].to_numpy(dtype=float), kind="stable")
    keep = np.sort(order[:MAX_CARD_GROUPS])
    labels = gm.group_labels()
    body = []
    for i in keep:
        cells = [_e(labels[i])]
        for c in cols:
            value = float(gm.by_group[c].iat[i])
            text = fmt(value, column_kind(c))
            if gm.ci_low is not None and c in gm.ci_low and c != "count" and np.isfinite(value):
                low, high = gm.ci_low[c].iat[i], gm.ci_high[c].iat[i]
                text += f" [{fmt(low, column_kind(c))}, {fmt(high, column_kind(c))}]"
            if c in gm.sufficient and c != "count" and not bool(gm.sufficient[c].iat[i]):
                text += " †"
            cells.append(text)
        body.append(cells)
    lines.append(
        "**By group** (" + " × ".join(_e(n) for n in gm.sensitive_names) + "; † insufficient "
        "evidence, not judged):"
    )
    lines.append("")
    lines += _table(["group", *(_e(c) for c in cols)], body)
    if len(keep) < len(labels):
        lines += [
            f"The {len(keep):,} largest of {len(labels):,} groups are listed; the JSON record "
            "holds every group.",
            "",
        ]
    return lines


def _with_ci(value: float | None, ci: Any, kind: str) -> str:
    text = fmt(value, kind)
    if value is not None and ci is not None:
        text += f" [{fmt(ci[0], kind)}, {fmt(ci[1], kind)}]"
    return text


def _ethics(report: AuditReport) -> list[str]:
    groups = flag_groups(report)
    lines = []
    if groups:
        lines.append("Findings of the audit, grouped (most severe first):")
        lines.append("")
        for g in groups:
            lines.append(f"- **{_e(g.headline)}** — {_e(g.items[0].title)}")
            meaning = explanation(g.items[0].finding.code).meaning
            if meaning:
                lines.append(f"  - What it means: {_e(meaning)}")
            lines.append(f"  - Check next: {_e(g.check)}")
        lines.append("")
    else:
        lines += ["No finding crossed the policy's thresholds.", ""]
    lines += [
        f"- **Risks and harms:** {_todo('who could be harmed, and how')}",
        f"- **Mitigations:** {_todo('what was done about the findings above')}",
        "",
    ]
    return lines


def _caveats(report: AuditReport) -> list[str]:
    lines = []
    insufficient = [f for f in report.findings if f.code == "insufficient_evidence"]
    for f in insufficient:
        groups = list(f.evidence.get("groups", []))
        shown = ", ".join(_e(g) for g in groups[:10]) + (" …" if len(groups) > 10 else "")
        lines.append(
            f"- Too little evidence to judge {len(groups):,} group(s) ({shown}): neither pass "
            "nor fail."
        )
    for name, out in report.outputs.items():
        if out.status != "ran":
            lines.append(f"- The {_e(name)} analysis did not run: {_e(out.reason)}")
    lines += [
        "- The audit covers the groups, data and policy above; passing it is not proof of "
        "fairness for other groups, data or uses.",
        f"- **Recommendations:** {_todo('conditions of use, monitoring, re-audit schedule')}",
        "",
    ]
    return lines


def render_model_card(report: AuditReport) -> str:
    """The model card of ``report`` as Markdown (the sections in :data:`SECTIONS`)."""
    s = summary(report)
    parts: dict[str, list[str]] = {
        "Model Details": _model_details(report),
        "Intended Use": _intended_use(),
        "Factors": _factors(report),
        "Metrics": _metrics(report),
        "Evaluation Data": _evaluation_data(report),
        "Training Data": _training_data(),
        "Quantitative Analyses": _quantitative(report),
        "Ethical Considerations": _ethics(report),
        "Caveats and Recommendations": _caveats(report),
    }
    lines = [
        "<!-- model-audit -->",
        f"# Model card: {_e(report.model['name'])}",
        "",
        f"Audit verdict: **{report.verdict.upper()}** — {_e(s.verdict)}",
        "",
        _e(s.audited),
        "",
        "Sections follow Mitchell et al. (2019), *Model Cards for Model Reporting*. Text in "
        "[TO BE COMPLETED BY THE MODEL OWNER: …] is for the model's owner to fill in.",
        "",
    ]
    for title in SECTIONS:
        lines += [f"## {title}", "", *parts[title]]
    return "\n".join(lines).rstrip("\n") + "\n"
