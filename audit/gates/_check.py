"""Checking rules against facts, and the readable table a failure shows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from audit.facts import Fact
from audit.gates._rules import Rule, parse_rules
from audit.policy import Policy

__all__ = ["RuleResult", "GateResult", "check_rules", "format_table"]

Status = Literal["pass", "fail", "insufficient", "missing"]


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule.

    ``status`` is ``pass`` / ``fail`` on the value; ``insufficient`` when the value
    passed but some group had too little evidence to judge (or no value could be
    computed because of that); ``missing`` when the metric was not computed.
    """

    rule: Rule
    status: Status
    fact: Fact | None

    def fails(self, policy: Policy) -> bool:
        """Whether this result fails the gate under ``policy.insufficient``."""
        if self.status in ("fail", "missing"):
            return True
        return self.status == "insufficient" and policy.insufficient == "fail"

    @property
    def message(self) -> str:
        """One line for logs."""
        f = self.fact
        value = "n/a" if f is None or f.value is None else f"{f.value:.4g}"
        return f"{self.rule}: {self.status} (value {value})"


@dataclass(frozen=True)
class GateResult:
    """Outcomes of several rules under one policy."""

    results: tuple[RuleResult, ...]
    policy: Policy

    @property
    def failed(self) -> list[RuleResult]:
        """The results that fail the gate."""
        return [r for r in self.results if r.fails(self.policy)]

    @property
    def passed(self) -> bool:
        """True when no rule fails."""
        return not self.failed

    @property
    def insufficient(self) -> list[RuleResult]:
        """Results with insufficient evidence (whatever the policy makes of them)."""
        return [r for r in self.results if r.status == "insufficient"]

    def table(self) -> str:
        """A plain-text table of every rule."""
        return format_table(self.results, self.policy)


def _status(rule: Rule, fact: Fact | None) -> Status:
    if fact is None:
        return "missing"
    if fact.value is None:
        return "insufficient" if fact.insufficient else "missing"
    if not rule.holds(fact.value):
        return "fail"
    return "insufficient" if fact.insufficient else "pass"


def check_rules(
    rules: Iterable[str | Rule], facts: Mapping[str, Fact], policy: Policy | None = None
) -> GateResult:
    """Check rules against facts.

    Parameters
    ----------
    rules : iterable of str or Rule
        Rules in the grammar of :mod:`audit.gates._rules`. Unknown metric names
        raise :class:`audit.errors.RuleSyntaxError` with the closest valid name.
    facts : mapping of str to Fact
        What the rules are checked against.
    policy : Policy, optional
        Decides how "insufficient evidence" counts (``policy.insufficient``).
    """
    policy = policy or Policy()
    rules = [rules] if isinstance(rules, str) else list(rules)  # a generator is read once
    texts = [r for r in rules if not isinstance(r, Rule)]  # non-text raises RuleSyntaxError
    parsed = {t: p for t, p in zip(texts, parse_rules(texts, known=facts), strict=True)}
    results = []
    for rule in rules:
        parsed_rule = parsed[rule] if isinstance(rule, str) else rule
        fact = facts.get(parsed_rule.path)
        results.append(RuleResult(parsed_rule, _status(parsed_rule, fact), fact))
    return GateResult(tuple(results), policy)


def format_table(results: Iterable[RuleResult], policy: Policy) -> str:
    """Rule | status | value | groups | CI | threshold, aligned as plain text."""
    header = ("rule", "status", "value", "groups", "CI", "threshold")
    rows = [header]
    for r in results:
        f = r.fact
        status = r.status.upper() if r.fails(policy) else r.status
        value = "n/a" if f is None or f.value is None else f"{f.value:.4g}"
        ci = "" if f is None or f.ci is None else f"[{f.ci[0]:.4g}, {f.ci[1]:.4g}]"
        groups = "" if f is None else f.groups
        if f is not None and f.insufficient:
            groups = (
                (groups + "; " if groups else "") + "insufficient: " + ", ".join(f.insufficient)
            )
        rows.append((r.rule.path, status, value, groups, ci, f"{r.rule.op} {r.rule.threshold:g}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
