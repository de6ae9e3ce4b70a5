"""Assertions for tests: ``assert_fair`` and ``assert_no_findings``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from audit.errors import DataValidationError, InvalidParameterError
from audit.facts import Fact, facts_from_record
from audit.gates._check import GateResult, check_rules
from audit.gates._listeners import gate_listeners
from audit.policy import Policy

__all__ = ["assert_fair", "assert_no_findings", "facts_of", "default_rules"]

_FAILED = (
    "Fairness gate failed: {n} of {m} rule(s) failed under policy insufficient={ins!r}.\n{table}"
)
_NOT_AUDITABLE = (
    "assert_fair takes an AuditReport, a GroupMetrics, a saved audit record (dict) or a "
    "mapping of facts; got {kind}."
)
_SEVERITIES = ("critical", "warning", "info")
_NO_RULES = (
    "assert_fair: no rules to check: none were given, the policy has none, and no fairness "
    "metrics were computed (was the audit run with sensitive_features and y?)."
)
_EMPTY_RULES = (
    "assert_fair got an empty list of rules; pass rules such as "
    "['selection_rate.ratio >= 0.8'], or rules=None for the policy's defaults."
)
_BAD_POLICY = "policy must be an audit.Policy; got {kind}."
_BAD_SEVERITY = "severity must be one of {allowed}; got {value!r}."


def facts_of(subject: Any) -> dict[str, Fact]:
    """The facts rules are checked against, for any gateable object."""
    if hasattr(subject, "facts") and callable(subject.facts):
        return dict(subject.facts())
    if isinstance(subject, Mapping):
        if "findings" in subject or "facts" in subject:
            return facts_from_record(subject)
        if all(isinstance(v, Fact) for v in subject.values()):
            return dict(subject)
    raise InvalidParameterError(_NOT_AUDITABLE.format(kind=type(subject).__name__))


def default_rules(policy: Policy, facts: Mapping[str, Fact]) -> list[str]:
    """The rules a policy implies: its own ``rules``, else four-fifths and difference rules."""
    if policy.rules:
        return list(policy.rules)
    rules = [f"{m}.ratio >= {policy.ratio_warning:g}" for m in policy.ratio_metrics]
    rules += [f"{m}.difference <= {policy.difference_warning:g}" for m in policy.difference_metrics]
    return [r for r in rules if r.split(" ")[0] in facts]


def _notify(name: str, result: GateResult, subject: Any) -> None:
    for listener in list(gate_listeners):
        listener(name, result, subject)


def assert_fair(
    subject: Any,
    rules: Iterable[str] | str | None = None,
    *,
    policy: Policy | None = None,
    name: str | None = None,
) -> GateResult:
    """Assert that rules hold; raise ``AssertionError`` with a readable table when not.

    Parameters
    ----------
    subject : AuditReport, GroupMetrics, dict or mapping of facts
        What to judge.
    rules : str or iterable of str, optional
        Rules such as ``"selection_rate.ratio >= 0.8"``; default: the policy's
        rules, else the four-fifths rule on ``policy.ratio_metrics`` and the
        difference threshold on ``policy.difference_metrics``.
    policy : Policy, optional
        Thresholds and how "insufficient evidence" counts (default: fail only on
        ``policy.insufficient == "fail"``).
    name : str, optional
        Name of the gate in summaries (default: the rules).

    Returns
    -------
    GateResult
        When every rule passes (insufficient evidence passes unless the policy
        says ``insufficient="fail"``).

    Raises
    ------
    AssertionError
        A rule fails, or its metric is missing (e.g. fewer than two groups to compare).
    RuleSyntaxError
        A rule does not follow the grammar or names an unknown metric.
    InvalidParameterError
        ``subject`` or ``policy`` is not of a type assert_fair takes.
    DataValidationError
        ``rules`` is an empty list, or no rule applies.
    """
    __tracebackhide__ = True  # pytest shows the caller's line and the table, not this source
    if policy is not None and not isinstance(policy, Policy):
        raise InvalidParameterError(_BAD_POLICY.format(kind=type(policy).__name__))
    policy = policy or getattr(subject, "policy", None) or Policy()
    facts = facts_of(subject)
    if rules is None:
        rule_list = default_rules(policy, facts)
        if not rule_list:
            raise DataValidationError(_NO_RULES)
    else:
        rule_list = [rules] if isinstance(rules, str) else list(rules)
        if not rule_list:
            raise DataValidationError(_EMPTY_RULES)
    result = check_rules(rule_list, facts, policy)
    _notify(name or "; ".join(rule_list), result, subject)
    if not result.passed:
        raise AssertionError(
            _FAILED.format(
                n=len(result.failed),
                m=len(result.results),
                ins=policy.insufficient,
                table=result.table(),
            )
        )
    return result


def assert_no_findings(subject: Any, severity: str = "critical") -> None:
    """Assert that a report has no finding of ``severity`` or worse.

    Raises
    ------
    AssertionError
        Listing the offending findings.
    """
    __tracebackhide__ = True  # pytest shows the caller's line and the findings, not this source
    if severity not in _SEVERITIES:
        raise InvalidParameterError(_BAD_SEVERITY.format(allowed=_SEVERITIES, value=severity))
    worse = _SEVERITIES[: _SEVERITIES.index(severity) + 1]
    findings = subject.get("findings", []) if isinstance(subject, Mapping) else subject.findings
    bad = [
        f if isinstance(f, Mapping) else f.to_dict()
        for f in findings
        if (f["severity"] if isinstance(f, Mapping) else f.severity) in worse
    ]
    if bad:
        lines = [f"  {f['severity']:<8} {f['code']:<28} {f['subject']}: {f['title']}" for f in bad]
        raise AssertionError(
            f"{len(bad)} finding(s) of severity {severity!r} or worse:\n" + "\n".join(lines)
        )
