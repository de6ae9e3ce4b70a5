"""The rule grammar, and the names of the facts a rule can test.

One grammar is shared by code (:func:`audit.gates.assert_fair`), the CLI
(``--fail-on``), ``[tool.model-audit]`` of pyproject.toml (:class:`audit.Policy`)
and the pytest plugin. A rule is ``<subject>.<statistic> <operator> <number>``::

    selection_rate.ratio >= 0.8        # four-fifths rule on selection rate
    tpr.difference <= 0.1              # equal opportunity within 0.1
    findings.critical == 0             # no critical finding
    weights.top_share <= 0.5           # no feature holds more than half the weight

Subjects are the fairness metrics (``selection_rate``, ``tpr``, ``fpr``, ...) with
statistics ``difference`` / ``ratio`` (between groups) or ``min`` / ``max`` (over
groups); the named summaries (``demographic_parity``, ``equalized_odds``,
``equal_opportunity``) with ``difference`` / ``ratio``; ``findings`` with
``critical`` / ``warning`` / ``info`` / ``total`` / ``insufficient_evidence``; and
the summary numbers of the weights analysis (``weights.top_share``, ...).

:func:`known_fact_names` is the one list of every fact name an audit can
publish: the CLI and :class:`audit.Policy` check a rule's name against it before
any model is loaded or any audit runs, so a misspelt name fails at once, naming
the closest valid one. This module is core (it imports nothing heavy and no
engine), so the policy can use it.
"""

from __future__ import annotations

import difflib
import functools
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from audit.errors import RuleSyntaxError

__all__ = [
    "FACT_STATISTICS",
    "FAIRNESS_METRICS",
    "FINDINGS_FACTS",
    "GRAMMAR",
    "OPERATORS",
    "SUMMARY_NAMES",
    "SUMMARY_STATISTICS",
    "WEIGHTS_FACTS",
    "Rule",
    "closest_name",
    "describe_names",
    "known_fact_names",
    "parse_rule",
    "parse_rules",
]

FAIRNESS_METRICS: tuple[str, ...] = (
    # binary classification (audit.fairness.BINARY_METRICS)
    "base_rate",
    "selection_rate",
    "tpr",
    "fpr",
    "fnr",
    "tnr",
    "precision",
    "npv",
    "accuracy",
    "balanced_accuracy",
    "f1",
    # scores (audit.fairness.SCORE_METRICS)
    "auc",
    "brier",
    "ece",
    # regression (audit.fairness.REGRESSION_METRICS)
    "mean_target",
    "mean_prediction",
    "mean_residual",
    "mae",
    "rmse",
    "r2",
)
"""Every metric name the fairness engine computes (binary, score and regression).

Core data, so that the policy can check ``ratio_metrics`` without importing the
engine; ``tests/core/test_settings_before_work.py`` checks that it equals the
engine's ``BINARY_METRICS + SCORE_METRICS + REGRESSION_METRICS``.
"""
FACT_STATISTICS: tuple[str, ...] = ("difference", "ratio", "min", "max")
"""Statistics every fairness metric publishes as a fact: ``<metric>.<statistic>``."""
SUMMARY_NAMES: tuple[str, ...] = ("demographic_parity", "equalized_odds", "equal_opportunity")
"""The named fairlearn-style summaries."""
SUMMARY_STATISTICS: tuple[str, ...] = ("difference", "ratio")
"""Statistics of the named summaries (``demographic_parity.ratio``, ...)."""
WEIGHTS_FACTS: tuple[str, ...] = (
    "top_share",
    "top_k_share",
    "gini",
    "hhi",
    "effective_n",
    "min",
    "max",
    "mean",
    "std",
    "dead_fraction",
)
"""``weights.<name>`` facts of the weights analysis."""
FINDINGS_FACTS: tuple[str, ...] = ("critical", "warning", "info", "total", "insufficient_evidence")
"""``findings.<name>`` facts (the counts of findings)."""


@functools.lru_cache(maxsize=1)
def known_fact_names() -> frozenset[str]:
    """Every fact name a run of :func:`audit.audit_model` can publish.

    ``<metric>.difference|ratio|min|max`` for each of :data:`FAIRNESS_METRICS`,
    ``demographic_parity|equalized_odds|equal_opportunity.difference|ratio``,
    ``weights.<name>`` and ``findings.<name>``. One run publishes a subset (no
    ``auc`` without scores, no ``weights.dead_fraction`` without a torch
    model); a rule on a known name that a run did not publish is "missing".
    """
    names = {f"{m}.{s}" for m in FAIRNESS_METRICS for s in FACT_STATISTICS}
    names |= {f"{m}.{s}" for m in SUMMARY_NAMES for s in SUMMARY_STATISTICS}
    names |= {f"weights.{k}" for k in WEIGHTS_FACTS}
    names |= {f"findings.{k}" for k in FINDINGS_FACTS}
    return frozenset(names)


def describe_names(names: Iterable[str]) -> str:
    """Fact names, compactly: ``{selection_rate, tpr}.{difference, ratio}; findings.total``.

    Subjects with the same statistics share one ``{...}.{...}`` entry, so the whole
    list stays short enough for an error message and nothing is left out.
    """
    by_subject: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        subject, _, statistic = name.partition(".")
        by_subject.setdefault(subject, []).append(statistic)
    groups: dict[tuple[str, ...], list[str]] = {}
    for subject, statistics in by_subject.items():
        groups.setdefault(tuple(statistics), []).append(subject)

    def _set(items: Sequence[str]) -> str:
        return items[0] if len(items) == 1 else "{" + ", ".join(items) + "}"

    return "; ".join(f"{_set(subjects)}.{_set(stats)}" for stats, subjects in groups.items())


def closest_name(name: str, allowed: Iterable[str]) -> str | None:
    """The allowed name closest to ``name`` (:func:`difflib.get_close_matches`), or None."""
    close = difflib.get_close_matches(str(name), sorted(set(allowed)), n=1, cutoff=0.5)
    return close[0] if close else None


OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
GRAMMAR = (
    "rule := <subject>.<statistic> <op> <number>, op one of >=, <=, >, <, ==, !=; "
    "e.g. 'selection_rate.ratio >= 0.8', 'tpr.difference <= 0.1', 'findings.critical == 0', "
    "'weights.top_share <= 0.5'"
)
_RULE_RE = re.compile(
    r"^\s*(?P<path>[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*)\s*"
    r"(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*$"
)
_BAD_RULE = "Cannot parse rule {rule!r}. Grammar: {grammar}."
_UNKNOWN_PATH = "Unknown metric {path!r} in rule {rule!r}.{hint} Known metrics: {known}."


@dataclass(frozen=True)
class Rule:
    """A parsed rule: ``path op threshold``."""

    path: str
    op: str
    threshold: float
    text: str

    def holds(self, value: float) -> bool:
        """Whether ``value`` satisfies the rule."""
        return OPERATORS[self.op](value, self.threshold)

    def __str__(self) -> str:
        return f"{self.path} {self.op} {self.threshold:g}"


def parse_rule(text: str, known: Iterable[str] | None = None) -> Rule:
    """Parse one rule; with ``known`` metric paths, reject an unknown path with a suggestion.

    ``known`` is usually :func:`known_fact_names` (checked before any work) or
    the facts of one audit.

    Raises
    ------
    RuleSyntaxError
        The text does not follow :data:`GRAMMAR`, or names an unknown metric.
    """
    if not isinstance(text, str):
        raise RuleSyntaxError(_BAD_RULE.format(rule=text, grammar=GRAMMAR))
    match = _RULE_RE.match(text)
    if match is None:
        raise RuleSyntaxError(_BAD_RULE.format(rule=text, grammar=GRAMMAR))
    path = match["path"]
    if known is not None:
        known = sorted(set(known))
        if path not in known:
            close = closest_name(path, known)
            hint = f" Did you mean {close!r}?" if close else ""
            raise RuleSyntaxError(
                _UNKNOWN_PATH.format(path=path, rule=text, hint=hint, known=describe_names(known))
            )
    return Rule(path=path, op=match["op"], threshold=float(match["value"]), text=text.strip())


def parse_rules(texts: Iterable[str] | str, known: Iterable[str] | None = None) -> list[Rule]:
    """Parse several rules (a single string is one rule)."""
    if isinstance(texts, str):
        texts = [texts]
    known_list = None if known is None else list(known)
    return [parse_rule(t, known_list) for t in texts]
