"""Gate outputs for CI: JUnit XML (one testcase per rule), baseline comparison, Markdown."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from audit.facts import Fact
from audit.gates._check import GateResult, RuleResult
from audit.policy import Policy

__all__ = ["Regression", "compare_to_baseline", "junit_xml", "markdown_summary"]


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
    ``(regressions, compared paths)``.
    """
    policy = policy or Policy()
    subjects = {
        "ratio": {*policy.ratio_metrics, *_SUMMARIES},
        "difference": {*policy.difference_metrics, *_SUMMARIES},
    }
    regressions, compared = [], []
    for path, old in sorted(baseline.items()):
        new = current.get(path)
        if new is None or new.value is None or old.value is None:
            continue
        subject, stat = path.rsplit(".", 1)
        if stat in subjects and subject not in subjects[stat]:
            continue
        if path.startswith("findings.") and stat in ("critical", "warning"):
            worse = new.value > old.value
        elif stat == "difference":
            worse = new.value > old.value + tolerance
        elif stat == "ratio":
            worse = new.value < old.value - tolerance
        else:
            continue
        compared.append(path)
        if worse:
            regressions.append(Regression(path, old.value, new.value, tolerance))
    return regressions, compared


def junit_xml(
    gate: GateResult | None,
    regressions: Sequence[Regression] = (),
    compared: Sequence[str] = (),
    *,
    suite: str = "model-audit",
) -> str:
    """A JUnit XML document: one testcase per rule and per baseline comparison."""
    policy = gate.policy if gate is not None else Policy()
    results: Sequence[RuleResult] = gate.results if gate is not None else ()
    root = ET.Element("testsuites")
    failures = sum(r.fails(policy) for r in results) + len(regressions)
    skipped = sum(1 for r in results if r.status == "insufficient" and not r.fails(policy))
    ts = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(results) + len(compared)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
    )
    for r in results:
        case = ET.SubElement(ts, "testcase", classname=f"{suite}.rules", name=r.rule.text)
        if r.fails(policy):
            ET.SubElement(case, "failure", message=r.message, type=r.status).text = r.message
        elif r.status == "insufficient":
            ET.SubElement(case, "skipped", message=f"insufficient evidence: {r.message}")
    worse = {reg.path: reg for reg in regressions}
    for path in compared:
        case = ET.SubElement(ts, "testcase", classname=f"{suite}.baseline", name=path)
        if path in worse:
            ET.SubElement(
                case, "failure", message=worse[path].message, type="regression"
            ).text = worse[path].message
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def markdown_summary(gate: GateResult | None, regressions: Sequence[Regression] = ()) -> str:
    """A Markdown table of the gate's rules and any baseline regressions."""
    from audit._markdown_text import md_escape

    lines = ["<!-- model-audit -->", "## model-audit gates", ""]
    if gate is not None:
        verdict = "PASSED" if gate.passed else "FAILED"
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
            lines.append(f"| `{r.rule.text}` | {status} | {value} | {groups} |")
    if regressions:
        lines += ["", "### Regressions against the baseline", ""]
        lines += [f"- {md_escape(reg.message)}" for reg in regressions]
    return "\n".join(lines) + "\n"
