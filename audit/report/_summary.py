"""The top of the report in plain language: what was audited, the main problems, grouped flags.

Findings stay what the analyzers made them; this module only *reads* them to

* give each flag a display title that names its subject and shows its numbers
  formatted by meaning (:func:`display_title`),
* group the flags by problem and attribute, with counts (:func:`flag_groups`),
* write the short summary a non-specialist reads first (:func:`summary`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from audit._numbers import column_kind, difference_kind, fmt
from audit.findings import Finding
from audit.report._glossary import anchor, explanation, term
from audit.report._scope import scope_line

__all__ = [
    "MAX_FLAGS_PER_GROUP",
    "FlagItem",
    "FlagGroup",
    "Summary",
    "display_title",
    "flag_groups",
    "summary",
]

_RANK = {"critical": 0, "warning": 1, "info": 2}
_DISPARITY = ("disparity_ratio", "disparity_difference")
_MAX_PROBLEMS = 3
MAX_FLAGS_PER_GROUP = 25
"""Flags listed per group (most severe first); the rest are counted, and the JSON record
and the gates keep every one, so the report's size stays bounded for any number of groups."""
_DISPARITY_CHECK = (
    "Compare with the base rates of the same groups (a gap already in the data is not always "
    "one the model adds) and with the interval (a wide one means more data is needed); look "
    "at the proxies and SHAP-by-group sections for the features that drive the gap; then "
    "decide whether per-group thresholds, retraining or a documented justification is needed."
)


@dataclass(frozen=True)
class FlagItem:
    """One flag as the report lists it."""

    finding: Finding
    position: int
    title: str
    check: str
    anchor: str
    section: str
    code_anchor: str
    scope: str = ""


@dataclass(frozen=True)
class FlagGroup:
    """Flags of one problem on one attribute (or intersection of attributes)."""

    key: tuple[str, str, str]
    label: str
    items: list[FlagItem] = field(default_factory=list)

    @property
    def scope(self) -> str:
        """The attributes the group's flags are about: ``"sex × race, race, sex"``."""
        return ", ".join(dict.fromkeys(i.scope for i in self.items if i.scope))

    @property
    def severity(self) -> str:
        """The most severe severity in the group."""
        return min((i.finding.severity for i in self.items), key=_RANK.__getitem__)

    @property
    def counts(self) -> dict[str, int]:
        """Flags per severity (only the severities present)."""
        out: dict[str, int] = {}
        for item in self.items:
            out[item.finding.severity] = out.get(item.finding.severity, 0) + 1
        return out

    @property
    def shown(self) -> list[FlagItem]:
        """The flags the report lists (at most :data:`MAX_FLAGS_PER_GROUP`)."""
        return self.items[:MAX_FLAGS_PER_GROUP]

    @property
    def hidden(self) -> int:
        """How many flags of the group are counted but not listed."""
        return max(0, len(self.items) - MAX_FLAGS_PER_GROUP)

    @property
    def check(self) -> str:
        """What to check next for this group's problem (one text per group)."""
        if self.key[0] == "disparity":
            return _DISPARITY_CHECK
        return " ".join(dict.fromkeys(item.check for item in self.items))

    @property
    def term(self) -> str:
        """The glossary anchor of the group's metric (``term-tpr``), or ``""``."""
        return anchor(self.key[1]) if self.key[1] else ""

    @property
    def headline(self) -> str:
        """The group's heading, e.g. ``"Selection rate: 6 disparities across sex × race, race,
        sex (3 critical, 3 warning)"``."""
        n = len(self.items)
        counts = ", ".join(f"{k} {s}" for s, k in sorted(self.counts.items(), key=_rank_key))
        if self.key[0] == "disparity":
            noun = "disparity" if n == 1 else "disparities"
            label = self.label.removesuffix(" disparity")
        else:
            noun, label = ("flag" if n == 1 else "flags"), self.label
        scope = f" across {self.scope}" if self.scope else ""
        return f"{label}: {n} {noun}{scope} ({counts})"


def _rank_key(item: tuple[str, int]) -> int:
    return _RANK[item[0]]


@dataclass(frozen=True)
class Summary:
    """The plain-language summary: what was audited, the main problems, what the verdict means."""

    audited: str
    problems: list[str]
    verdict: str


# ----------------------------------------------------------------- helpers


def _metric_label(metric: str) -> str:
    entry = term(metric)
    if entry is None:
        return metric.replace("_", " ")
    label = entry.label.split(" (")[0]
    suffix = metric[metric.index("[") :] if "[" in metric else ""
    return label + suffix


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _scope(finding: Finding, report: Any) -> str:
    if finding.analyzer == "fairness":
        if ": " in finding.subject:
            return finding.subject.split(": ")[0]
        gm = report.fairness
        return " × ".join(map(str, gm.sensitive_names)) if gm is not None else ""
    attribute = finding.evidence.get("attribute")
    return str(attribute) if attribute is not None else ""


def _family(finding: Finding) -> tuple[str, str]:
    if finding.code in _DISPARITY:
        return "disparity", str(finding.evidence.get("metric", finding.subject))
    return finding.code, ""


def _pair(e: Any) -> tuple[str, str, float, float]:
    low, high = e["groups"]
    v_low, v_high = e["values"]
    return str(low), str(high), float(v_low), float(v_high)


def _disparity_title(f: Finding, scope: str = "") -> str:
    e = f.evidence
    metric = str(e["metric"])
    low, high, v_low, v_high = _pair(e)
    kind = column_kind(metric)
    label = _cap(_metric_label(metric)) + (f" by {scope}" if scope else "")
    thresholds = (e.get("warning_threshold"), e.get("critical_threshold"))
    thresholds = tuple(t for t in thresholds if t is not None)
    if f.code == "disparity_ratio":
        ratio = fmt(e["ratio"], "ratio", against=thresholds)
        threshold = fmt(e["threshold"], "ratio", against=e["ratio"])
        return (
            f"{label}: {low} {fmt(v_low, kind)} vs {high} {fmt(v_high, kind)} — "
            f"ratio {ratio}, below {threshold}"
        )
    dkind = difference_kind(metric)
    diff = fmt(e["difference"], dkind, against=thresholds)
    threshold = fmt(e["threshold"], dkind, against=e["difference"])
    return (
        f"{label}: {high} {fmt(v_high, kind)} vs {low} {fmt(v_low, kind)} — "
        f"{diff} apart, above {threshold}"
    )


def _composed_title(f: Finding, scope: str) -> str | None:
    e = f.evidence
    if f.code in _DISPARITY:
        return _disparity_title(f, scope)
    if f.code == "insufficient_evidence":
        groups = list(e["groups"])
        shown = ", ".join(map(str, groups[:4])) + (" …" if len(groups) > 4 else "")
        metrics = ", ".join(_metric_label(str(m)) for m in e["metrics"])
        return (
            f"{len(groups)} group(s) too small to judge {metrics} "
            f"(fewer than {fmt(e['min_count'], 'count')} rows): {shown}"
        )
    if f.code in ("proxy", "proxy_encoding"):
        verb = "encodes" if f.code == "proxy_encoding" else "stands in for"
        measure = term(str(e.get("measure", "")))
        measure_label = measure.label if measure else str(e.get("measure", "association"))
        return (
            f"'{e['feature']}' {verb} {e['attribute']} ({measure_label} "
            f"{fmt(e['value'], 'score')}; the model's #{e['reliance_rank']} feature)"
        )
    if f.code == "attribution_gap":
        ratio = fmt(e["ratio"], "number", against=e["threshold"])
        return (
            f"'{e['feature']}' weighs {ratio}× more for {e['attribute']}={e['high_group']} "
            f"than for {e['low_group']} (threshold {fmt(e['threshold'], 'number')}×)"
        )
    if f.code == "under_representation" and e.get("basis", "share") == "share":
        share = fmt(e["share"], "rate", against=e["threshold"])
        threshold = fmt(e["threshold"], "rate", against=e["share"])
        return (
            f"{e['attribute']}={e['group']} is {share} of the rows "
            f"({fmt(e['count'], 'count')} of {fmt(e['n'], 'count')}; threshold {threshold})"
        )
    if f.code == "imbalanced_weights":
        share = fmt(e["top_share"], "rate", against=e["threshold"])
        threshold = fmt(e["threshold"], "rate", against=e["top_share"])
        return f"'{e['top_feature']}' holds {share} of the model's weight (threshold {threshold})"
    if f.code == "sensitive_attribute_used":
        share = fmt(e["share"], "rate", against=e["threshold"])
        threshold = fmt(e["threshold"], "rate", against=e["share"])
        return (
            f"The model uses '{e['attribute']}' directly: {share} of its weight "
            f"(threshold {threshold}, rank {e['rank']} of {e['n_features']})"
        )
    return None


def display_title(finding: Finding, scope: str = "") -> str:
    """The flag's title as the report shows it: naming its subject, numbers by meaning.

    ``scope`` names the attribute(s) a disparity is about (``"sex × race"``).

    Known codes get a title composed from their evidence (so numbers use the
    report's formatter and never look equal to their threshold); any other
    finding keeps its own title, with its subject appended when the title does
    not already name it.
    """
    try:
        composed = _composed_title(finding, scope)
    except (KeyError, TypeError, ValueError, IndexError):
        composed = None
    if composed is not None:
        return composed
    title, subject = finding.title, finding.subject
    if subject and subject not in title:
        return f"{title} — {subject}"
    return title


# ----------------------------------------------------------------- groups


def flag_groups(report: Any) -> list[FlagGroup]:
    """The report's findings grouped by problem and attribute, most severe group first."""
    groups: dict[tuple[str, str, str], FlagGroup] = {}
    for position, f in enumerate(report.findings, start=1):
        family, metric = _family(f)
        scope = _scope(f, report)
        key = (family, metric, "" if family == "disparity" else scope)
        if key not in groups:
            if family == "disparity":
                label = f"{_cap(_metric_label(metric))} disparity"
            else:
                label = explanation(f.code).label
            groups[key] = FlagGroup(key, label)
        groups[key].items.append(
            FlagItem(
                scope=scope,
                finding=f,
                position=position,
                title=display_title(f, scope),
                check=explanation(f.code).check,
                anchor=f"evidence-{position}",
                section=f"section-{f.analyzer}" if f.analyzer else "flags",
                code_anchor=f"code-{f.code}",
            )
        )
    return sorted(groups.values(), key=_group_order)


_METRIC_ORDER = ("selection_rate", "tpr", "fpr", "precision", "tnr", "fnr", "npv", "accuracy")
_FAMILY_ORDER = (
    "disparity",
    "counterfactual_flip",
    "sensitive_attribute_used",
    "proxy_encoding",
    "proxy",
    "calibration_gap",
    "weak_slice",
    "attribution_gap",
    "label_imbalance",
    "under_representation",
)


def _group_order(g: FlagGroup) -> tuple[int, int, int, int]:
    """Most severe first; then what matters most to the people decided on: disparities
    (selection rate first), direct use of an attribute, proxies, ...; then report order."""
    family = _FAMILY_ORDER.index(g.key[0]) if g.key[0] in _FAMILY_ORDER else len(_FAMILY_ORDER)
    metric = g.key[1].split("[")[0]
    rank = _METRIC_ORDER.index(metric) if metric in _METRIC_ORDER else len(_METRIC_ORDER)
    return (_RANK[g.severity], family, rank, g.items[0].position)


# ----------------------------------------------------------------- summary

_PEOPLE = {
    "selection_rate": (
        "people in {low} are predicted {positive} {v_low} of the time, against {v_high} for {high}"
    ),
    "tpr": (
        "among people who truly are {positive}, those in {low} are recognised {v_low} of "
        "the time against {v_high} for {high}: qualified people in {low} are missed more often"
    ),
    "tnr": (
        "among people who truly are negative, those in {low} are correctly predicted "
        "negative {v_low} of the time against {v_high} for {high}"
    ),
    "fpr": (
        "among people who truly are negative, those in {high} are wrongly predicted "
        "{positive} {v_high} of the time against {v_low} for {low}"
    ),
    "fnr": (
        "among people who truly are {positive}, those in {high} are wrongly predicted "
        "negative {v_high} of the time against {v_low} for {low}"
    ),
    "precision": (
        "when the model predicts {positive}, it is right {v_low} of the time for {low} "
        "against {v_high} for {high}"
    ),
}


def _positive(report: Any) -> str:
    pos = report.model.get("pos_label")
    if pos is None or str(pos) in ("1", "True", "1.0"):
        return "positive"
    return f"positive ({pos})"


def _lead(group: FlagGroup) -> FlagItem:
    """The flag a summary line describes: the most severe, single attributes first."""
    return min(
        group.items,
        key=lambda i: (_RANK[i.finding.severity], "×" in i.scope, i.position),
    )


def _problem_text(group: FlagGroup, report: Any) -> str:
    lead = _lead(group)
    worst = lead.finding
    scope = f" by {lead.scope}" if lead.scope else ""
    others = [s for s in dict.fromkeys(i.scope for i in group.items) if s and s != lead.scope]
    n_more = len(group.items) - 1
    more = ""
    if n_more > 0:
        more = f" {n_more} more flag{'s' if n_more != 1 else ''} of this kind"
        more += f", also by {' and by '.join(others)}." if others else "."
    if worst.code in _DISPARITY:
        e = worst.evidence
        metric = str(e.get("metric", ""))
        base = metric.split("[")[0]
        try:
            low, high, v_low, v_high = _pair(e)
        except (KeyError, TypeError, ValueError):
            return f"{group.label}{scope}: {lead.title}.{more}"
        kind = column_kind(metric)
        template = _PEOPLE.get(base)
        if template is None:
            people = (
                f"{_metric_label(metric)} is {fmt(v_low, kind)} for {low} and "
                f"{fmt(v_high, kind)} for {high}"
            )
        else:
            people = template.format(
                low=low,
                high=high,
                v_low=fmt(v_low, kind),
                v_high=fmt(v_high, kind),
                positive=_positive(report),
            )
        if worst.code == "disparity_ratio":
            stat = f"ratio {fmt(e['ratio'], 'ratio', against=e.get('threshold'))}"
        else:
            gap = fmt(e["difference"], difference_kind(metric), against=e.get("threshold"))
            stat = f"{gap} apart"
        return f"{group.label}{scope} ({worst.severity}): {_cap(people)} ({stat}).{more}"
    meaning = explanation(worst.code).meaning
    return f"{group.label} ({worst.severity}): {lead.title}. {meaning}{more}"


def _pick_problems(groups: Sequence[FlagGroup]) -> list[FlagGroup]:
    """Up to three groups with a warning or worse, most severe first."""
    candidates = [g for g in groups if g.severity in ("critical", "warning")]
    return candidates[:_MAX_PROBLEMS]


_VERDICT_TEXT = {
    "critical": (
        "At least one problem is beyond the policy's critical threshold (and, for "
        "disparities, statistically clear): it should be resolved or explicitly accepted "
        "before the model is used."
    ),
    "warning": (
        "No critical problem, but some checks crossed a warning threshold: review them "
        "before sign-off."
    ),
    "pass": (
        "No check crossed the policy's thresholds. This is not proof of fairness: it holds "
        "for these groups, this data and this policy."
    ),
}


def _audited_text(report: Any) -> str:
    m, d = report.model, report.data
    cls = str(m.get("class", "")).rsplit(".", 1)[-1]
    sensitive = d.get("sensitive", {})
    attrs = "; ".join(
        f"{name} ({len(groups)} group{'s' if len(groups) != 1 else ''})"
        for name, groups in sensitive.items()
    )
    performance = d.get("performance", {})
    perf = ", ".join(f"{k} {fmt(v, column_kind(k))}" for k, v in sorted(performance.items()))
    ran = [n for n, o in report.outputs.items() if o.status == "ran"]
    not_ran = [n for n, o in report.outputs.items() if o.status != "ran"]
    text = (
        f"{m['name']} ({cls}, {m['task']}) was audited on {fmt(d['n_rows'], 'count')} rows "
        f"× {fmt(d['n_columns'], 'count')} columns (data hash {d['data_hash']})"
    )
    text += (
        f", for the sensitive attributes {attrs}." if attrs else ", without sensitive attributes."
    )
    if perf:
        text += f" Overall {perf}."
    scope = scope_line(d)
    if scope is not None:
        text += f" Data scope: {scope}."
    if ran:
        text += f" Analyses run: {', '.join(ran)}."
    if not_ran:
        text += f" Not run: {', '.join(not_ran)} (see their sections)."
    return text


def summary(report: Any, groups: Sequence[FlagGroup] | None = None) -> Summary:
    """The plain-language summary of a report.

    Parameters
    ----------
    report : AuditReport
    groups : sequence of FlagGroup, optional
        The report's flag groups (computed when not given).
    """
    groups = flag_groups(report) if groups is None else groups
    problems = [_problem_text(g, report) for g in _pick_problems(groups)]
    return Summary(
        audited=_audited_text(report),
        problems=problems,
        verdict=_VERDICT_TEXT.get(report.verdict, ""),
    )


def glossary_terms_of(names: Sequence[object]) -> list[str]:
    """Anchors of the glossary entries of ``names`` (in order, without duplicates)."""
    out: list[str] = []
    for name in names:
        a = anchor(name)
        if a and a not in out:
            out.append(a)
    return out
