"""Every finding code the library can emit has a plain-language explanation, and the
report's glossary covers every metric and code it shows, linked from where they are used.

The codes are enumerated from the source: every ``Finding(code=...)`` call under
``audit/`` (a literal, a module constant, either branch of a conditional), plus every
``FINDING_CODES`` tuple and ``*_CODE`` constant. A module whose code is computed (an
f-string, a local variable) must declare its codes in ``FINDING_CODES`` or ``*_CODE``
constants, or this test fails naming it — so a new analyzer cannot ship an unexplained
code.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
from html_probe import Probe
from report_models import planted_disparity_report

import audit
from audit.report._glossary import EXPLANATIONS, TERMS, term

PACKAGE = Path(audit.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _declared(module: object) -> set[str]:
    codes = set(getattr(module, "FINDING_CODES", ()) or ())
    for name, value in vars(module).items():
        if name.endswith("_CODE") and isinstance(value, str):
            codes.add(value)
    return codes


def _code_args(node: ast.Call) -> list[ast.expr]:
    found = [k.value for k in node.keywords if k.arg == "code"]
    return found or node.args[:1]


def _is_finding_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Name) and f.id == "Finding") or (
        isinstance(f, ast.Attribute) and f.attr == "Finding"
    )


def _resolve(expr: ast.expr, module: object) -> set[str] | None:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.Name):
        value = getattr(module, expr.id, None)
        return {value} if isinstance(value, str) else None
    if isinstance(expr, ast.Attribute):
        value = getattr(module, expr.attr, None)
        return {value} if isinstance(value, str) else None
    if isinstance(expr, ast.IfExp):
        a, b = _resolve(expr.body, module), _resolve(expr.orelse, module)
        return None if a is None or b is None else a | b
    return None


def emitted_codes() -> tuple[set[str], list[str]]:
    """(every code the package can emit, modules whose codes could not be enumerated)."""
    codes: set[str] = set()
    unresolved: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if "Finding(" not in source and "FINDING_CODES" not in source and "_CODE" not in source:
            continue
        name = _module_name(path)
        module = importlib.import_module(name)
        declared = _declared(module)
        codes |= declared
        for node in ast.walk(ast.parse(source)):
            if not _is_finding_call(node):
                continue
            for expr in _code_args(node):
                found = _resolve(expr, module)
                if found is not None:
                    codes |= found
                elif not declared:
                    unresolved.append(f"{name}:{node.lineno}")
    return codes, unresolved


def test_the_enumeration_finds_the_codes_of_every_analyzer():
    codes, unresolved = emitted_codes()
    assert unresolved == [], (
        "these Finding(...) calls compute their code; declare the codes in FINDING_CODES "
        f"or *_CODE constants of the module: {unresolved}"
    )
    known = {
        "disparity_ratio",
        "disparity_difference",
        "insufficient_evidence",
        "imbalanced_weights",
        "sensitive_attribute_used",
        "vanishing_weights",  # built as f"{flag}_weights"
        "exploding_weights",
        "dead_units",
        "proxy",
        "proxy_encoding",  # chosen through a local variable
        "analyzer_failed",
        "shap_additivity_failed",
    }
    assert known <= codes, known - codes


def test_every_finding_code_has_a_plain_language_explanation():
    codes, _ = emitted_codes()
    missing = sorted(codes - set(EXPLANATIONS))
    assert missing == [], f"finding codes without an explanation in _glossary.py: {missing}"
    for code in codes:
        e = EXPLANATIONS[code]
        assert e.code == code and e.label and e.check, code
        assert len(e.meaning) > 30, (code, e.meaning)  # a sentence, not a restated name


@pytest.fixture(scope="module")
def page():
    report = planted_disparity_report(n_boot=50)
    html = report.to_html()
    return report, html, Probe(html)


def _headers(html: str, section: str) -> list[str]:
    part = html[html.index(f'<section id="{section}"') :]
    part = part[: part.index("</section>")]
    return [
        re.sub(r"<[^>]+>", "", cell)
        for head in re.findall(r"<thead>(.*?)</thead>", part, re.S)
        for cell in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)
    ]


def test_glossary_covers_every_metric_shown(page):
    report, html, probe = page
    gm = report.fairness
    shown = set(_headers(html, "section-fairness"))
    metrics = [m for m in gm.by_group.columns if m in shown]
    assert {"selection_rate", "tpr", "count", "share"} <= set(metrics)
    disparity_rows = [m for m in gm.metrics if f">{m}</a></th>" in html]
    assert "selection_rate" in disparity_rows
    for metric in {*metrics, *disparity_rows}:
        entry = term(metric)
        assert entry is not None, f"no glossary entry for metric {metric!r}"
        assert f"term-{entry.name}" in probe.ids, metric
        # linked from the table header where it is used
        assert f'<a class="term" href="#term-{entry.name}">{metric}</a>' in html, metric


def test_every_glossary_link_resolves_and_every_code_is_explained(page):
    report, _, probe = page
    assert "glossary" in probe.ids
    term_links = [link for link in probe.links if link.startswith(("term-", "code-"))]
    assert term_links and set(term_links) <= probe.ids
    for f in report.findings:
        assert f"code-{f.code}" in probe.ids, f.code
        assert EXPLANATIONS[f.code].meaning in probe.text
    # only the terms the report uses are listed, each once
    listed = [i for i in probe.ids if i.startswith("term-")]
    assert len(listed) < len(TERMS)
