"""Gate outputs for CI: JUnit XML, baseline comparison, Markdown.

Both files always carry the audit's verdict and findings when given the audit
record (``record=``, the JSON record's dict): CI shows what was found even when
no rule failed, and a JUnit file never has ``tests="0"``. User strings (group
values, class labels, finding subjects) are escaped for each sink: Markdown by
:func:`audit._markdown_text.md_escape`, XML by dropping what XML 1.0 cannot hold.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from audit.facts import Fact
from audit.gates._check import GateResult, RuleResult
from audit.policy import Policy

__all__ = [
    "MARKER_LINE",
    "Regression",
    "baseline_changes",
    "compare_to_baseline",
    "junit_xml",
    "markdown_summary",
]

MARKER_LINE = "<!-- model-audit -->"
"""First line of the Markdown summary; line 2 of the JUnit XML: what marks the files as ours."""


@dataclass(frozen=True)
class Regression:
    """A disparity that got worse than the baseline by more than the tolerance."""

    path: str
    baseline: float
    current: float
    tolerance: float

    @property
    def message(self) -> str:
        """One line saying what got worse."""
        return (
            f"{self.path} worsened from {self.baseline:.4g} to {self.current:.4g} "
            f"(tolerance {self.tolerance:g})"
        )


_SUMMARIES = ("demographic_parity", "equalized_odds", "equal_opportunity")
_COUNTS = ("critical", "warning")
_SEVERITIES = ("critical", "warning", "info")
_MAX_FINDINGS = 100


def _subjects(policy: Policy) -> dict[str, set[str]]:
    return {
        "ratio": {*policy.ratio_metrics, *_SUMMARIES},
        "difference": {*policy.difference_metrics, *_SUMMARIES},
    }


def _comparable(path: str, subjects: Mapping[str, set[str]]) -> bool:
    """Whether a baseline comparison looks at ``path``."""
    subject, _, stat = path.rpartition(".")
    if subject == "findings":
        return stat in _COUNTS
    return stat in subjects and subject in subjects[stat]


def compare_to_baseline(
    current: Mapping[str, Fact],
    baseline: Mapping[str, Fact],
    *,
    tolerance: float = 0.02,
    policy: Policy | None = None,
) -> tuple[list[Regression], list[str]]:
    """Find disparities that got worse than in the baseline.

    Compared: the ratios of ``policy.ratio_metrics``, the differences of
    ``policy.difference_metrics``, the named summaries (demographic parity,
    equalized odds, equal opportunity) and the critical / warning counts. A
    difference or count that rose by more than ``tolerance`` (counts: at all), or
    a ratio that fell by more than ``tolerance``, is a regression. Returns
    ``(regressions, compared paths)``; what has a value on one side only is
    what :func:`baseline_changes` reports.
    """
    policy = policy or Policy()
    subjects = _subjects(policy)
    regressions, compared = [], []
    for path, old in sorted(baseline.items()):
        new = current.get(path)
        if new is None or new.value is None or old.value is None:
            continue
        if not _comparable(path, subjects):
            continue
        stat = path.rpartition(".")[2]
        if path.startswith("findings."):
            worse = new.value > old.value
        elif stat == "difference":
            worse = new.value > old.value + tolerance
        else:
            worse = new.value < old.value - tolerance
        compared.append(path)
        if worse:
            regressions.append(Regression(path, old.value, new.value, tolerance))
    return regressions, compared


def baseline_changes(
    current: Mapping[str, Fact],
    baseline: Mapping[str, Fact],
    *,
    policy: Policy | None = None,
) -> tuple[list[str], list[str]]:
    """The compared metrics that have a value on one side only.

    A disparity the baseline had and the current audit has not (a group fell
    below ``min_count``, a metric was dropped) cannot be compared, so it could
    hide a regression: it is reported, as is one that appeared.

    Parameters
    ----------
    current, baseline : mapping of str to Fact
        The facts of the current audit and of the baseline record.
    policy : Policy, optional
        Which metrics are compared (as :func:`compare_to_baseline`).

    Returns
    -------
    (appeared, disappeared) : tuple of list of str
        Sorted metric names with a value now but not in the baseline, and with a
        value in the baseline but not now.
    """
    subjects = _subjects(policy or Policy())

    def valued(facts: Mapping[str, Fact]) -> set[str]:
        return {
            path for path, f in facts.items() if f.value is not None and _comparable(path, subjects)
        }

    now, before = valued(current), valued(baseline)
    return sorted(now - before), sorted(before - now)


# XML 1.0 cannot hold most C0 controls, lone surrogates, U+FFFE / U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: object) -> str:
    """``str(text)`` with every character XML 1.0 cannot hold shown as an escape."""

    def visible(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _NOT_XML.sub(visible, str(text))


def _findings_of(record: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    if record is None:
        return []
    return [f for f in record.get("findings") or [] if isinstance(f, Mapping)]


def _finding_line(f: Mapping[str, Any]) -> str:
    subject = f.get("subject") or ""
    return f"[{f.get('severity')}] {f.get('title', '')}" + (f" ({subject})" if subject else "")


def junit_xml(
    gate: GateResult | None,
    regressions: Sequence[Regression] = (),
    compared: Sequence[str] = (),
    *,
    suite: str = "model-audit",
    record: Mapping[str, Any] | None = None,
    disappeared: Sequence[str] = (),
) -> str:
    """A JUnit XML document of the gates, and of the audit's verdict and findings.

    Parameters
    ----------
    gate : GateResult or None
        The rules checked (None: no rule was gated); one testcase per rule.
    regressions, compared : sequence
        From :func:`compare_to_baseline`: one testcase per compared metric,
        failed when it regressed.
    suite : str, default="model-audit"
        The testsuite's name and the testcases' class name prefix.
    record : mapping, optional
        The audit record (``AuditReport.to_dict()`` or a saved JSON): the verdict
        and counts become properties, and each severity a testcase listing its
        findings (``model-audit.findings``; informational, they fail nothing
        by themselves: a rule such as ``findings.critical == 0`` does).
    disappeared : sequence of str
        From :func:`baseline_changes`: metrics the baseline had and this audit
        has not, one skipped testcase each (they could not be compared).

    Returns
    -------
    str
        The document; line 2 is ``<!-- model-audit -->``, the mark that lets
        model-audit replace the file later.
    """
    policy = gate.policy if gate is not None else Policy()
    results: Sequence[RuleResult] = gate.results if gate is not None else ()
    findings = _findings_of(record)
    severities = _SEVERITIES if record is not None else ()
    root = ET.Element("testsuites")
    failures = sum(r.fails(policy) for r in results) + len(regressions)
    skipped = sum(1 for r in results if r.status == "insufficient" and not r.fails(policy))
    skipped += len(disappeared)
    ts = ET.SubElement(
        root,
        "testsuite",
        name=_xml_text(suite),
        tests=str(len(results) + len(compared) + len(disappeared) + len(severities)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
    )
    if record is not None:
        props = ET.SubElement(ts, "properties")
        model = record.get("model") if isinstance(record.get("model"), Mapping) else {}
        values = {"model": model.get("name", ""), "verdict": record.get("verdict", "")}
        values["gate"] = "none" if gate is None else ("passed" if gate.passed else "failed")
        counts = record.get("counts") if isinstance(record.get("counts"), Mapping) else {}
        values.update({f"findings.{k}": v for k, v in sorted(counts.items())})
        for name, value in values.items():
            ET.SubElement(props, "property", name=name, value=_xml_text(value))
    for r in results:
        case = ET.SubElement(
            ts, "testcase", classname=f"{_xml_text(suite)}.rules", name=_xml_text(r.rule.text)
        )
        message = _xml_text(r.message)
        if r.fails(policy):
            ET.SubElement(case, "failure", message=message, type=r.status).text = message
        elif r.status == "insufficient":
            ET.SubElement(case, "skipped", message=f"insufficient evidence: {message}")
    worse = {reg.path: reg for reg in regressions}
    for path in compared:
        case = ET.SubElement(
            ts, "testcase", classname=f"{_xml_text(suite)}.baseline", name=_xml_text(path)
        )
        if path in worse:
            message = _xml_text(worse[path].message)
            ET.SubElement(case, "failure", message=message, type="regression").text = message
    for path in disappeared:
        case = ET.SubElement(
            ts, "testcase", classname=f"{_xml_text(suite)}.baseline", name=_xml_text(path)
        )
        ET.SubElement(
            case, "skipped", message="in the baseline but not in this audit: not compared"
        )
    for severity in severities:
        of_severity = [f for f in findings if f.get("severity") == severity]
        case = ET.SubElement(
            ts,
            "testcase",
            classname=f"{_xml_text(suite)}.findings",
            name=f"{severity} findings: {len(of_severity)}",
        )
        if of_severity:
            lines = [_finding_line(f) for f in of_severity]
            ET.SubElement(case, "system-out").text = _xml_text("\n".join(lines))
    ET.indent(root)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        + MARKER_LINE
        + "\n"
        + ET.tostring(root, encoding="unicode")
        + "\n"
    )


def markdown_summary(
    gate: GateResult | None,
    regressions: Sequence[Regression] = (),
    *,
    record: Mapping[str, Any] | None = None,
    gate_line: str | None = None,
    compared: Sequence[str] = (),
    appeared: Sequence[str] = (),
    disappeared: Sequence[str] = (),
) -> str:
    """A Markdown summary: the verdict and findings, the gate's rules, the baseline.

    Parameters
    ----------
    gate : GateResult or None
        The rules checked; None when no rule was gated (said so in the summary).
    regressions : sequence of Regression
        Baseline regressions (:func:`compare_to_baseline`).
    record : mapping, optional
        The audit record: its model name, verdict, counts and findings are shown.
    gate_line : str, optional
        Which gate applied and how to change it (the CLI's line).
    compared, appeared, disappeared : sequence of str
        The baseline's compared metrics and :func:`baseline_changes`.

    Returns
    -------
    str
        Markdown whose first line is ``<!-- model-audit -->``. Every user string
        is escaped (:func:`~audit._markdown_text.md_escape`).
    """
    from audit._markdown_text import md_code, md_escape

    lines = [MARKER_LINE, "## model-audit gates", ""]
    if record is not None:
        model = record.get("model") if isinstance(record.get("model"), Mapping) else {}
        counts = record.get("counts") if isinstance(record.get("counts"), Mapping) else {}
        verdict = str(record.get("verdict", "")).upper()
        lines += [
            f"Audit of **{md_escape(model.get('name', ''))}**: verdict **{md_escape(verdict)}**"
            f" — {counts.get('critical', 0)} critical · {counts.get('warning', 0)} warning · "
            f"{counts.get('info', 0)} info · "
            f"{counts.get('insufficient_evidence', 0)} insufficient evidence",
            "",
        ]
    if gate_line:
        lines += [md_escape(gate_line), ""]
    if gate is not None:
        verdict = "PASSED" if gate.passed and not regressions else "FAILED"
        lines += [
            f"**{verdict}** ({len(gate.failed)} of {len(gate.results)} rules failed)",
            "",
            "| rule | status | value | groups |",
            "|---|---|---|---|",
        ]
        for r in gate.results:
            f = r.fact
            value = "n/a" if f is None or f.value is None else f"{f.value:.4g}"
            status = r.status.upper() if r.fails(gate.policy) else r.status
            groups = md_escape(f.groups) if f is not None else ""
            lines.append(f"| {md_code(r.rule.text)} | {status} | {value} | {groups} |")
    elif regressions:
        lines.append("**FAILED** (baseline regressions)")
    elif compared or appeared or disappeared:
        lines.append("**PASSED** (no rule gated; no regression against the baseline)")
    else:
        lines.append("**No rule gated**: the exit code does not depend on the findings.")
    if record is not None:
        findings = _findings_of(record)
        lines += ["", "### Findings", ""]
        if findings:
            lines += ["| severity | finding | subject |", "|---|---|---|"]
            for f in findings[:_MAX_FINDINGS]:
                lines.append(
                    f"| {md_escape(f.get('severity', ''))} | {md_escape(f.get('title', ''))} "
                    f"| {md_escape(f.get('subject') or '')} |"
                )
            if len(findings) > _MAX_FINDINGS:
                lines += ["", f"... and {len(findings) - _MAX_FINDINGS} more (see the report)."]
        else:
            lines.append("No findings.")
    if regressions or compared or appeared or disappeared:
        lines += ["", "### Against the baseline", ""]
        lines.append(f"{len(compared)} metric(s) compared, {len(regressions)} regression(s).")
        lines += [f"- regression: {md_escape(reg.message)}" for reg in regressions]
        lines += [f"- appeared (not in the baseline): {md_code(p)}" for p in appeared]
        lines += [f"- disappeared (not compared): {md_code(p)}" for p in disappeared]
    return "\n".join(lines) + "\n"
